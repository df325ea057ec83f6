"""dtype/device moves and Python conversions: to(), float()/double()/long()/..., type(), item/tolist/numpy."""

import numpy as np
import pytest
import torsh_tensor as T
from torsh_core import device
from torsh_core import dtypes as dt


def test_to_dtype_returns_self_when_unchanged():
    x = T.tensor([1.5, -2.5])
    assert x.to(dt.float32) is x
    assert x.to("cpu") is x
    assert x.to(device("cpu"), dt.float32) is x
    y = x.to(dt.float64)
    assert y is not x and y.dtype is dt.float64 and y.tolist() == [1.5, -2.5]


def test_to_copy_and_forms():
    x = T.tensor([1.5])
    c = x.to(dt.float32, copy=True)
    assert c is not x and c.data_ptr() != x.data_ptr()
    assert x.to(T.tensor([1], dtype=dt.int32)).dtype is dt.int32
    assert x.to("cpu", dt.float16).dtype is dt.float16
    assert x.to(device="cpu", dtype=dt.int64).tolist() == [1]
    with pytest.raises(TypeError):
        x.to(object())


def test_to_is_differentiable():
    x = T.tensor([1.5, 2.0], requires_grad=True)
    y = x.to(dt.float64)
    assert y.grad_fn.name() == "ToCopyBackward0"
    (y * y).sum().backward()
    assert x.grad.dtype is dt.float32 and x.grad.tolist() == [3.0, 4.0]


def test_complex_to_real_warns_and_drops_imaginary_part():
    with pytest.warns(UserWarning, match="discards the imaginary part"):
        r = T.tensor([1 + 2j]).to(dt.float32)
    assert r.tolist() == [1.0]


@pytest.mark.parametrize("method, dtype", [
    ("float", dt.float32), ("double", dt.float64), ("half", dt.float16), ("bfloat16", dt.bfloat16),
    ("long", dt.int64), ("int", dt.int32), ("short", dt.int16), ("char", dt.int8), ("byte", dt.uint8),
    ("bool", dt.bool), ("cfloat", dt.complex64), ("cdouble", dt.complex128),
])
def test_cast_methods(method, dtype):
    assert getattr(T.tensor([1.7, 0.0]), method)().dtype is dtype


def test_cast_values():
    assert T.tensor([1.7, -1.7]).long().tolist() == [1, -1]
    assert T.tensor([0.0, 2.0]).bool().tolist() == [False, True]
    assert T.tensor([1, 2]).float().tolist() == [1.0, 2.0]


def test_type_names_and_type_casts():
    assert T.tensor([1.5]).type() == "torch.FloatTensor"
    assert T.tensor([1]).type() == "torch.LongTensor"
    assert T.tensor([1], dtype=dt.uint8).type() == "torch.ByteTensor"
    assert T.tensor([True]).type() == "torch.BoolTensor"
    assert T.tensor([1.5]).type(dt.float64).dtype is dt.float64
    assert T.tensor([1.5]).type("torch.DoubleTensor").dtype is dt.float64
    assert T.tensor([1.5]).type("torsh.IntTensor").dtype is dt.int32
    with pytest.raises(ValueError, match="invalid type"):
        T.tensor([1.5]).type("torch.Nope")
    assert T.tensor([1.5]).type_as(T.tensor([1])).dtype is dt.int64


def test_item():
    assert T.tensor([1.5]).item() == 1.5
    assert T.tensor([[3]]).item() == 3 and isinstance(T.tensor([[3]]).item(), int)
    assert T.tensor(True).item() is True
    assert isinstance(T.tensor([1.5], dtype=dt.bfloat16).item(), float)
    with pytest.raises(RuntimeError, match="a Tensor with 2 elements cannot be converted to Scalar"):
        T.tensor([1.5, 2.5]).item()
    assert T.tensor([1.5], requires_grad=True).item() == 1.5


def test_tolist():
    assert T.tensor([[1, 2], [3, 4]]).tolist() == [[1, 2], [3, 4]]
    assert T.tensor(2.5).tolist() == 2.5
    assert T.tensor([1.5], dtype=dt.bfloat16).tolist() == [1.5]
    assert T.tensor([1.5], requires_grad=True).tolist() == [1.5]


def test_numpy_shares_memory_and_refuses_grad():
    x = T.tensor([1.0, 2.0])
    a = x.numpy()
    a[0] = 9
    assert x[0].item() == 9
    with pytest.raises(RuntimeError, match=r"Can't call numpy\(\) on Tensor that requires grad"):
        T.tensor([1.0], requires_grad=True).numpy()
    r = T.tensor([1.0], requires_grad=True)
    assert r.detach().numpy().tolist() == [1.0]
    assert r.numpy(force=True).tolist() == [1.0]


def test_array_protocol():
    x = T.tensor([1.0, 2.0])
    a = np.asarray(x)
    a[1] = 7
    assert x[1].item() == 7
    assert np.asarray(x, dtype=np.float64).dtype == np.float64
    c = np.array(x, copy=True)
    c[0] = -1
    assert x[0].item() == 1.0
    assert np.add(x, 1).tolist() == [2.0, 8.0]
    with pytest.raises(RuntimeError, match="requires grad"):
        np.asarray(T.tensor([1.0], requires_grad=True))


def test_python_number_conversions():
    assert float(T.tensor([2.5])) == 2.5 and int(T.tensor([2.7])) == 2 and complex(T.tensor(1.0)) == 1 + 0j
    assert bool(T.tensor([0.0])) is False and bool(T.tensor(3)) is True
    for fn in (float, int, complex):
        with pytest.raises(ValueError, match="only one element tensors"):
            fn(T.tensor([1.0, 2.0]))
    with pytest.raises(RuntimeError, match="more than one value is ambiguous"):
        bool(T.tensor([1, 2]))
    with pytest.raises(RuntimeError, match="no values is ambiguous"):
        bool(T.tensor([]))
    assert [10, 20, 30][T.tensor(1)] == 20
    with pytest.raises(TypeError):
        [1, 2][T.tensor(1.0)]
    assert f"{T.tensor(2.5):.2f}" == "2.50"


def test_len_and_iteration():
    assert len(T.zeros(3, 2)) == 3
    assert [r.tolist() for r in T.tensor([[1, 2], [3, 4]])] == [[1, 2], [3, 4]]
    with pytest.raises(TypeError, match="0-d"):
        len(T.tensor(1.0))
    with pytest.raises(TypeError, match="0-d"):
        iter(T.tensor(1.0))


def test_metadata():
    x = T.zeros(2, 3)
    assert x.size() == (2, 3) and x.size(1) == 3 and x.size(-1) == 3
    assert x.numel() == 6 and x.dim() == 2 and x.ndim == 2 and x.nelement() == 6
    assert x.stride() == (3, 1) and x.t().stride() == (1, 3)
    assert x.is_contiguous() and not x.t().is_contiguous()
    assert x.element_size() == 4 and T.zeros(1, dtype=dt.int16).element_size() == 2
    assert x.device == device("cpu") and x.is_cpu and not x.is_cuda
    assert x.is_floating_point() and not T.tensor([1]).is_floating_point() and T.tensor([1j]).is_complex()
    with pytest.raises(IndexError):
        x.size(2)


def test_new_factories_inherit_dtype():
    base = T.zeros(2, dtype=dt.float64)
    assert base.new_zeros(3).dtype is dt.float64
    assert base.new_ones(2, 2).shape == (2, 2)
    assert base.new_tensor([1, 2]).dtype is dt.float64
    assert T.zeros(2, dtype=dt.int32).new_full((2,), 3.7).tolist() == [3, 3]
    assert base.new_empty((1, 2)).shape == (1, 2)


def test_fill_zero_and_copy():
    x = T.zeros(3)
    x.fill_(2.5)
    assert x.tolist() == [2.5] * 3
    x.zero_()
    assert x.tolist() == [0.0] * 3
    x.copy_(T.tensor([1, 2, 3]))
    assert x.tolist() == [1.0, 2.0, 3.0] and x.dtype is dt.float32
    x.copy_(T.tensor(7.0))
    assert x.tolist() == [7.0] * 3
    with pytest.raises(RuntimeError):
        x.copy_(T.ones(2))
    with pytest.raises(TypeError):
        x.copy_([1, 2, 3])
