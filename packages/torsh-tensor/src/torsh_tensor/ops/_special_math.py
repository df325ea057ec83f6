"""Vectorised NumPy kernels for erf, erfc, erfinv, lgamma and polygamma, accurate to float64 rounding.

On CPU, torsh_backend.cpu_math (C libm) computes erf/erfc/lgamma when the backend offers it, these kernels
otherwise; CuPy arrays go to cupyx.scipy.special.
"""

import math

import numpy as np

try:
    from torsh_backend import cpu_math
except ImportError:
    cpu_math = None

SQRT_PI = math.sqrt(math.pi)
HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)
# Bernoulli numbers B2, B4, ..., B14 for the asymptotic series of lgamma and polygamma
BERNOULLI = (1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730, 7 / 6)


def _native(name, a):
    """The backend's C kernel for ``name`` on CPU float arrays, or None."""
    fn = getattr(cpu_math, name, None) if cpu_math is not None else None
    if fn is None or type(a) is not np.ndarray or a.dtype not in (np.float32, np.float64):
        return None
    return fn(a.reshape(-1)).reshape(a.shape)


def _cupy(name, a, *args):
    """cupyx.scipy.special's ``name`` for CUDA arrays, or None for NumPy ones."""
    if isinstance(a, (np.ndarray, np.generic)):
        return None
    import cupyx.scipy.special as sp

    return getattr(sp, name)(*args, a)


def _as64(a):
    return np.asarray(a, dtype=np.float64)


def _erf_series(x):
    """erf(x) = 2/sqrt(pi) exp(-x^2) sum_n 2^n x^(2n+1) / (2n+1)!!: positive terms, exact for |x| < 2.5."""
    x2 = x * x
    term = x.copy()
    total = x.copy()
    for n in range(1, 45):
        term *= (2 * x2) / (2 * n + 1)
        total += term
    return (2 / SQRT_PI) * np.exp(-x2) * total


def _erfc_fraction(x):
    """erfc(x) for x >= 1.5 by its continued fraction exp(-x^2)/sqrt(pi) / (x + (1/2)/(x + 1/(x + ...)))."""
    f = x.copy()
    for k in range(100, 0, -1):
        f = x + (k / 2) / f
    return np.exp(-x * x) / SQRT_PI / f


def erf(a):
    res = _native("erf", a)
    if res is None:
        res = _cupy("erf", a)
    if res is not None:
        return res
    x = _as64(a)
    ax = np.abs(x)
    out = np.empty_like(x)
    near = ax < 2.5
    out[near] = _erf_series(x[near])
    far = ~near & ~np.isnan(x)
    out[far] = np.copysign(1.0 - _erfc_fraction(ax[far]), x[far])
    out[np.isnan(x)] = np.nan
    return out.astype(a.dtype, copy=False)


def erfc(a):
    res = _native("erfc", a)
    if res is None:
        res = _cupy("erfc", a)
    if res is not None:
        return res
    x = _as64(a)
    ax = np.abs(x)
    out = np.empty_like(x)
    near = ax < 1.5
    out[near] = 1.0 - _erf_series(x[near])
    far = ~near & ~np.isnan(x)
    tail = _erfc_fraction(ax[far])
    out[far] = np.where(x[far] > 0, tail, 2.0 - tail)
    out[np.isnan(x)] = np.nan
    return out.astype(a.dtype, copy=False)


def erfinv(a):
    """Giles' single-precision approximation, polished by two Newton steps on erf."""
    res = _cupy("erfinv", a)
    if res is not None:
        return res
    y = _as64(a)
    with np.errstate(all="ignore"):
        w = -np.log((1.0 - y) * (1.0 + y))
        small = w < 5.0
        ws = w - 2.5
        wl = np.sqrt(np.where(small, 5.0, w)) - 3.0
        p_s = np.polyval([2.81022636e-08, 3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087,
                          -0.00125372503, -0.00417768164, 0.246640727, 1.50140941], ws)
        p_l = np.polyval([-0.000200214257, 0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773,
                          -0.0076224613, 0.00943887047, 1.00167406, 2.83297682], wl)
        x = np.where(small, p_s, p_l) * y
        inside = np.abs(y) < 1
        x = np.where(inside, x, 0.0)
        for _ in range(2):
            x = x - (erf(x) - y) / ((2 / SQRT_PI) * np.exp(-x * x))
    x = np.where(inside, x, np.where(y == 1, np.inf, np.where(y == -1, -np.inf, np.nan)))
    return x.astype(a.dtype, copy=False)


def _lgamma_positive(x):
    """lgamma for x >= 0.5: shift to z >= 15 (subtracting the logs), then Stirling's series."""
    z = x.copy()
    acc = np.zeros_like(z)
    low = z < 15
    while low.any():
        acc[low] += np.log(z[low])
        z[low] += 1
        low = z < 15
    inv = 1 / z
    inv2 = inv * inv
    series = 0.0
    for k in range(len(BERNOULLI) - 1, -1, -1):
        series = series * inv2 + BERNOULLI[k] / ((2 * k + 2) * (2 * k + 1))
    with np.errstate(over="ignore", invalid="ignore"):
        return (z - 0.5) * np.log(z) - z + HALF_LOG_2PI + series * inv - acc


def lgamma(a):
    res = _native("lgamma", a)
    if res is None:
        res = _cupy("gammaln", a)
    if res is not None:
        return res
    x = _as64(a)
    out = np.full_like(x, np.nan)
    pos = x >= 0.5
    out[pos] = _lgamma_positive(x[pos])
    neg = x < 0.5
    xn = x[neg]
    with np.errstate(divide="ignore", invalid="ignore"):
        # reflection: lgamma(x) = log(pi / |sin(pi x)|) - lgamma(1 - x); poles at 0, -1, -2, ... are inf
        s = np.abs(np.sin(np.pi * (xn - np.round(xn))))  # exact reduction keeps precision near the poles
        val = math.log(math.pi) - np.log(s) - _lgamma_positive(1.0 - xn)
    val[xn == np.floor(xn)] = np.inf
    val[np.isneginf(xn)] = np.inf
    out[neg] = val
    return out.astype(a.dtype, copy=False)


def _cot_derivative_poly(n):
    """Coefficients (lowest first) of P_n with d^n/dx^n cot(x) = P_n(cot x): P_0 = c, P_k+1 = -(1 + c^2) P_k'."""
    p = np.array([0.0, 1.0])
    for _ in range(n):
        d = np.polynomial.polynomial.polyder(p)
        p = -np.polynomial.polynomial.polymul([1.0, 0.0, 1.0], d)
    return p


def _polygamma_large(n, z):
    """Asymptotic series of psi^(n) for large z (z >= 20 + n)."""
    inv = 1 / z
    inv2 = inv * inv
    if n == 0:
        series = 0.0
        for k in range(len(BERNOULLI) - 1, -1, -1):
            series = series * inv2 + BERNOULLI[k] / (2 * k + 2)
        return np.log(z) - 0.5 * inv - series * inv2
    fact = math.factorial
    series = 0.0
    for k in range(len(BERNOULLI), 0, -1):
        series = series * inv2 + BERNOULLI[k - 1] * fact(2 * k + n - 1) / fact(2 * k)
    total = fact(n - 1) + fact(n) * 0.5 * inv + series * inv2
    return (-1) ** (n + 1) * total * inv ** n


def _polygamma_positive(n, x):
    """psi^(n)(x) for x >= 0.5: recurrence psi^(n)(x) = psi^(n)(x+1) - (-1)^n n!/x^(n+1) up to z >= 20 + n."""
    z = x.copy()
    acc = np.zeros_like(z)
    coef = (-1) ** n * math.factorial(n)
    low = z < 20 + n
    while low.any():
        acc[low] -= coef / z[low] ** (n + 1)
        z[low] += 1
        low = z < 20 + n
    return _polygamma_large(n, z) + acc


def polygamma(n, a):
    """psi^(n): digamma for n = 0; the reflection formula covers x < 0.5."""
    res = _cupy("polygamma", a, n)
    if res is not None:
        return res
    x = _as64(a)
    out = np.empty_like(x)
    pos = x >= 0.5
    with np.errstate(all="ignore"):
        out[pos] = _polygamma_positive(n, x[pos])
        xn = x[~pos]
        cot = 1 / np.tan(np.pi * (xn - np.round(xn)))
        dn = np.polynomial.polynomial.polyval(cot, _cot_derivative_poly(n)) * np.pi ** n
        val = (-1) ** n * _polygamma_positive(n, 1.0 - xn) - np.pi * dn
    pole = (xn == np.floor(xn)) | np.isneginf(xn)
    if n == 0:
        val[pole] = np.nan
        val[xn == 0] = -np.inf
    else:
        val[pole] = np.inf if n % 2 else -np.inf
    out[~pos] = val
    out[np.isnan(x)] = np.nan
    return out.astype(a.dtype, copy=False)
