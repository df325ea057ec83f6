"""Fused elementwise ops: one pass over memory where the unfused NumPy expression needs two."""

import numpy as np
from torsh_core import broadcast_shapes

from . import _cdata
from ._checks import c_can_write, c_ready, prepare_out, require_arrays, result_dtype, scalar_for


def muladd(a, b, c, out=None):
    """``a * b + c`` broadcast, rounded twice exactly as the unfused expression (no FMA)."""
    dtype = require_arrays("muladd", a=a, b=b, c=c)
    shape = broadcast_shapes(a.shape, b.shape, c.shape)
    fresh = out is None
    product = result_dtype("muladd", np.multiply, dtype)
    out = prepare_out("muladd", out, shape, result_dtype("muladd", np.add, product))
    kernel = _cdata.kernel("muladd", dtype)
    same = a.shape == b.shape == c.shape
    if kernel is not None and same and c_ready(a) and c_ready(b) and c_ready(c) and c_can_write(out, fresh, a, b, c):
        kernel(_cdata.src(a), _cdata.src(b), _cdata.src(c), _cdata.dst(out), out.size)
        return out
    with np.errstate(all="ignore"):
        np.add(np.multiply(a, b), c, out=out)
    return out


def axpby(alpha, x, beta, y, out=None):
    """``alpha * x + beta * y`` broadcast; the scalars take the arrays' dtype (the optimizers' update step)."""
    dtype = require_arrays("axpby", x=x, y=y)
    shape = broadcast_shapes(x.shape, y.shape)
    alpha = scalar_for("axpby", "alpha", alpha, dtype)
    beta = scalar_for("axpby", "beta", beta, dtype)
    fresh = out is None
    out = prepare_out("axpby", out, shape, result_dtype("axpby", np.add, result_dtype("axpby", np.multiply, dtype)))
    kernel = _cdata.kernel("axpby", dtype)
    if kernel is not None and x.shape == y.shape and c_ready(x) and c_ready(y) and c_can_write(out, fresh, x, y):
        kernel(float(alpha), _cdata.src(x), float(beta), _cdata.src(y), _cdata.dst(out), out.size)
        return out
    with np.errstate(all="ignore"):
        scaled_y = np.multiply(beta, y)  # before ``out`` is written: ``out`` may be ``y``
        np.add(np.multiply(alpha, x), scaled_y, out=out)
    return out
