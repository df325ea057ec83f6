"""add/sub/mul/div against NumPy: every size, layout and dtype, plus the errors bad input must raise."""

import ml_dtypes
import numpy as np
import pytest
from torsh_backend import cpu_kernels as K
from torsh_core.errors import DTypeError, ShapeError, TorshTypeError, TorshValueError

SIZES = (0, 1, 7, 1023, 100003)
FAST = (np.float32, np.float64)
OPS = {"add": np.add, "sub": np.subtract, "mul": np.multiply, "div": np.true_divide}


@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("dtype", FAST)
@pytest.mark.parametrize("n", SIZES)
def test_contiguous_matches_numpy_exactly(op, dtype, n, spy_kernels, random):
    a, b = random(n, dtype, 1), random(n, dtype, 2)
    got = getattr(K, op)(a, b)
    assert got.dtype == dtype and got.shape == (n,)
    np.testing.assert_array_equal(got, OPS[op](a, b))
    assert spy_kernels == [op]


@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("dtype", FAST)
def test_strided_views_fall_back_to_numpy(op, dtype, spy_kernels, random):
    a = random((64, 33), dtype, 1)
    b = random((33, 64), dtype, 2)
    for x, y in ((a[:, ::2], b.T[:, ::2]), (a.T, b), (a[::3], b.T[::3])):
        np.testing.assert_array_equal(getattr(K, op)(x, y), OPS[op](x, y))
    assert spy_kernels == []


@pytest.mark.parametrize("dtype", (np.int32, np.int64, np.uint8, np.float16, ml_dtypes.bfloat16, np.complex128))
def test_other_dtypes_use_numpy(dtype):
    a = (np.arange(1, 12) % 5 + 1).astype(dtype)
    b = (np.arange(11) % 3 + 1).astype(dtype)
    for op, ufunc in OPS.items():
        np.testing.assert_array_equal(getattr(K, op)(a, b), ufunc(a, b))


def test_broadcasting_matches_numpy(random):
    a, b = random((5, 1, 3), np.float32), random((4, 1), np.float32)
    np.testing.assert_array_equal(K.mul(a, b), a * b)
    z = np.array(2.0)
    assert K.add(z, z).shape == () and isinstance(K.add(z, z), np.ndarray)


def test_division_by_zero_gives_ieee_values_without_warnings(recwarn):
    for dtype in (np.float32, np.float64, np.float16):
        got = K.div(np.array([1.0, -1.0, 0.0], dtype), np.zeros(3, dtype))
        np.testing.assert_array_equal(got, [np.inf, -np.inf, np.nan])
    assert not recwarn.list


@pytest.mark.parametrize("dtype", FAST)
def test_out_receives_result_in_place(dtype, spy_kernels, random):
    a, b = random(1023, dtype, 1), random(1023, dtype, 2)
    expected = a + b
    assert K.add(a, b, out=a) is a
    np.testing.assert_array_equal(a, expected)
    assert spy_kernels == ["add"]


def test_partially_overlapping_out_is_computed_like_numpy(spy_kernels, random):
    buf = random(2000, np.float64)
    a, b, out = buf[:1000], buf[1000:], buf[1:1001]
    expected = np.add(a.copy(), b.copy())
    K.add(a, b, out=out)
    np.testing.assert_array_equal(buf[1:1001], expected)
    assert spy_kernels == []


def test_strided_out_is_filled(random):
    a, b = random(10, np.float32, 1), random(10, np.float32, 2)
    out = np.zeros(20, np.float32)
    K.sub(a, b, out=out[::2])
    np.testing.assert_array_equal(out[::2], a - b)
    assert not out[1::2].any()


def test_bad_operands_raise_torsh_errors():
    a = np.ones(3, np.float32)
    with pytest.raises(TorshTypeError, match="numpy.ndarray"):
        K.add([1.0, 2.0, 3.0], a)
    with pytest.raises(DTypeError, match="float64"):
        K.add(a, np.ones(3))
    with pytest.raises(ShapeError, match="broadcast"):
        K.mul(a, np.ones(4, np.float32))
    with pytest.raises(TorshTypeError, match="bool"):
        K.sub(np.ones(3, bool), np.ones(3, bool))
    with pytest.raises(TorshTypeError, match="uint16"):
        K.add(np.ones(3, np.uint16), np.ones(3, np.uint16))
    with pytest.raises(TorshTypeError):
        K.add(np.array(["a"], object), np.array(["b"], object))


def test_bad_out_raises_torsh_errors():
    a = np.ones(3, np.float32)
    with pytest.raises(ShapeError, match=r"\(4,\)"):
        K.add(a, a, out=np.empty(4, np.float32))
    with pytest.raises(DTypeError, match="float64"):
        K.add(a, a, out=np.empty(3))
    with pytest.raises(TorshTypeError):
        K.add(a, a, out=[0.0, 0.0, 0.0])
    ro = np.empty(3, np.float32)
    ro.flags.writeable = False
    with pytest.raises(TorshValueError, match="read-only"):
        K.add(a, a, out=ro)


def test_errors_derive_from_builtins():
    with pytest.raises(TypeError):
        K.div(1.0, 2.0)
    with pytest.raises(RuntimeError):
        K.add(np.ones(2), np.ones(2, np.float32))
