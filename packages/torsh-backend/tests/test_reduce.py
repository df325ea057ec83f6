"""sum_all and sum_last against NumPy (float64 references), for every size, layout and dtype."""

import math

import ml_dtypes
import numpy as np
import pytest
from torsh_backend import cpu_kernels as K
from torsh_core.errors import TorshTypeError

SIZES = (0, 1, 7, 1023, 100003)
FAST = (np.float32, np.float64)
RTOL = {np.float32: 2e-7, np.float64: 1e-12}  # C sums: float32 accumulated in float64
NUMPY_RTOL = {np.float32: 1e-5, np.float64: 1e-12}  # NumPy's pairwise float32 sum rounds as it goes


def _exact_sum(x):
    """The correctly rounded float64 sum, the reference both dtypes are judged against."""
    return math.fsum(x.astype(np.float64).ravel().tolist())


def _assert_row_sums(got, a, rtol):
    """Each sum over the last axis is within rounding of the exact one, scaled by the row's magnitude."""
    rows = a.reshape(-1, a.shape[-1]) if a.size else np.zeros((int(np.prod(a.shape[:-1])), 0))
    expected = np.array([_exact_sum(row) for row in rows]).reshape(a.shape[:-1])
    scale = np.abs(a.astype(np.float64)).sum(axis=-1)
    assert got.shape == a.shape[:-1]
    assert np.all(np.abs(got.astype(np.float64) - expected) <= rtol * np.maximum(scale, 1.0))


@pytest.mark.parametrize("dtype", FAST)
@pytest.mark.parametrize("n", SIZES)
def test_sum_all_contiguous(dtype, n, random, spy_kernels):
    a = random(n, dtype)
    got = K.sum_all(a)
    assert isinstance(got, np.ndarray) and got.shape == () and got.dtype == dtype
    scale = float(np.abs(a.astype(np.float64)).sum())
    assert abs(float(got) - _exact_sum(a)) <= RTOL[dtype] * max(scale, 1.0)
    assert spy_kernels == ["sum"]


@pytest.mark.parametrize("dtype", FAST)
def test_sum_all_strided_matches_numpy(dtype, random, spy_kernels):
    a = random((301, 40), dtype)
    for view in (a.T, a[::2, ::3], a[:, 1:]):
        scale = float(np.abs(view.astype(np.float64)).sum())
        assert abs(float(K.sum_all(view)) - _exact_sum(view)) <= NUMPY_RTOL[dtype] * scale
    assert spy_kernels == []


@pytest.mark.parametrize("dtype", FAST)
@pytest.mark.parametrize("shape", [(1, 100003), (7, 1023), (300, 1023), (1023, 7), (0, 5), (5, 0), (3, 1), (1, 1)])
def test_sum_last_rows(dtype, shape, random, spy_kernels):
    a = random(shape, dtype)
    got = K.sum_last(a)
    assert got.dtype == dtype
    _assert_row_sums(got, a, RTOL[dtype])
    assert spy_kernels == ["sum_rows"]


@pytest.mark.parametrize("dtype", FAST)
def test_sum_last_nd_and_views(dtype, random):
    a = random((4, 5, 99), dtype)
    for x in (a, a.transpose(2, 0, 1), a[:, ::2, ::2], a[..., 0:1], random(1023, dtype)):
        got = K.sum_last(x)
        assert got.dtype == dtype
        _assert_row_sums(got, x, NUMPY_RTOL[dtype])


def test_zero_dim_input_is_its_own_sum():
    x = np.array(3.5, np.float32)
    assert float(K.sum_last(x)) == 3.5 and float(K.sum_all(x)) == 3.5


@pytest.mark.parametrize("dtype", (np.bool_, np.uint8, np.int32, np.int64))
def test_integer_and_bool_sums_are_int64_like_pytorch(dtype):
    a = (np.arange(60).reshape(6, 10) % 7).astype(dtype)
    assert K.sum_all(a).dtype == np.int64 and int(K.sum_all(a)) == int(a.astype(np.int64).sum())
    np.testing.assert_array_equal(K.sum_last(a), a.astype(np.int64).sum(axis=-1))
    assert K.sum_last(a).dtype == np.int64


@pytest.mark.parametrize("dtype", (np.float16, ml_dtypes.bfloat16, np.complex64))
def test_other_float_dtypes_keep_their_dtype(dtype):
    a = np.ones((3, 8), dtype)
    assert K.sum_all(a).dtype == dtype and float(np.real(K.sum_all(a))) == 24.0
    assert K.sum_last(a).dtype == dtype


def test_bad_input_raises():
    with pytest.raises(TorshTypeError):
        K.sum_all([1.0, 2.0])
    with pytest.raises(TorshTypeError):
        K.sum_last(np.ones(3, np.uint32))
