"""erf, erfc and lgamma from libm for any floating NumPy array (NumPy has no such ufuncs)."""

import numpy as np
from torsh_core.errors import TorshTypeError

from . import _cdata


def _apply(op, x):
    if not isinstance(x, np.ndarray):
        raise TorshTypeError(f"{op}(): expected a numpy.ndarray, got {type(x).__name__}")
    if x.dtype.kind != "f" and x.dtype.name != "bfloat16":
        raise TorshTypeError(f"{op}(): expected a floating-point array, got dtype {x.dtype}")
    work = x if x.dtype in (np.float32, np.float64) else x.astype(np.float32)
    work = np.ascontiguousarray(work).reshape(x.shape)  # ascontiguousarray turns 0-d into 1-d
    out = np.empty_like(work)
    if work.size:
        _cdata.kernel(op, work.dtype)(_cdata.src(work), _cdata.dst(out), work.size)
    return out if out.dtype == x.dtype else out.astype(x.dtype)


def erf(x):
    """The error function, elementwise."""
    return _apply("erf", x)


def erfc(x):
    """1 - erf(x), accurate where erf(x) is close to 1."""
    return _apply("erfc", x)


def lgamma(x):
    """log|Gamma(x)|, elementwise."""
    return _apply("lgamma", x)
