"""Unary math (exp, log, trig, special functions, ...), clamp and friends; each forward with its derivative."""

import math

import numpy as np
from torsh_core.errors import TorshRuntimeError

from .._operands import as_scalar, float_array, wrap_result
from .._tensor import Tensor, _wrap, needs_grad
from . import _special_math as special
from ._graph import record
from ._saved import save_output, saved_output

try:
    from torsh_backend.activation import relu as _relu_kernel
except ImportError:  # the compiled backend is missing: NumPy alone
    _relu_kernel = None

__all__ = """
exp exp2 expm1 log log2 log10 log1p sqrt rsqrt sin cos tan asin acos atan sinh cosh tanh asinh acosh atanh arcsin
arccos arctan arcsinh arccosh arctanh sigmoid relu reciprocal erf erfc erfinv lgamma digamma polygamma deg2rad
rad2deg square abs absolute sign sgn floor ceil trunc fix frac signbit round clamp clip clamp_min clamp_max
nan_to_num lerp logit addcmul addcdiv conj real imag angle
""".split()


def _unary(name, fn, backward, dtype="float", uses="x"):
    """``name(input)`` computing ``fn`` on the array; ``backward(x, y, g)`` gives the input grad (y() = output).

    dtype: "float" promotes integer inputs to the default float dtype; "same" keeps the input dtype.
    uses: "y" when the first derivative needs only the output, so that changing the input in place afterwards
    is allowed (as in PyTorch); the input is then kept only to rebuild the output for double backward.
    """

    def op(input, *, out=None):
        arr = input._data
        if dtype == "float":
            arr = float_array(arr)
        with np.errstate(all="ignore"):
            res = _wrap(wrap_result(fn(arr)))
        if backward is not None and needs_grad(input):
            node = record(res, _run_backward, (input,), f"{name.capitalize()}Backward0")
            node.formula = backward
            node.recompute = op
            if uses == "x":
                node.save_for_backward(input)
            else:
                node.input, node.input_version = input, input._version[0]
            save_output(node, res)
        return _maybe_out(res, out)

    op.__name__ = name
    op.__doc__ = f"Elementwise {name}, as ``torch.{name}``."
    return op


def _maybe_out(res, out):
    if out is None:
        return res
    from .arith import _maybe_out as write

    return write(res, out)


def _run_backward(node, g):
    x = node.saved_tensors[0] if node._saved is not None else node.input
    return node.formula(x, saved_output(node, x), g)


def _zero(x, y, g):
    return g * 0


def _int_identity(fn):
    """Rounding functions leave integers as they are."""
    return lambda a: a.copy() if a.dtype.kind in "biu" else fn(a)


LN2, LN10 = math.log(2.0), math.log(10.0)
TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)

exp = _unary("exp", np.exp, lambda x, y, g: g * y(), uses="y")
exp2 = _unary("exp2", np.exp2, lambda x, y, g: g * y() * LN2, uses="y")
expm1 = _unary("expm1", np.expm1, lambda x, y, g: g * (y() + 1), uses="y")
log = _unary("log", np.log, lambda x, y, g: g / x)
log2 = _unary("log2", np.log2, lambda x, y, g: g / (x * LN2))
log10 = _unary("log10", np.log10, lambda x, y, g: g / (x * LN10))
log1p = _unary("log1p", np.log1p, lambda x, y, g: g / (x + 1))
sqrt = _unary("sqrt", np.sqrt, lambda x, y, g: g / (2 * y()), uses="y")
rsqrt = _unary("rsqrt", lambda a: 1 / np.sqrt(a), lambda x, y, g: g * -0.5 * y() ** 3, uses="y")
sin = _unary("sin", np.sin, lambda x, y, g: g * x.cos())
cos = _unary("cos", np.cos, lambda x, y, g: -g * x.sin())
tan = _unary("tan", np.tan, lambda x, y, g: g * (1 + y() ** 2), uses="y")
asin = _unary("asin", np.arcsin, lambda x, y, g: g / (1 - x * x).sqrt())
acos = _unary("acos", np.arccos, lambda x, y, g: -g / (1 - x * x).sqrt())
atan = _unary("atan", np.arctan, lambda x, y, g: g / (1 + x * x))
sinh = _unary("sinh", np.sinh, lambda x, y, g: g * x.cosh())
cosh = _unary("cosh", np.cosh, lambda x, y, g: g * x.sinh())
tanh = _unary("tanh", np.tanh, lambda x, y, g: g * (1 - y() ** 2), uses="y")
asinh = _unary("asinh", np.arcsinh, lambda x, y, g: g / (x * x + 1).sqrt())
acosh = _unary("acosh", np.arccosh, lambda x, y, g: g / (x * x - 1).sqrt())
atanh = _unary("atanh", np.arctanh, lambda x, y, g: g / (1 - x * x))
arcsin, arccos, arctan, arcsinh, arccosh, arctanh = asin, acos, atan, asinh, acosh, atanh
sigmoid = _unary("sigmoid", lambda a: _sigmoid(a), lambda x, y, g: g * y() * (1 - y()), uses="y")
def _relu_array(a):
    """max(a, 0) keeping NaN and -0.0 (PyTorch's clamp_min); one C pass for CPU float arrays."""
    if _relu_kernel is not None and type(a) is np.ndarray:
        return _relu_kernel(a)
    return np.where(a < 0, a.dtype.type(0), a)


relu = _unary("relu", lambda a: _relu_array(a), lambda x, y, g: g * (y() <= 0).logical_not(), dtype="same", uses="y")
reciprocal = _unary("reciprocal", lambda a: 1 / a, lambda x, y, g: -g * y() ** 2, uses="y")
erf = _unary("erf", special.erf, lambda x, y, g: g * TWO_OVER_SQRT_PI * (-(x * x)).exp())
erfc = _unary("erfc", special.erfc, lambda x, y, g: -g * TWO_OVER_SQRT_PI * (-(x * x)).exp())
erfinv = _unary("erfinv", special.erfinv, lambda x, y, g: g * (math.sqrt(math.pi) / 2) * (y() ** 2).exp(),
                uses="y")
lgamma = _unary("lgamma", special.lgamma, lambda x, y, g: g * x.digamma())
digamma = _unary("digamma", lambda a: special.polygamma(0, a), lambda x, y, g: g * polygamma(1, x))
deg2rad = _unary("deg2rad", np.deg2rad, lambda x, y, g: g * (math.pi / 180))
rad2deg = _unary("rad2deg", np.rad2deg, lambda x, y, g: g * (180 / math.pi))
square = _unary("square", lambda a: np.square(a.astype(np.int64) if a.dtype == np.bool_ else a),
                lambda x, y, g: 2 * g * x, dtype="same")
abs = _unary("abs", np.abs, lambda x, y, g: g * x.sgn(), dtype="same")  # noqa: A001
absolute = abs
sign = _unary("sign", lambda a: a.copy() if a.dtype == np.bool_ else np.sign(a), _zero, dtype="same")
sgn = _unary("sgn", lambda a: np.sign(a) if a.dtype.kind != "c" else np.where(a == 0, 0, a / np.abs(a)), _zero,
             dtype="same")
floor = _unary("floor", _int_identity(np.floor), _zero, dtype="same")
ceil = _unary("ceil", _int_identity(np.ceil), _zero, dtype="same")
trunc = _unary("trunc", _int_identity(np.trunc), _zero, dtype="same")
fix = trunc
frac = _unary("frac", lambda a: a - np.trunc(a), lambda x, y, g: g, dtype="same")
signbit = _unary("signbit", np.signbit, None, dtype="same")


def _sigmoid(a):
    """1 / (1 + exp(-a)) without overflow warnings for large |a|."""
    with np.errstate(over="ignore"):
        return 1 / (1 + np.exp(-a))


def polygamma(n, input):
    """The n-th derivative of digamma (``torch.polygamma``); differentiable through polygamma(n + 1)."""
    if not isinstance(n, int) or n < 0:
        raise TorshRuntimeError(f"polygamma(n, x) does not support negative n, got n = {n}")
    arr = float_array(input._data)
    res = _wrap(wrap_result(special.polygamma(n, arr)))
    if needs_grad(input):
        node = record(res, _polygamma_backward, (input,), "PolygammaBackward0")
        node.n = n
        node.save_for_backward(input)
    return res


def _polygamma_backward(node, g):
    (x,) = node.saved_tensors
    return g * polygamma(node.n + 1, x)


def round(input, *, decimals=0):  # noqa: A001
    """Round half to even, as PyTorch does; integers are left as they are."""
    arr = input._data
    res = _wrap(arr.copy() if arr.dtype.kind in "biu" else wrap_result(np.round(arr, decimals)))
    if needs_grad(input):
        record(res, lambda node, g: g * 0, (input,), "RoundBackward0")
    return res


def clamp(input, min=None, max=None, *, out=None):  # noqa: A002
    """Limit values to [min, max]; the gradient passes where the input was inside (bounds included)."""
    if min is None and max is None:
        raise TorshRuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    from .._operands import result_dtype

    bounds = [b for b in (min, max) if b is not None]
    dt = result_dtype(input, *bounds).np
    arr = input._data.astype(dt, copy=False)
    res = arr
    lo = min._data if isinstance(min, Tensor) else as_scalar(min)
    hi = max._data if isinstance(max, Tensor) else as_scalar(max)
    with np.errstate(invalid="ignore"):
        if lo is not None:
            res = np.where(np.isnan(lo) | (res < lo), lo, res) if _is_float(res) else np.maximum(res, lo)
        if hi is not None:
            res = np.where(np.isnan(hi) | (res > hi), hi, res) if _is_float(res) else np.minimum(res, hi)
    res = _wrap(wrap_result(np.asarray(res).astype(dt, copy=False)))
    tmin = min if isinstance(min, Tensor) else None
    tmax = max if isinstance(max, Tensor) else None
    if needs_grad(input, tmin, tmax):
        node = record(res, _clamp_backward, (input, tmin, tmax), "ClampBackward1")
        node.save_for_backward(input, tmin, tmax)
        node.bounds = (min, max)
    return _maybe_out(res, out)


def _is_float(arr):
    return arr.dtype.kind in "fc" or arr.dtype.kind == "V"


def _clamp_backward(node, g):
    x, tmin, tmax = node.saved_tensors
    lo = tmin if tmin is not None else node.bounds[0]
    hi = tmax if tmax is not None else node.bounds[1]
    zero = g.new_zeros(())
    inside = None
    if lo is not None:
        inside = x >= lo
    if hi is not None:
        inside = (x <= hi) if inside is None else inside & (x <= hi)
    gx = g.where(inside, zero) if node.next_functions[0] is not None else None
    gmin = g.where(x < lo, zero) if node.next_functions[1] is not None else None
    gmax = g.where(x > hi, zero) if node.next_functions[2] is not None else None
    return gx, gmin, gmax


clip = clamp


def clamp_min(input, min):  # noqa: A002
    return clamp(input, min=min)


def clamp_max(input, max):  # noqa: A002
    return clamp(input, max=max)


def nan_to_num(input, nan=0.0, posinf=None, neginf=None, *, out=None):
    res = _wrap(wrap_result(np.nan_to_num(input._data, nan=nan, posinf=posinf, neginf=neginf)))
    if needs_grad(input):
        node = record(res, lambda node, g: g * node.saved_tensors[0].isfinite(), (input,), "NanToNumBackward0")
        node.save_for_backward(input)
    return _maybe_out(res, out)


def lerp(input, end, weight):
    """input + weight * (end - input)."""
    return input + weight * (end - input)


def logit(input, eps=None):
    """log(x / (1 - x)); with ``eps`` the input is clamped to [eps, 1 - eps] first."""
    arr = float_array(input._data)
    if eps is not None:
        arr = np.clip(arr, eps, 1 - eps)
    with np.errstate(all="ignore"):
        res = _wrap(wrap_result(np.log(arr / (1 - arr))))
    if needs_grad(input):
        node = record(res, _logit_backward, (input,), "LogitBackward0")
        node.save_for_backward(input)
        node.eps = eps
    return res


def _logit_backward(node, g):
    """PyTorch's convention: NaN outside [0, 1] without eps, zero outside [eps, 1 - eps] with it."""
    (x,) = node.saved_tensors
    eps = node.eps
    lo, hi = (0.0, 1.0) if eps is None else (eps, 1 - eps)
    outside = (x < lo) | (x > hi)
    return (g / (x * (1 - x))).masked_fill(outside, float("nan") if eps is None else 0.0)


def addcmul(input, tensor1, tensor2, *, value=1):
    return input + value * tensor1 * tensor2


def addcdiv(input, tensor1, tensor2, *, value=1):
    if not (tensor1.is_floating_point() or tensor1.is_complex()) and not (
            tensor2.is_floating_point() or tensor2.is_complex()):
        raise TorshRuntimeError(
            "Integer division with addcdiv is no longer supported, and in a future release addcdiv will perform a "
            "true division of tensor1 and tensor2."
        )
    return input + value * (tensor1 / tensor2)


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
    """The argument of complex numbers; 0 or pi for real ones (whose gradient is zero)."""
    arr = float_array(input._data)
    res = _wrap(wrap_result(np.angle(arr).astype(arr.real.dtype, copy=False)))
    if needs_grad(input):
        node = record(res, _angle_backward, (input,), "AngleBackward0")
        node.save_for_backward(input)
    return res


def _angle_backward(node, g):
    (x,) = node.saved_tensors
    if not x.is_complex():
        return g * 0
    return (g * 1j) / x.conj()
