"""Type promotion of binary ops on tensors and Python/NumPy scalars (PyTorch's rules; NumPy's would differ)."""

import numpy as np
import pytest
import torsh_tensor as T
from torsh_core import config
from torsh_core import dtypes as dt


def t(values, dtype=None):
    return T.tensor(values, dtype=dtype)


@pytest.mark.parametrize("make, dtype", [
    (lambda: t([1, 2]) + 0.5, dt.float32),
    (lambda: t([1, 2], dt.int32) + t([1, 2]), dt.int64),
    (lambda: t([1, 2], dt.int32) + t(5), dt.int32),
    (lambda: t([1, 2], dt.int32) + t(5.0, dt.float64), dt.float64),
    (lambda: t([1.0]) + t(1.0, dt.float64), dt.float32),
    (lambda: t([True]) + 1, dt.int64),
    (lambda: t([True]) + True, dt.bool),
    (lambda: t([True]) + 1.5, dt.float32),
    (lambda: t([1], dt.int8) * 2.5, dt.float32),
    (lambda: 2 * t([1], dt.int16), dt.int16),
    (lambda: t([1.0]) + 1j, dt.complex64),
    (lambda: t([1.0], dt.float64) + 1j, dt.complex128),
    (lambda: t([1]) + 1j, dt.complex64),
    (lambda: t([1, 2]) / t([2, 2]), dt.float32),
    (lambda: t([1, 2]) // 2, dt.int64),
    (lambda: t([1.0], dt.float16) + 1.0, dt.float16),
    (lambda: t([1.0], dt.bfloat16) * t([1.0], dt.float16), dt.float32),
    (lambda: t(1) + t(1.0), dt.float32),
    (lambda: t(1, dt.int32) + 1.0, dt.float32),
    (lambda: t(1.0, dt.float64) + 1.0, dt.float64),
    (lambda: t([1, 2]) * t(2.0, dt.float64), dt.float64),
    (lambda: t([1, 2], dt.uint8) + t([1], dt.int8), dt.int16),
    (lambda: t([1.0]) < 2, dt.bool),
    (lambda: t([1, 2]) ** 2, dt.int64),
    (lambda: t([1, 2]) ** 0.5, dt.float32),
    (lambda: 2.0 ** t([1, 2]), dt.float32),
])
def test_result_dtypes(make, dtype):
    assert make().dtype is dtype


def test_numpy_scalars_count_as_python_scalars():
    assert (t([1, 2]) + np.float64(0.5)).dtype is dt.float32
    assert (t([1.0]) + np.float64(0.5)).dtype is dt.float32
    assert (t([1, 2], dt.int32) + np.int64(1)).dtype is dt.int32
    assert (np.float64(2.0) * t([1.0])).dtype is dt.float32


def test_numpy_array_operand_is_a_tensor_with_dims():
    assert (t([1, 2]) + np.array([1.0, 2.0])).dtype is dt.float64


def test_values_are_computed_in_the_result_dtype():
    assert (t([1, 2]) + 0.5).tolist() == [1.5, 2.5]
    assert (t([3], dt.int32) / 2).tolist() == [1.5]
    big = t([2 ** 40]) + t([1], dt.int32)
    assert big.tolist() == [2 ** 40 + 1]


def test_default_dtype_changes_scalar_promotion():
    try:
        config.set_default_dtype(dt.float64)
        assert (t([1, 2]) + 0.5).dtype is dt.float64
        assert (t([1.0], dt.float32) + 0.5).dtype is dt.float32
    finally:
        config.set_default_dtype(dt.float32)


def test_out_of_range_int_scalars_wrap_like_torch():
    u = t([1, 200], dt.uint8)
    assert (u + 300).tolist() == [45, 244]
    assert (u - 1000).tolist() == [25, 224]
    assert (u < 300).tolist() == [True, False]
    assert (t([1], dt.int8) + 200).tolist() == [-55]
    assert (t([1]) + 2 ** 63).tolist() == [-(2 ** 63) + 1]
    with pytest.raises(RuntimeError, match="without overflow"):
        t([1]) + 2 ** 64


def test_in_place_cannot_change_category():
    x = t([1, 2])
    with pytest.raises(RuntimeError, match="can't be cast to the desired output type"):
        x += 0.5
    y = t([1.0, 2.0])
    y += t([1, 1])
    assert y.dtype is dt.float32 and y.tolist() == [2.0, 3.0]


def test_result_type_function():
    assert T.result_type(t([1, 2]), 1.0) is dt.float32
    assert T.result_type(t([1], dt.int8), t([1], dt.uint8)) is dt.int16
    assert T.result_type(2, 3.0) is dt.float32
    assert T.result_type(t(1.0, dt.float64), t([1], dt.int32)) is dt.float64
    with pytest.raises(TypeError):
        T.result_type(t([1]), "x")


def test_can_cast():
    assert T.can_cast(dt.int32, dt.float32)
    assert not T.can_cast(dt.float32, dt.int32)
    assert T.can_cast(dt.bool, dt.int8)
