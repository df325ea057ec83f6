"""GELU (erf, tanh), SiLU and ReLU forward/backward against float64 NumPy references and finite differences."""

import math

import numpy as np
import pytest
from torsh_backend import activation as A
from torsh_core.errors import DTypeError, ShapeError, TorshValueError

FAST = (np.float32, np.float64)
TOL = {np.float32: 3e-6, np.float64: 1e-12}
_erf = np.vectorize(math.erf)


def gelu_ref(x, approximate):
    if approximate == "tanh":
        return 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))
    return 0.5 * x * (1 + _erf(x / math.sqrt(2)))


def silu_ref(x):
    return x / (1 + np.exp(-x))


def numeric_grad(f, x):
    h = 1e-6
    return (f(x + h) - f(x - h)) / (2 * h)


@pytest.mark.parametrize("dtype", FAST)
@pytest.mark.parametrize("shape", [(1,), (7, 13), (100003,)])
@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_gelu(dtype, shape, approximate, random):
    x, g = random(shape, dtype, 1) * 2, random(shape, dtype, 2)
    xd = x.astype(np.float64)
    np.testing.assert_allclose(A.gelu(x, approximate), gelu_ref(xd, approximate), rtol=TOL[dtype], atol=TOL[dtype])
    expected = g * numeric_grad(lambda a: gelu_ref(a, approximate), xd)
    np.testing.assert_allclose(A.gelu_backward(x, g, approximate), expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("dtype", FAST)
@pytest.mark.parametrize("shape", [(1,), (7, 13), (100003,)])
def test_silu(dtype, shape, random):
    x, g = random(shape, dtype, 1) * 5, random(shape, dtype, 2)
    xd = x.astype(np.float64)
    np.testing.assert_allclose(A.silu(x), silu_ref(xd), rtol=TOL[dtype], atol=TOL[dtype])
    np.testing.assert_allclose(A.silu_backward(x, g), g * numeric_grad(silu_ref, xd), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("dtype", FAST)
def test_strided_empty_extreme_and_other_dtypes(dtype, random, spy_kernels):
    x = random((9, 20), dtype)[::2, 1::3]
    np.testing.assert_allclose(A.silu(x), silu_ref(x.astype(np.float64)), rtol=TOL[dtype], atol=TOL[dtype])
    assert A.gelu(np.empty((0, 3), dtype)).shape == (0, 3)
    ext = np.array([-np.inf, -200, 200, np.inf], dtype)
    np.testing.assert_allclose(A.silu(ext), [np.nan, 0, 200, np.inf], atol=1e-30)  # -inf * sigmoid(-inf): NaN
    np.testing.assert_allclose(A.gelu(ext, "tanh"), [np.nan, 0, 200, np.inf], atol=1e-30)
    h = np.linspace(-3, 3, 7, dtype=np.float16)
    np.testing.assert_allclose(A.gelu(h).astype(np.float64), gelu_ref(h.astype(np.float64), "none"), atol=2e-3)


def test_bad_input_raises():
    a = np.ones(3, np.float32)
    with pytest.raises(TorshValueError):
        A.gelu(a, "sigmoid")
    with pytest.raises(DTypeError):
        A.silu_backward(a, np.ones(3))
    with pytest.raises(ShapeError):
        A.gelu_backward(a, np.ones(4, np.float32))


def test_fast_erf_float32_within_one_ulp_of_exact():
    """Every 9973rd float32 bit pattern of either sign (tails, denormals, inf, nan included) against math.erf."""
    bits = np.arange(0, 0x7FC00001, 9973, dtype=np.int64).astype(np.uint32)
    x = bits.view(np.float32)
    x = np.concatenate([x, -x, np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 1e-45, 1.0, 3.92, 3.95], np.float32)])
    got = A.fast_erf(x)
    exact = np.array([math.erf(v) for v in x.astype(np.float64)])
    finite = ~np.isnan(x)
    ulp = np.spacing(np.abs(exact[finite].astype(np.float32))).astype(np.float64)
    assert np.max(np.abs(got[finite] - exact[finite]) / ulp) <= 1.0
    assert np.isnan(got[~finite]).all()
    assert np.signbit(A.fast_erf(np.array([-0.0], np.float32)))[0]
    strided = np.linspace(-4, 4, 41, dtype=np.float32)[::2]
    np.testing.assert_array_equal(A.fast_erf(strided), A.fast_erf(strided.copy()))


@pytest.mark.parametrize("dtype", FAST + (np.float16, np.int32))
@pytest.mark.parametrize("shape", [(), (0,), (1,), (7, 13), (100003,)])
def test_relu_and_its_backward(dtype, shape, random):
    x, g = np.asarray(random(shape, dtype, 1)), np.asarray(random(shape, dtype, 2))
    np.testing.assert_array_equal(A.relu(x), np.where(x < 0, 0, x).astype(dtype))
    np.testing.assert_array_equal(A.relu_backward(x, g), np.where(x > 0, g, 0).astype(dtype))
    assert A.relu(x).dtype == dtype and A.relu(x).shape == shape and A.relu_backward(x, g).shape == shape


@pytest.mark.parametrize("dtype", FAST)
def test_relu_keeps_nan_and_signed_zero_like_pytorch(dtype):
    x = np.array([-1.0, -0.0, 0.0, 2.0, np.nan, -np.inf, np.inf], dtype)
    y = A.relu(x)
    np.testing.assert_array_equal(np.signbit(y), [False, True, False, False, False, False, False])
    np.testing.assert_array_equal(y, [0, 0, 0, 2, np.nan, 0, np.inf])
    # threshold_backward zeroes the gradient where x <= 0 only: a NaN input lets it through
    np.testing.assert_array_equal(A.relu_backward(x, np.ones_like(x)), [0, 0, 0, 1, 1, 0, 1])


def test_relu_strided_input_matches_its_copy(random):
    x = random((64, 33), np.float32)[::2, ::-3]
    np.testing.assert_array_equal(A.relu(x), A.relu(x.copy()))
    np.testing.assert_array_equal(A.relu_backward(x, x), A.relu_backward(x.copy(), x.copy()))
