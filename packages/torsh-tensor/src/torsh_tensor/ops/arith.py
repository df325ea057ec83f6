"""Arithmetic with broadcasting and scalars on either side: add, sub, mul, div, pow, remainder, ..."""

import numpy as np
from torsh_core.errors import TorshRuntimeError

from .._operands import binary_arrays, float_array, wrap_result
from .._tensor import Tensor, _wrap, needs_grad, record


def unbroadcast(g, shape):
    """Sum a broadcast gradient back to ``shape``."""
    return g if g._data.shape == shape else g.sum_to_size(shape)


def _shape(x):
    return x._data.shape if isinstance(x, Tensor) else ()


def _binary(x, y, arr, backward, name, save=False):
    out = _wrap(wrap_result(arr))
    if needs_grad(x, y):
        node = record(out, backward, (x, y), name)
        node.shapes = (_shape(x), _shape(y))
        if save:
            node.operands = (x, y)
            node.save_for_backward(*(v if isinstance(v, Tensor) else None for v in (x, y)))
    return out


def _saved(node):
    """The two operands, tensors checked for in-place changes since the forward."""
    tx, ty = node.saved_tensors
    x, y = node.operands
    return (tx if tx is not None else x), (ty if ty is not None else y)


# add / sub --------------------------------------------------------------------------------------------------
def add(input, other, *, alpha=1, out=None):
    a, b = binary_arrays(input, other)
    r = a + b if alpha == 1 else a + alpha * b
    res = _binary(input, other, r, _add_backward, "AddBackward0")
    if alpha != 1 and res.grad_fn is not None:
        res.grad_fn.alpha = alpha
    return _maybe_out(res, out)


def _add_backward(node, g):
    sx, sy = node.shapes
    alpha = getattr(node, "alpha", 1)
    gy = g if alpha == 1 else g * alpha
    return unbroadcast(g, sx), unbroadcast(gy, sy)


def sub(input, other, *, alpha=1, out=None):
    a, b = binary_arrays(input, other)
    if _is_bool(a) and _is_bool(b):
        raise TorshRuntimeError("Subtraction, the `-` operator, with two bool tensors is not supported. "
                                "Use the `^` or `logical_xor()` operator instead.")
    r = a - b if alpha == 1 else a - alpha * b
    res = _binary(input, other, r, _sub_backward, "SubBackward0")
    if alpha != 1 and res.grad_fn is not None:
        res.grad_fn.alpha = alpha
    return _maybe_out(res, out)


def _sub_backward(node, g):
    sx, sy = node.shapes
    alpha = getattr(node, "alpha", 1)
    return unbroadcast(g, sx), unbroadcast(-g if alpha == 1 else g * -alpha, sy)


def rsub(input, other, *, alpha=1):
    return sub(other, input, alpha=alpha)


# mul / div --------------------------------------------------------------------------------------------------
def mul(input, other, *, out=None):
    a, b = binary_arrays(input, other)
    return _maybe_out(_binary(input, other, a * b, _mul_backward, "MulBackward0", save=True), out)


def _mul_backward(node, g):
    x, y = _saved(node)
    sx, sy = node.shapes
    gx = unbroadcast(g * _conj(y), sx) if node.next_functions[0] is not None else None
    gy = unbroadcast(g * _conj(x), sy) if node.next_functions[1] is not None else None
    return gx, gy


def _conj(v):
    return v.conj() if isinstance(v, Tensor) and v.is_complex() else v


def div(input, other, *, rounding_mode=None, out=None):
    a, b = binary_arrays(input, other)
    if rounding_mode is None:
        a = float_array(a) if hasattr(a, "dtype") else a
        if not hasattr(a, "dtype"):
            b = float_array(b)
        with np.errstate(divide="ignore", invalid="ignore"):
            r = a / b
        return _maybe_out(_binary(input, other, r, _div_backward, "DivBackward0", save=True), out)
    if rounding_mode == "trunc":
        return _maybe_out(_no_grad_int_div(input, other, a, b, np.trunc), out)
    if rounding_mode == "floor":
        return _maybe_out(_no_grad_int_div(input, other, a, b, np.floor), out)
    raise ValueError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found '{rounding_mode}'")


def _no_grad_int_div(input, other, a, b, rounder):
    dt = (a if hasattr(a, "dtype") else b).dtype
    if dt.kind in "iu":
        if np.any(np.asarray(b) == 0):
            raise ZeroDivisionError("ZeroDivisionError: integer division by zero")
        r = a // b if rounder is np.floor else np.trunc(np.true_divide(a, b)).astype(dt)
        if rounder is np.trunc:
            r = _int_trunc_div(a, b, dt)
        return _wrap(wrap_result(r))
    with np.errstate(divide="ignore", invalid="ignore"):
        r = rounder(a / b)
    return _binary(input, other, r, _zero_backward, "DivBackward1")


def _int_trunc_div(a, b, dt):
    q = np.abs(a) // np.abs(b)
    return (np.sign(a) * np.sign(b) * q).astype(dt)


def _zero_backward(node, g):
    sx, sy = node.shapes
    return (g.new_zeros(sx) if node.next_functions[0] else None), (g.new_zeros(sy) if node.next_functions[1] else None)


def _div_backward(node, g):
    x, y = _saved(node)
    sx, sy = node.shapes
    gx = unbroadcast(g / _conj(y), sx) if node.next_functions[0] is not None else None
    gy = unbroadcast(-g * _conj(x) / _conj(y * y), sy) if node.next_functions[1] is not None else None
    return gx, gy


def true_divide(input, other):
    return div(input, other)


def floor_divide(input, other):
    return div(input, other, rounding_mode="floor")


def remainder(input, other):
    a, b = binary_arrays(input, other)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.remainder(a, b)
    if _is_int(a, b) and np.any(np.asarray(b) == 0):
        raise ZeroDivisionError("ZeroDivisionError")
    return _binary(input, other, r, _remainder_backward, "RemainderBackward0", save=True)


def _remainder_backward(node, g):
    x, y = _saved(node)
    sx, sy = node.shapes
    gy = None
    if node.next_functions[1] is not None:
        gy = unbroadcast(-g * (x / y).floor(), sy)
    return unbroadcast(g, sx) if node.next_functions[0] is not None else None, gy


def fmod(input, other):
    a, b = binary_arrays(input, other)
    if _is_int(a, b) and np.any(np.asarray(b) == 0):
        raise ZeroDivisionError("ZeroDivisionError")
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.fmod(a, b)
    return _binary(input, other, r, _fmod_backward, "FmodBackward0", save=True)


def _fmod_backward(node, g):
    x, y = _saved(node)
    sx, sy = node.shapes
    gy = unbroadcast(-g * (x / y).trunc(), sy) if node.next_functions[1] is not None else None
    return unbroadcast(g, sx) if node.next_functions[0] is not None else None, gy


def _is_bool(v):
    return isinstance(v, bool) or getattr(v, "dtype", None) == np.bool_


def _is_int(a, b):
    dt = (a if hasattr(a, "dtype") else b).dtype
    return dt.kind in "iub"


# pow --------------------------------------------------------------------------------------------------------
def pow(input, exponent, *, out=None):
    a, b = binary_arrays(input, exponent)
    if _is_int(a, b) and not isinstance(b, bool) and np.any(np.asarray(b) < 0):
        raise TorshRuntimeError("Integers to negative integer powers are not allowed.")
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        r = np.power(a, b)
    return _maybe_out(_binary(input, exponent, r, _pow_backward, "PowBackward0", save=True), out)


def _pow_backward(node, g):
    x, y = _saved(node)
    sx, sy = node.shapes
    gx = gy = None
    if node.next_functions[0] is not None:
        if isinstance(y, Tensor):
            gx = g * y * x.pow(y - 1)
        elif y == 0:
            gx = g * 0
        else:
            gx = g * y * x.pow(y - 1)
        gx = unbroadcast(gx, sx)
    if node.next_functions[1] is not None:
        if isinstance(x, Tensor):
            res = x.pow(y)
            logx = x.log()
            gy = unbroadcast((g * res * logx).masked_fill((x == 0) & (y >= 0), 0), sy)
        else:
            import math

            gy = unbroadcast(g * x ** y * math.log(x) if x > 0 else g * 0 * y, sy)
    return gx, gy


def float_power(input, exponent):
    from .._tensor import Tensor as T

    a = input.double() if isinstance(input, T) else float(input)
    b = exponent.double() if isinstance(exponent, T) else exponent
    if isinstance(b, complex) or (isinstance(a, T) and a.is_complex()):
        a = a.to(complex) if isinstance(a, T) else a
    return pow(a, b)


def neg(input):
    if input._data.dtype == np.bool_:
        raise TorshRuntimeError("Negation, the `-` operator, on a bool tensor is not supported. "
                                "If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.")
    out = _wrap(wrap_result(-input._data))
    if needs_grad(input):
        record(out, _neg_backward, (input,), "NegBackward0")
    return out


def _neg_backward(node, g):
    return -g


def positive(input):
    return input


def _maybe_out(res, out):
    if out is None:
        return res
    from ._inplace import write_inplace

    if out.shape != res.shape:
        out.resize_(res.shape)
    return write_inplace(out, res)


# maximum / minimum / atan2 / hypot ------------------------------------------------------------------------
def maximum(input, other):
    a, b = binary_arrays(input, other)
    return _binary(input, other, np.maximum(a, b), _maxmin_backward, "MaximumBackward0", save=True)


def minimum(input, other):
    a, b = binary_arrays(input, other)
    out = _binary(input, other, np.minimum(a, b), _maxmin_backward, "MinimumBackward0", save=True)
    if out.grad_fn is not None:
        out.grad_fn.is_min = True
    return out


def _maxmin_backward(node, g):
    x, y = _saved(node)
    sx, sy = node.shapes
    pick_x = (x < y) if getattr(node, "is_min", False) else (x > y)
    tie = (x == y).to(g.dtype) * 0.5
    wx = pick_x.to(g.dtype) + tie
    wy = 1 - wx
    gx = unbroadcast(g * wx, sx) if node.next_functions[0] is not None else None
    gy = unbroadcast(g * wy, sy) if node.next_functions[1] is not None else None
    return gx, gy


def fmax(input, other):
    a, b = binary_arrays(input, other)
    return _binary(input, other, np.fmax(a, b), _maxmin_backward, "FmaxBackward0", save=True)


def fmin(input, other):
    a, b = binary_arrays(input, other)
    out = _binary(input, other, np.fmin(a, b), _maxmin_backward, "FminBackward0", save=True)
    if out.grad_fn is not None:
        out.grad_fn.is_min = True
    return out


def atan2(input, other):
    a, b = binary_arrays(input, other)
    a, b = float_array(a), float_array(b)
    return _binary(input, other, np.arctan2(a, b), _atan2_backward, "Atan2Backward0", save=True)


def _atan2_backward(node, g):
    y, x = _saved(node)
    sy, sx = node.shapes
    denom = x * x + y * y
    gy = unbroadcast(g * x / denom, sy) if node.next_functions[0] is not None else None
    gx = unbroadcast(-g * y / denom, sx) if node.next_functions[1] is not None else None
    return gy, gx


def hypot(input, other):
    a, b = binary_arrays(input, other)
    return _binary(input, other, np.hypot(a, b), _hypot_backward, "HypotBackward0", save=True)


def _hypot_backward(node, g):
    x, y = _saved(node)
    sx, sy = node.shapes
    r = (x * x + y * y).sqrt()
    gx = unbroadcast(g * x / r, sx) if node.next_functions[0] is not None else None
    gy = unbroadcast(g * y / r, sy) if node.next_functions[1] is not None else None
    return gx, gy


def xlogy(input, other):
    from .._tensor import Tensor as T

    x = input if isinstance(input, T) else None
    res = mul(input, other.log() if isinstance(other, T) else np.log(other))
    if x is not None:
        return res.masked_fill(x == 0, 0)
    return res


def copysign(input, other):
    a, b = binary_arrays(input, other)
    a = float_array(a)
    return _binary(input, other, np.copysign(a, b), _copysign_backward, "CopysignBackward0", save=True)


def _copysign_backward(node, g):
    x, y = _saved(node)
    sx, sy = node.shapes
    res = x.copysign(y)
    gx = unbroadcast(g * (res / x).masked_fill(x == 0, 0), sx) if node.next_functions[0] is not None else None
    return gx, (g.new_zeros(sy) if node.next_functions[1] is not None else None)
