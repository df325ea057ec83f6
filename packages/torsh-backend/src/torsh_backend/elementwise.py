"""Binary elementwise ops (add, sub, mul, div) with NumPy broadcasting; C for same-shape float arrays."""

import numpy as np
from torsh_core import broadcast_shapes

from . import _cdata
from ._checks import c_can_write, c_ready, prepare_out, require_arrays, result_dtype


def _binary(op, ufunc, a, b, out):
    """Check the operands, then run the C kernel when it applies and ``ufunc`` otherwise."""
    dtype = require_arrays(op, a=a, b=b)
    shape = broadcast_shapes(a.shape, b.shape)
    fresh = out is None
    out = prepare_out(op, out, shape, result_dtype(op, ufunc, dtype))
    kernel = _cdata.kernel(op, dtype)
    if kernel is not None and a.shape == b.shape and c_ready(a) and c_ready(b) and c_can_write(out, fresh, a, b):
        kernel(_cdata.src(a), _cdata.src(b), _cdata.dst(out), out.size)
        return out
    with np.errstate(all="ignore"):  # IEEE results (inf, nan) without warnings, as PyTorch gives them
        ufunc(a, b, out=out)
    return out


def add(a, b, out=None):
    """``a + b`` broadcast; ``out`` (right shape and dtype) receives the result when given."""
    return _binary("add", np.add, a, b, out)


def sub(a, b, out=None):
    """``a - b`` broadcast."""
    return _binary("sub", np.subtract, a, b, out)


def mul(a, b, out=None):
    """``a * b`` broadcast."""
    return _binary("mul", np.multiply, a, b, out)


def div(a, b, out=None):
    """True division ``a / b`` broadcast; integer inputs give float64 as in NumPy (the tensor layer casts)."""
    return _binary("div", np.true_divide, a, b, out)
