"""Comparisons, logical and bitwise ops: no gradients, bool or integer results."""

import numpy as np
from torsh_core.errors import TorshNotImplementedError, TorshTypeError

from .._operands import wrap_result
from .._tensor import _NP2DT, Tensor, _wrap
from ._names import scalar_type
from .arith import operands

__all__ = """
eq ne lt le gt ge greater greater_equal less less_equal not_equal logical_and logical_or logical_xor logical_not
bitwise_and bitwise_or bitwise_xor bitwise_not bitwise_left_shift bitwise_right_shift equal isclose allclose isnan
isinf isfinite isposinf isneginf isreal
""".split()


def _cmp(fn):
    def op(input, other, *, out=None):
        a, b = operands(input, other)
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
        a, b = operands(input, other)
        for v in (a, b):
            dt = v.dtype if hasattr(v, "dtype") else np.asarray(v).dtype
            if dt.kind not in "biu":
                raise TorshNotImplementedError(f"\"{name}_cpu\" not implemented for '{scalar_type(_NP2DT[dt])}'")
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
        raise TorshTypeError(f"~ (operator.invert) is only implemented on integer and Boolean-type tensors, got "
                             f"{input.dtype.name}")
    return _wrap(wrap_result(np.invert(input._data)))


def equal(input, other):
    """True if both tensors have the same shape and elements."""
    if not isinstance(other, Tensor):
        raise TypeError(f"equal(): argument 'other' must be Tensor, not {type(other).__name__}")
    if input.shape != other.shape:
        return False
    a, b = operands(input, other)
    return bool((a == b).all())


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    a, b = operands(input, other)
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
