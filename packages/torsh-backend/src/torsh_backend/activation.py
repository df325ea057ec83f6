"""GELU, SiLU and ReLU with their backward: one fused C pass for float32/float64, NumPy for other dtypes."""

import math

import numpy as np
from torsh_core.errors import ShapeError, TorshValueError

from . import _cdata
from ._checks import require_arrays

_APPROX = {"none": 0, "tanh": 1}


def _mode(op, approximate):
    if approximate not in _APPROX:
        raise TorshValueError(f"{op}(): approximate must be 'none' or 'tanh', got {approximate!r}")
    return _APPROX[approximate]


def _erf(a):
    from .cpu_math import erf

    return erf(a)


def _unary(op, x, kernel_args, numpy_fn):
    dtype = require_arrays(op, x=x)
    kernel = _cdata.kernel(op, dtype)
    if kernel is None or x.size == 0:
        with np.errstate(all="ignore"):
            return np.asarray(numpy_fn(x), dtype)
    out = np.empty(x.shape, dtype)  # ascontiguousarray makes a 0-d array 1-d
    kernel(_cdata.src(np.ascontiguousarray(x)), _cdata.dst(out), x.size, *kernel_args)
    return out


def _binary(op, x, g, kernel_args, numpy_fn):
    dtype = require_arrays(op, x=x, g=g)
    if x.shape != g.shape:
        raise ShapeError(f"{op}(): 'g' has shape {g.shape} but 'x' has shape {x.shape}")
    kernel = _cdata.kernel(op, dtype)
    if kernel is None or x.size == 0:
        with np.errstate(all="ignore"):
            return np.asarray(numpy_fn(x, g), dtype)
    out = np.empty(x.shape, dtype)
    kernel(_cdata.src(np.ascontiguousarray(x)), _cdata.src(np.ascontiguousarray(g)), _cdata.dst(out), x.size,
           *kernel_args)
    return out


def _tanh_inner(x):
    return math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)


def gelu(x, approximate="none"):
    """x * Phi(x), exact (erf) or PyTorch's tanh approximation."""
    mode = _mode("gelu", approximate)
    if mode:
        return _unary("gelu", x, (mode,), lambda a: 0.5 * a * (1 + np.tanh(_tanh_inner(a))))
    return _unary("gelu", x, (mode,), lambda a: a * 0.5 * (1 + _erf(a / math.sqrt(2))))


def gelu_backward(x, g, approximate="none"):
    """g * gelu'(x)."""
    mode = _mode("gelu_backward", approximate)

    def numpy_fn(a, ga):
        if mode:
            t = np.tanh(_tanh_inner(a))
            return ga * (0.5 * (1 + t) + 0.5 * a * (1 - t * t) * math.sqrt(2 / math.pi) * (1 + 3 * 0.044715 * a * a))
        return ga * (0.5 * (1 + _erf(a / math.sqrt(2))) + a * np.exp(-0.5 * a * a) / math.sqrt(2 * math.pi))

    return _binary("gelu_backward", x, g, (mode,), numpy_fn)


def silu(x):
    """x * sigmoid(x)."""
    return _unary("silu", x, (), lambda a: a / (1 + np.exp(-a)))


def silu_backward(x, g):
    """g * sigmoid(x) * (1 + x * (1 - sigmoid(x)))."""

    def numpy_fn(a, ga):
        s = 1 / (1 + np.exp(-a))
        return ga * s * (1 + a * (1 - s))

    return _binary("silu_backward", x, g, (), numpy_fn)


def relu(x):
    """max(x, 0), keeping NaN."""
    return _unary("relu", x, (), lambda a: np.where(a < 0, a.dtype.type(0), a))


def relu_backward(x, g):
    """0 where x <= 0, else g (a NaN input passes g, as in PyTorch)."""
    return _binary("relu_backward", x, g, (), lambda a, ga: np.where(a <= 0, ga.dtype.type(0), ga))


def fast_erf(x):
    """erf for float32 arrays by the vectorised C kernel (within 1 ulp of libm's erff); other dtypes by cpu_math."""
    if isinstance(x, np.ndarray) and x.dtype == np.float32 and x.size:
        x = np.ascontiguousarray(x)
        out = np.empty_like(x)
        _cdata.lib.tb_fast_erf_f32(_cdata.src(x), _cdata.dst(out), x.size)
        return out
    return _erf(x)
