"""muladd and axpby against the unfused NumPy expressions, including in-place use and scalar checks."""

import numpy as np
import pytest
from torsh_backend import cpu_kernels as K
from torsh_core.errors import DTypeError, ShapeError, TorshTypeError, TorshValueError

SIZES = (0, 1, 7, 1023, 100003)
FAST = (np.float32, np.float64)


@pytest.mark.parametrize("dtype", FAST)
@pytest.mark.parametrize("n", SIZES)
def test_muladd_matches_unfused_exactly(dtype, n, random, spy_kernels):
    a, b, c = random(n, dtype, 1), random(n, dtype, 2), random(n, dtype, 3)
    got = K.muladd(a, b, c)
    assert got.dtype == dtype
    np.testing.assert_array_equal(got, a * b + c)
    assert spy_kernels == ["muladd"]


@pytest.mark.parametrize("dtype", FAST)
@pytest.mark.parametrize("n", SIZES)
def test_axpby_matches_unfused_exactly(dtype, n, random, spy_kernels):
    x, y = random(n, dtype, 1), random(n, dtype, 2)
    got = K.axpby(0.1, x, -2.5, y)
    assert got.dtype == dtype
    np.testing.assert_array_equal(got, dtype(0.1) * x + dtype(-2.5) * y)
    assert spy_kernels == ["axpby"]


@pytest.mark.parametrize("dtype", FAST)
def test_strided_and_broadcast_operands_fall_back(dtype, random, spy_kernels):
    a = random((50, 21), dtype, 1)
    b = random((21,), dtype, 2)
    c = random((50, 1), dtype, 3)
    np.testing.assert_array_equal(K.muladd(a.T.T[::2], b, c[::2]), a[::2] * b + c[::2])
    np.testing.assert_array_equal(K.axpby(3, a[:, ::2], 0.5, b[::2]), dtype(3) * a[:, ::2] + dtype(0.5) * b[::2])
    assert spy_kernels == []


def test_integer_arrays_take_integer_scalars():
    x, y = np.arange(10, dtype=np.int32), np.ones(10, np.int32)
    np.testing.assert_array_equal(K.axpby(3, x, -1, y), 3 * x - y)
    np.testing.assert_array_equal(K.muladd(x, x, y), x * x + y)


@pytest.mark.parametrize("dtype", FAST)
def test_in_place_update_into_either_input(dtype, random):
    x, y = random(1023, dtype, 1), random(1023, dtype, 2)
    expected = dtype(0.9) * x + dtype(0.1) * y
    xc, yc = x.copy(), y.copy()
    K.axpby(0.9, xc, 0.1, y, out=xc)
    K.axpby(0.9, x, 0.1, yc, out=yc)
    np.testing.assert_array_equal(xc, expected)
    np.testing.assert_array_equal(yc, expected)
    a, b, c = random(1023, dtype, 1), random(1023, dtype, 2), random(1023, dtype, 3)
    expected = a * b + c
    K.muladd(a, b, c, out=c)
    np.testing.assert_array_equal(c, expected)


def test_partially_overlapping_out_falls_back_correctly(random):
    buf = random(3000, np.float64)
    x, y = buf[:1000].copy(), buf[1000:2000].copy()
    expected = 2.0 * x + 3.0 * y
    src = buf.copy()
    src[:1000], src[1000:2000] = x, y
    K.axpby(2.0, src[:1000], 3.0, src[1000:2000], out=src[500:1500])
    np.testing.assert_array_equal(src[500:1500], expected)


def test_bad_scalars_raise():
    x = np.ones(3, np.int64)
    with pytest.raises(TorshTypeError, match="alpha=0.5"):
        K.axpby(0.5, x, 1, x)
    with pytest.raises(TorshTypeError, match="number"):
        K.axpby("2", np.ones(3), 1.0, np.ones(3))
    with pytest.raises(TorshTypeError, match="beta"):
        K.axpby(1.0, np.ones(3), 1j, np.ones(3))
    with pytest.raises(TorshValueError, match="uint8"):
        K.axpby(300, np.ones(3, np.uint8), 1, np.ones(3, np.uint8))


def test_bad_arrays_raise():
    a = np.ones(4, np.float32)
    with pytest.raises(DTypeError, match="'c'"):
        K.muladd(a, a, np.ones(4))
    with pytest.raises(ShapeError):
        K.muladd(a, a, np.ones(3, np.float32))
    with pytest.raises(ShapeError):
        K.axpby(1.0, a, 1.0, a, out=np.empty((2, 2), np.float32))
    with pytest.raises(TorshTypeError):
        K.axpby(1.0, a.tolist(), 1.0, a)
