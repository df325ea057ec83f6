"""DLPack and NumPy interop: zero-copy round trips, capsules, and the errors PyTorch gives."""

import numpy as np
import pytest
import torsh_tensor as T
from torsh_core import dtypes as dt


def test_from_dlpack_of_numpy_shares_memory():
    a = np.arange(4.0)
    t = T.from_dlpack(a)
    t[0] = 9
    assert a[0] == 9 and t.dtype is dt.float64


def test_numpy_from_dlpack_of_tensor_shares_memory():
    t = T.tensor([1.0, 2.0])
    a = np.from_dlpack(t)
    a[1] = 5
    assert t.tolist() == [1.0, 5.0]


def test_round_trip_keeps_strides_and_dtypes():
    v = T.arange(6.0).reshape(2, 3).t()
    back = T.from_dlpack(np.from_dlpack(v))
    assert back.tolist() == v.tolist() and back.stride() == v.stride() and back.data_ptr() == v.data_ptr()
    for d in (dt.bool, dt.uint8, dt.int8, dt.int16, dt.int32, dt.int64, dt.float16, dt.float32, dt.float64,
              dt.complex64, dt.complex128):
        x = T.ones(3, dtype=d)
        assert T.from_dlpack(np.from_dlpack(x)).dtype is d


def test_capsule_round_trip():
    t = T.tensor([1, 2, 3])
    back = T.from_dlpack(T.to_dlpack(t))
    assert back.tolist() == [1, 2, 3] and back.data_ptr() == t.data_ptr()


def test_from_dlpack_of_tensor_is_identity():
    t = T.ones(2)
    assert T.from_dlpack(t) is t


def test_dlpack_device():
    assert T.ones(2).__dlpack_device__()[0] == 1


def test_export_of_tensor_requiring_grad_is_refused():
    t = T.tensor([1.0], requires_grad=True)
    with pytest.raises(BufferError, match="require gradient"):
        t.__dlpack__()
    with pytest.raises(RuntimeError, match="require gradient"):
        np.from_dlpack(t)
    assert np.from_dlpack(t.detach()).tolist() == [1.0]


def test_from_dlpack_of_non_dlpack_object_is_a_type_error():
    with pytest.raises(TypeError, match="__dlpack__"):
        T.from_dlpack([1, 2])
