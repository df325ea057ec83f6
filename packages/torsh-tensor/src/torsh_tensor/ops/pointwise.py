"""Unary math (exp, log, trig, ...), clamp and friends; each forward with its derivative."""

import math

import numpy as np
from torsh_core.errors import TorshRuntimeError

from .._operands import as_scalar, float_array, wrap_result
from .._tensor import Tensor, _wrap, needs_grad, record
from ._saved import save_output, saved_output


def _unary(name, fn, backward=None, floats=True, keep_int=False):
    """Make an op ``name(input)`` computing ``fn`` on the array; ``backward(x, y, g)`` gives the input grad."""

    def op(input, *, out=None):
        arr = input._data
        if floats and not keep_int:
            arr = float_array(arr)
        with np.errstate(all="ignore"):
            res = _wrap(wrap_result(fn(arr)))
        if backward is not None and needs_grad(input):
            node = record(res, _run_backward, (input,), f"{name.capitalize()}Backward0")
            node.formula = backward
            node.recompute = op
            node.save_for_backward(input)
            save_output(node, res)
        if out is not None:
            from .arith import _maybe_out

            return _maybe_out(res, out)
        return res

    op.__name__ = name
    op.__doc__ = f"Elementwise {name}, as ``torch.{name}``."
    return op


def _run_backward(node, g):
    (x,) = node.saved_tensors
    return node.formula(x, saved_output(node, x), g)


def _zero(x, y, g):
    return g * 0


LN2, LN10 = math.log(2.0), math.log(10.0)
TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)

exp = _unary("exp", np.exp, lambda x, y, g: g * y())
exp2 = _unary("exp2", np.exp2, lambda x, y, g: g * y() * LN2)
expm1 = _unary("expm1", np.expm1, lambda x, y, g: g * (y() + 1))
log = _unary("log", np.log, lambda x, y, g: g / x)
log2 = _unary("log2", np.log2, lambda x, y, g: g / (x * LN2))
log10 = _unary("log10", np.log10, lambda x, y, g: g / (x * LN10))
log1p = _unary("log1p", np.log1p, lambda x, y, g: g / (x + 1))
sqrt = _unary("sqrt", np.sqrt, lambda x, y, g: g / (2 * y()))
rsqrt = _unary("rsqrt", lambda a: 1 / np.sqrt(a), lambda x, y, g: g * -0.5 * y() ** 3)
sin = _unary("sin", np.sin, lambda x, y, g: g * x.cos())
cos = _unary("cos", np.cos, lambda x, y, g: -g * x.sin())
tan = _unary("tan", np.tan, lambda x, y, g: g * (1 + y() ** 2))
asin = _unary("asin", np.arcsin, lambda x, y, g: g / (1 - x * x).sqrt())
acos = _unary("acos", np.arccos, lambda x, y, g: -g / (1 - x * x).sqrt())
atan = _unary("atan", np.arctan, lambda x, y, g: g / (1 + x * x))
sinh = _unary("sinh", np.sinh, lambda x, y, g: g * x.cosh())
cosh = _unary("cosh", np.cosh, lambda x, y, g: g * x.sinh())
tanh = _unary("tanh", np.tanh, lambda x, y, g: g * (1 - y() ** 2))
asinh = _unary("asinh", np.arcsinh, lambda x, y, g: g / (x * x + 1).sqrt())
acosh = _unary("acosh", np.arccosh, lambda x, y, g: g / (x * x - 1).sqrt())
atanh = _unary("atanh", np.arctanh, lambda x, y, g: g / (1 - x * x))
arcsin, arccos, arctan, arcsinh, arccosh, arctanh = asin, acos, atan, asinh, acosh, atanh
sigmoid = _unary("sigmoid", lambda a: _sigmoid(a), lambda x, y, g: g * y() * (1 - y()))
reciprocal = _unary("reciprocal", lambda a: 1 / a, lambda x, y, g: -g * y() ** 2)
erf = _unary("erf", lambda a: _libm("erf", a), lambda x, y, g: g * TWO_OVER_SQRT_PI * (-(x * x)).exp())
erfc = _unary("erfc", lambda a: _libm("erfc", a), lambda x, y, g: -g * TWO_OVER_SQRT_PI * (-(x * x)).exp())
erfinv = _unary("erfinv", lambda a: _erfinv(a), lambda x, y, g: g * (math.sqrt(math.pi) / 2) * (y() ** 2).exp())
lgamma = _unary("lgamma", lambda a: _libm("lgamma", a), lambda x, y, g: g * x.digamma())
digamma = _unary("digamma", lambda a: _digamma(a), None)
deg2rad = _unary("deg2rad", np.deg2rad, lambda x, y, g: g * (math.pi / 180))
rad2deg = _unary("rad2deg", np.rad2deg, lambda x, y, g: g * (180 / math.pi))
square = _unary("square", np.square, lambda x, y, g: 2 * g * x, keep_int=True)
abs = _unary("abs", np.abs, lambda x, y, g: g * x.sgn(), keep_int=True)  # noqa: A001
absolute = abs
sign = _unary("sign", np.sign, _zero, keep_int=True)
sgn = _unary("sgn", lambda a: np.sign(a) if a.dtype.kind != "c" else np.where(a == 0, 0, a / np.abs(a)), _zero,
             keep_int=True)
floor = _unary("floor", np.floor, _zero, keep_int=True)
ceil = _unary("ceil", np.ceil, _zero, keep_int=True)
trunc = _unary("trunc", np.trunc, _zero, keep_int=True)
fix = trunc
frac = _unary("frac", lambda a: a - np.trunc(a), lambda x, y, g: g)
signbit = _unary("signbit", np.signbit, None, keep_int=True)


def _sigmoid(a):
    out = np.empty_like(a)
    pos = a >= 0
    np.divide(1, 1 + np.exp(-a, where=pos, out=np.zeros_like(a)), where=pos, out=out)
    ea = np.exp(a, where=~pos, out=np.zeros_like(a))
    np.divide(ea, 1 + ea, where=~pos, out=out)
    return out


def _libm(name, a):
    """erf/erfc/lgamma from the C library (exact to double precision)."""
    from torsh_backend import cpu_math

    return getattr(cpu_math, name)(a)


def _erfinv(a):
    """Inverse error function: Giles' approximation polished by two Newton steps on erf."""
    a64 = np.asarray(a, dtype=np.float64)
    w = -np.log((1.0 - a64) * (1.0 + a64))
    small = w < 5.0
    ws = w - 2.5
    wl = np.sqrt(np.where(small, 5.0, w)) - 3.0
    p_s = np.polyval([2.81022636e-08, 3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087,
                      -0.00125372503, -0.00417768164, 0.246640727, 1.50140941], ws)
    p_l = np.polyval([-0.000200214257, 0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773,
                      -0.0076224613, 0.00943887047, 1.00167406, 2.83297682], wl)
    x = np.where(small, p_s, p_l) * a64
    for _ in range(2):
        err = _libm("erf", x) - a64
        x = x - err / (TWO_OVER_SQRT_PI * np.exp(-x * x))
    x = np.where(a64 == 1, np.inf, np.where(a64 == -1, -np.inf, x))
    x = np.where(np.abs(a64) > 1, np.nan, x)
    return x.astype(a.dtype)


def _digamma(a):
    """Digamma by recurrence up to x >= 6, then the asymptotic series; reflection for negative x."""
    x = np.asarray(a, dtype=np.float64)
    reflect = x < 0.5
    xr = np.where(reflect, 1.0 - x, x)
    acc = np.zeros_like(xr)
    while True:
        small = xr < 6.0
        if not small.any():
            break
        acc -= np.where(small, 1.0 / xr, 0.0)
        xr = np.where(small, xr + 1.0, xr)
    inv = 1.0 / xr
    inv2 = inv * inv
    res = acc + np.log(xr) - 0.5 * inv - inv2 * (1 / 12 - inv2 * (1 / 120 - inv2 * (1 / 252 - inv2 * (
        1 / 240 - inv2 / 132))))
    with np.errstate(all="ignore"):
        res = np.where(reflect, res - np.pi / np.tan(np.pi * x), res)
    res = np.where((x <= 0) & (x == np.floor(x)), np.nan, res)
    return res.astype(a.dtype)


def round(input, *, decimals=0):  # noqa: A001
    """Round half to even, as PyTorch does."""
    res = _wrap(wrap_result(np.round(input._data, decimals)))
    if needs_grad(input):
        node = record(res, _run_backward, (input,), "RoundBackward0")
        node.formula = _zero
        node.save_for_backward(input)
        save_output(node, res)
    return res


def clamp(input, min=None, max=None, *, out=None):  # noqa: A002
    """Limit values to [min, max]; the gradient passes where the input was inside."""
    if min is None and max is None:
        raise TorshRuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    arr = input._data
    lo = min._data if isinstance(min, Tensor) else as_scalar(min)
    hi = max._data if isinstance(max, Tensor) else as_scalar(max)
    if arr.dtype.kind in "biu" and (isinstance(lo, float) or isinstance(hi, float)):
        arr = float_array(arr)
    res = arr
    if lo is not None:
        res = np.maximum(res, lo)
    if hi is not None:
        res = np.minimum(res, hi)
    if isinstance(res, np.ndarray) and res.dtype != arr.dtype and not isinstance(min, Tensor) and not isinstance(
            max, Tensor):
        res = res.astype(arr.dtype)
    res = _wrap(wrap_result(res))
    if needs_grad(input, min, max):
        node = record(res, _clamp_backward, (input, min if isinstance(min, Tensor) else None,
                                             max if isinstance(max, Tensor) else None), "ClampBackward1")
        node.save_for_backward(input, min if isinstance(min, Tensor) else None, max if isinstance(max, Tensor)
                               else None)
        node.bounds = (min, max)
    if out is not None:
        from .arith import _maybe_out

        return _maybe_out(res, out)
    return res


def _clamp_backward(node, g):
    from .arith import unbroadcast

    x, tmin, tmax = node.saved_tensors
    lo, hi = node.bounds
    lo = tmin if tmin is not None else lo
    hi = tmax if tmax is not None else hi
    inside = x == x
    if lo is not None:
        inside = inside & (x >= lo)
    if hi is not None:
        inside = inside & (x <= hi)
    gx = (g * inside) if node.next_functions[0] is not None else None
    gmin = gmax = None
    if node.next_functions[1] is not None:
        below = x < lo
        if hi is not None:
            below = below & (x <= hi) if tmax is None else below & (lo <= hi)
        gmin = unbroadcast(g * below, tuple(tmin.shape))
    if node.next_functions[2] is not None:
        gmax = unbroadcast(g * (x > hi), tuple(tmax.shape))
    return gx, gmin, gmax


clip = clamp


def clamp_min(input, min):  # noqa: A002
    return clamp(input, min=min)


def clamp_max(input, max):  # noqa: A002
    return clamp(input, max=max)


def nan_to_num(input, nan=0.0, posinf=None, neginf=None):
    res = _wrap(wrap_result(np.nan_to_num(input._data, nan=nan, posinf=posinf, neginf=neginf)))
    if needs_grad(input):
        node = record(res, _run_backward, (input,), "NanToNumBackward0")
        node.formula = lambda x, y, g: g * x.isfinite()
        node.save_for_backward(input)
        save_output(node, res)
    return res


def lerp(input, end, weight):
    """input + weight * (end - input)."""
    return input + weight * (end - input)


def logit(input, eps=None):
    x = input if eps is None else input.clamp(eps, 1 - eps)
    return (x / (1 - x)).log()


def addcmul(input, tensor1, tensor2, *, value=1):
    return input + value * tensor1 * tensor2


def addcdiv(input, tensor1, tensor2, *, value=1):
    return input + value * tensor1 / tensor2


def conj(input):
    if not input.is_complex():
        return input
    res = _wrap(np.conj(input._data))
    if needs_grad(input):
        record(res, lambda node, g: g.conj(), (input,), "ConjBackward0")
    return res


def real(input):
    if not input.is_complex():
        return input
    from .views import _view

    return _view(input, input._data.real, lambda node, g: g.to(node.cdtype), "RealBackward0", cdtype=input.dtype)


def imag(input):
    if not input.is_complex():
        raise TorshRuntimeError("imag is not implemented for tensors with non-complex dtypes.")
    from .views import _view

    return _view(input, input._data.imag, lambda node, g: g.to(node.cdtype) * 1j, "ImagBackward0",
                 cdtype=input.dtype)


def angle(input):
    return _wrap(wrap_result(np.angle(input._data)))
