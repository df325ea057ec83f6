"""libm special functions against Python's math module (the same libm, one value at a time)."""

import math

import numpy as np
import pytest
from torsh_backend import cpu_math
from torsh_core.errors import TorshTypeError

FUNCS = {"erf": math.erf, "erfc": math.erfc, "lgamma": math.lgamma}


def _reference(name, x):
    ref = []
    for v in x.astype(np.float64).reshape(-1):
        try:
            ref.append(FUNCS[name](v))
        except (ValueError, OverflowError):
            ref.append(np.inf)
    return np.array(ref).reshape(x.shape)


@pytest.mark.parametrize("name", sorted(FUNCS))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("n", [0, 1, 7, 1023, 40001])
def test_matches_math(name, dtype, n):
    x = np.random.default_rng(n).uniform(-6, 6, n).astype(dtype)
    if name == "lgamma":
        x = np.abs(x) + 0.01
    out = getattr(cpu_math, name)(x)
    assert out.dtype == dtype and out.shape == x.shape
    np.testing.assert_allclose(out, _reference(name, x), rtol=1e-6 if dtype == np.float32 else 1e-13, atol=1e-7)


@pytest.mark.parametrize("name", sorted(FUNCS))
def test_strided_and_half(name):
    x = np.linspace(0.1, 3, 24).reshape(4, 6).T[::2]
    np.testing.assert_allclose(getattr(cpu_math, name)(x), _reference(name, x), rtol=1e-13)
    h = x.astype(np.float16)
    out = getattr(cpu_math, name)(h)
    assert out.dtype == np.float16
    np.testing.assert_allclose(out.astype(np.float64), _reference(name, h), rtol=2e-3, atol=2e-3)


def test_special_values():
    x = np.array([np.inf, -np.inf, np.nan, 0.0])
    np.testing.assert_array_equal(cpu_math.erf(x)[:2], [1.0, -1.0])
    assert np.isnan(cpu_math.erf(x)[2])
    assert cpu_math.lgamma(np.array([0.0]))[0] == np.inf


@pytest.mark.parametrize("bad", [np.arange(3), [1.0, 2.0], np.array([1 + 1j])])
def test_bad_input(bad):
    with pytest.raises(TorshTypeError):
        cpu_math.erf(bad)
