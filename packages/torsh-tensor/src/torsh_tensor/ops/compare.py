"""Comparisons, logical and bitwise ops: no gradients, bool or integer results."""

import numpy as np
from torsh_core.errors import TorshRuntimeError

from .._operands import binary_arrays, wrap_result
from .._tensor import Tensor, _wrap


def _cmp(fn):
    def op(input, other, *, out=None):
        a, b = binary_arrays(input, other)
        with np.errstate(invalid="ignore"):
            r = _wrap(wrap_result(fn(a, b)))
        if out is not None:
            from .arith import _maybe_out

            return _maybe_out(r, out)
        return r

    op.__name__ = fn.__name__
    return op


eq = _cmp(np.equal)
ne = _cmp(np.not_equal)
lt = _cmp(np.less)
le = _cmp(np.less_equal)
gt = _cmp(np.greater)
ge = _cmp(np.greater_equal)
greater, greater_equal, less, less_equal, not_equal = gt, ge, lt, le, ne
logical_and = _cmp(np.logical_and)
logical_or = _cmp(np.logical_or)
logical_xor = _cmp(np.logical_xor)


def logical_not(input):
    return _wrap(wrap_result(np.logical_not(input._data)))


def _bitwise(fn, name):
    def op(input, other):
        a, b = binary_arrays(input, other)
        for v in (a, b):
            kind = getattr(v, "dtype", np.dtype(type(v) if not isinstance(v, float) else np.float64)).kind
            if kind not in "biu":
                raise TorshRuntimeError(f"\"{name}_cpu\" not implemented for 'Float'")
        return _wrap(wrap_result(fn(a, b)))

    op.__name__ = name
    return op


bitwise_and = _bitwise(np.bitwise_and, "bitwise_and")
bitwise_or = _bitwise(np.bitwise_or, "bitwise_or")
bitwise_xor = _bitwise(np.bitwise_xor, "bitwise_xor")
bitwise_left_shift = _bitwise(np.left_shift, "lshift")
bitwise_right_shift = _bitwise(np.right_shift, "rshift")


def bitwise_not(input):
    if input._data.dtype.kind not in "biu":
        raise TorshRuntimeError(f"bitwise_not is only supported for integer and bool tensors, got {input.dtype}")
    return _wrap(wrap_result(np.invert(input._data)))


def equal(input, other):
    """True if both tensors have the same shape and elements."""
    if not isinstance(other, Tensor):
        raise TypeError(f"equal(): argument 'other' must be Tensor, not {type(other).__name__}")
    if input.shape != other.shape:
        return False
    a, b = binary_arrays(input, other)
    return bool((a == b).all())


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    a, b = binary_arrays(input, other)
    return _wrap(wrap_result(np.isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan)))


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    return bool(isclose(input, other, rtol, atol, equal_nan)._data.all())


def isnan(input):
    return _wrap(wrap_result(np.isnan(input._data)))


def isinf(input):
    return _wrap(wrap_result(np.isinf(input._data)))


def isfinite(input):
    return _wrap(wrap_result(np.isfinite(input._data)))


def isposinf(input):
    return _wrap(wrap_result(np.isposinf(input._data)))


def isneginf(input):
    return _wrap(wrap_result(np.isneginf(input._data)))


def isreal(input):
    return _wrap(wrap_result(np.isreal(input._data)))
