"""Factories: tensor() dtype inference, from_numpy/as_tensor memory sharing, zeros/ones/full/empty(+_like),
arange/linspace/logspace/eye edge cases and errors (NumPy is the oracle)."""

import numpy as np
import pytest
import torsh_tensor as T
from torsh_core import config
from torsh_core import dtypes as dt


@pytest.mark.parametrize("data, dtype, shape", [
    ([True, False], dt.bool, (2,)),
    ([True, 1], dt.int64, (2,)),
    ([1, 2.0], dt.float32, (2,)),
    ([1, 1j], dt.complex64, (2,)),
    ([[1], [2.5]], dt.float32, (2, 1)),
    ([[True], [2]], dt.int64, (2, 1)),
    (((1, 2), (3, 4)), dt.int64, (2, 2)),
    ([], dt.float32, (0,)),
    ([[], []], dt.float32, (2, 0)),
    (3, dt.int64, ()),
    (3.5, dt.float32, ()),
    (True, dt.bool, ()),
    (2j, dt.complex64, ()),
    (np.float64(1.0), dt.float64, ()),
    ([np.float64(1.0), 2], dt.float64, (2,)),
    ([np.int32(1)], dt.int32, (1,)),
    ([np.int32(1), 2], dt.int64, (2,)),
    ([2.0, np.float16(1)], dt.float32, (2,)),
    ([np.float16(1), np.int64(2)], dt.float16, (2,)),
    (np.array([1, 2], dtype=np.int32), dt.int32, (2,)),
    (np.zeros((2, 3), dtype=np.float16), dt.float16, (2, 3)),
])
def test_tensor_dtype_inference(data, dtype, shape):
    t = T.tensor(data)
    assert t.dtype is dtype and tuple(t.shape) == shape


def test_inference_follows_default_dtype():
    try:
        config.set_default_dtype(dt.float64)
        assert T.tensor([1.5]).dtype is dt.float64
        assert T.tensor([1j]).dtype is dt.complex128
        assert T.tensor([1]).dtype is dt.int64
    finally:
        config.set_default_dtype(dt.float32)


def test_tensor_of_tensors_and_explicit_dtype():
    t = T.tensor([T.tensor(1.0), T.tensor(2.0)])
    assert t.tolist() == [1.0, 2.0] and t.dtype is dt.float32
    assert T.tensor([1.7, -1.7], dtype=dt.int64).tolist() == [1, -1]
    assert T.tensor([1, 0], dtype=dt.bool).tolist() == [True, False]


def test_tensor_copies_its_input():
    a = np.arange(3.0)
    t = T.tensor(a)
    a[0] = 100
    assert t.tolist() == [0.0, 1.0, 2.0]


def test_tensor_from_tensor_warns_and_copies():
    src = T.tensor([1.0, 2.0])
    with pytest.warns(UserWarning, match="clone"):
        t = T.tensor(src)
    t[0] = 5
    assert src.tolist() == [1.0, 2.0]


@pytest.mark.parametrize("data, error, match", [
    ([[1, 2], [3]], ValueError, r"expected sequence of length 2 at dim 1 \(got 1\)"),
    ([[1, 2], 3], ValueError, "dim 1"),
    ("abc", TypeError, "invalid data type 'str'"),
    (None, RuntimeError, "Could not infer dtype of NoneType"),
    ([None], RuntimeError, "Could not infer dtype of NoneType"),
    ([object()], RuntimeError, "Could not infer dtype of object"),
    ([2 ** 63], ValueError, "Overflow"),
])
def test_tensor_bad_data(data, error, match):
    with pytest.raises(error, match=match):
        T.tensor(data)


def test_tensor_value_overflowing_an_explicit_dtype():
    with pytest.raises(RuntimeError, match="cannot be converted to type uint8 without overflow"):
        T.tensor([300], dtype=dt.uint8)


def test_tensor_requires_grad():
    assert T.tensor([1.0], requires_grad=True).requires_grad
    with pytest.raises(RuntimeError, match="floating point"):
        T.tensor([1], requires_grad=True)


def test_from_numpy_shares_memory_both_ways():
    a = np.arange(4.0)
    t = T.from_numpy(a)
    a[0] = 7
    assert t[0].item() == 7
    t[1] = 9
    assert a[1] == 9
    assert t.dtype is dt.float64 and t.data_ptr() == a.ctypes.data


def test_from_numpy_keeps_strides_of_views():
    a = np.arange(12.0).reshape(3, 4)[:, ::2]
    t = T.from_numpy(a)
    assert tuple(t.shape) == (3, 2) and t.stride() == (4, 2)
    np.testing.assert_array_equal(t.numpy(), a)


def test_from_numpy_errors():
    with pytest.raises(TypeError, match=r"expected np.ndarray \(got list\)"):
        T.from_numpy([1, 2])
    with pytest.raises(TypeError, match="can't convert NumPy dtype"):
        T.from_numpy(np.array(["a"]))
    with pytest.raises(TypeError, match="uint16"):
        T.from_numpy(np.arange(3, dtype=np.uint16))


def test_as_tensor_shares_when_it_can():
    a = np.arange(3.0)
    t = T.as_tensor(a)
    a[0] = 5
    assert t[0].item() == 5
    c = T.as_tensor(a, dtype=dt.float32)
    a[1] = 6
    assert c[1].item() == 1.0 and c.dtype is dt.float32
    src = T.tensor([1.0, 2.0])
    assert T.as_tensor(src) is src
    assert T.as_tensor(src, dtype=dt.float64).dtype is dt.float64
    assert T.as_tensor([1, 2]).dtype is dt.int64
    assert T.asarray is T.as_tensor


@pytest.mark.parametrize("factory, fill", [(T.zeros, 0), (T.ones, 1)])
def test_zeros_ones_size_forms(factory, fill):
    for args in ((2, 3), ((2, 3),), ([2, 3],), (T.tensor([0]).new_zeros(2, 3).shape,)):
        t = factory(*args)
        assert tuple(t.shape) == (2, 3) and t.dtype is dt.float32
        assert np.all(t.numpy() == fill)
    assert tuple(factory(()).shape) == () and tuple(factory(0).shape) == (0,)
    assert factory(2, dtype=dt.int32).dtype is dt.int32
    assert factory(2, requires_grad=True).requires_grad


@pytest.mark.parametrize("args, error", [((2, -1), RuntimeError), ((2.5,), TypeError), ((True,), TypeError)])
def test_factory_size_errors(args, error):
    with pytest.raises(error):
        T.zeros(*args)


def test_empty_has_shape_and_dtype():
    t = T.empty(2, 3, dtype=dt.int32)
    assert tuple(t.shape) == (2, 3) and t.dtype is dt.int32
    assert T.empty(0).numel() == 0


@pytest.mark.parametrize("value, dtype", [(1, dt.int64), (True, dt.bool), (1.5, dt.float32), (1j, dt.complex64)])
def test_full_infers_dtype_from_fill_value(value, dtype):
    t = T.full((2, 2), value)
    assert t.dtype is dtype and t.tolist() == [[value] * 2] * 2


def test_full_with_dtype_and_tensor_value():
    assert T.full([2, 1], 7, dtype=dt.float64).tolist() == [[7.0], [7.0]]
    assert T.full((2,), T.tensor(2.5)).tolist() == [2.5, 2.5]


def test_like_factories_copy_shape_dtype_and_allow_overrides():
    ref = T.ones(2, 3, dtype=dt.int32)
    for fn in (T.zeros_like, T.ones_like, T.empty_like):
        t = fn(ref)
        assert tuple(t.shape) == (2, 3) and t.dtype is dt.int32
    assert T.zeros_like(ref, dtype=dt.float64).dtype is dt.float64
    assert T.ones_like(T.ones(2), requires_grad=True).requires_grad
    assert T.full_like(ref, 2.7).tolist() == [[2, 2, 2]] * 2
    assert T.full_like(T.ones(2), 2.5).tolist() == [2.5, 2.5]


@pytest.mark.parametrize("args, kwargs, expected", [
    ((5,), {}, np.arange(5)),
    ((2, 7, 2), {}, np.arange(2, 7, 2)),
    ((1, 0, -0.25), {}, np.array([1.0, 0.75, 0.5, 0.25])),
    ((0,), {}, np.arange(0)),
    ((-3, 3, 2), {}, np.array([-3, -1, 1])),
    ((0.0, 1.0, 0.3), {}, np.array([0.0, 0.3, 0.6, 0.9])),
    ((0, 5, 1.5), {"dtype": dt.int64}, np.arange(5)),
    ((0, 4.5, 1), {"dtype": dt.int64}, np.arange(4)),
    ((-2.5, 2, 1), {"dtype": dt.int32}, np.arange(-2, 2)),
    ((1, 4), {"dtype": dt.float64}, np.array([1.0, 2.0, 3.0])),
])
def test_arange_values(args, kwargs, expected):
    t = T.arange(*args, **kwargs)
    np.testing.assert_allclose(t.numpy(), expected, rtol=1e-6)
    assert t.dtype is kwargs.get("dtype", dt.int64 if all(isinstance(a, int) for a in args) else dt.float32)


def test_arange_length_with_float_step():
    assert T.arange(0, 1, 0.1).numel() == 10
    assert T.arange(0, 0.3, 0.1).numel() == 3
    assert T.arange(T.tensor(3)).tolist() == [0, 1, 2]


@pytest.mark.parametrize("args, kwargs, error, match", [
    ((10, 0), {}, RuntimeError, "upper bound and lower bound inconsistent with step sign"),
    ((0, 1, 0), {}, RuntimeError, "step must be nonzero"),
    ((0, 2.5, 0.5), {"dtype": dt.int64}, ValueError, "step must be nonzero"),
    ((float("nan"),), {}, RuntimeError, "unsupported range"),
    ((float("inf"),), {}, RuntimeError, "unsupported range"),
])
def test_arange_errors(args, kwargs, error, match):
    with pytest.raises(error, match=match):
        T.arange(*args, **kwargs)


def test_linspace():
    np.testing.assert_allclose(T.linspace(0, 1, 5).numpy(), [0, 0.25, 0.5, 0.75, 1])
    assert T.linspace(0, 1, 1).tolist() == [0.0]
    assert T.linspace(0, 1, 0).numel() == 0
    assert T.linspace(0, 10, 5, dtype=dt.int64).tolist() == [0, 2, 5, 7, 10]
    t = T.linspace(-1, 1, 7, dtype=dt.float64)
    assert t.dtype is dt.float64 and t[0].item() == -1 and t[-1].item() == 1
    np.testing.assert_allclose(t.numpy(), np.linspace(-1, 1, 7), atol=1e-15)
    with pytest.raises(RuntimeError, match="number of steps must be non-negative"):
        T.linspace(0, 1, -1)
    with pytest.raises(TypeError, match="steps"):
        T.linspace(0, 1, 2.5)


def test_logspace():
    np.testing.assert_allclose(T.logspace(0, 2, 3).numpy(), [1, 10, 100], rtol=1e-6)
    np.testing.assert_allclose(T.logspace(0, 3, 4, base=2).numpy(), [1, 2, 4, 8])
    with pytest.raises(RuntimeError, match="non-negative"):
        T.logspace(0, 2, -1)


def test_eye():
    np.testing.assert_array_equal(T.eye(3).numpy(), np.eye(3))
    np.testing.assert_array_equal(T.eye(2, 3).numpy(), np.eye(2, 3))
    assert tuple(T.eye(0).shape) == (0, 0)
    assert T.eye(2, dtype=dt.bool).tolist() == [[True, False], [False, True]]
    with pytest.raises(RuntimeError, match="n must be greater or equal to 0, got -1"):
        T.eye(-1)
    with pytest.raises(RuntimeError, match="m must be greater or equal to 0, got -1"):
        T.eye(2, -1)
    with pytest.raises(TypeError):
        T.eye(2.5)


def test_scalar_tensor_complex_and_polar():
    assert T.scalar_tensor(3).dtype is dt.float32 and T.scalar_tensor(3).shape == ()
    c = T.complex(T.tensor([1.0]), T.tensor([2.0]))
    assert c.dtype is dt.complex64 and c.tolist() == [1 + 2j]
    assert T.complex(T.tensor([1.0], dtype=dt.float64), T.tensor([2.0], dtype=dt.float64)).dtype is dt.complex128
    with pytest.raises(RuntimeError, match="Float"):
        T.complex(T.tensor([1]), T.tensor([2]))
    p = T.polar(T.tensor([2.0]), T.tensor([0.0]))
    np.testing.assert_allclose(p.numpy(), [2 + 0j])


def test_legacy_tensor_constructor():
    assert T.Tensor([1, 2]).dtype is dt.float32
    assert tuple(T.Tensor(2, 3).shape) == (2, 3)
    assert tuple(T.Tensor().shape) == (0,)
    with pytest.raises(TypeError):
        T.Tensor(2, "x")
