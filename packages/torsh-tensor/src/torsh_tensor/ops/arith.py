"""Arithmetic with broadcasting and scalars on either side: add, sub, mul, div, pow, remainder, ...

Gradients are summed back to each operand's shape and cast to its dtype by ``_graph.record``.
"""

import contextvars
import operator

import numpy as np
from torsh_autograd.node import Node
from torsh_core.errors import TorshRuntimeError
from torsh_core.shape import broadcast_shapes

from .._operands import binary_arrays, float_array, wrap_result
from .._tensor import Tensor, _edge_pair, _grad_state, _wrap, ndarray, needs_grad
from ._graph import record

__all__ = """
add sub rsub mul multiply div divide true_divide floor_divide remainder fmod pow float_power neg negative positive
maximum minimum fmax fmin atan2 arctan2 hypot xlogy copysign
""".split()


def _quiet(fn):
    """IEEE results (inf, nan) without NumPy warnings, as PyTorch gives them."""

    def op(*args, **kwargs):
        token = _ignore_fp_errors()
        try:
            return fn(*args, **kwargs)
        finally:
            _restore_fp_errors(token)

    op.__name__, op.__qualname__, op.__doc__ = fn.__name__, fn.__qualname__, fn.__doc__
    return op


try:  # NumPy >= 2 keeps its error state in a context variable: switching it is cheaper than np.errstate
    from numpy._core._ufunc_config import _extobj_contextvar as _fp_state
except ImportError:  # pragma: no cover - older NumPy: the public (slower) context manager
    _fp_state = None

_quiet_states = {}  # the caller's error state -> the same state with every error ignored (states are immutable)


def _ignore_fp_errors():
    """Ignore floating-point errors in this context (like entering ``np.errstate(all="ignore")``); a token."""
    if _fp_state is None:
        ctx = np.errstate(all="ignore")
        ctx.__enter__()
        return ctx
    current = _fp_state.get()
    quiet = _quiet_states.get(current)
    if quiet is None:
        with np.errstate(all="ignore"):
            quiet = _fp_state.get()
        if len(_quiet_states) > 64:
            _quiet_states.clear()
        _quiet_states[current] = quiet
    return _fp_state.set(quiet)


def _restore_fp_errors(token):
    if _fp_state is None:
        token.__exit__(None, None, None)
    else:
        _fp_state.reset(token)


def _binary(x, y, arr, backward, name, save=False):
    out = _wrap(arr)  # _wrap turns NumPy scalars into 0-d arrays
    # needs_grad(x, y) inlined: this runs on every arithmetic op
    if _grad_state.enabled and (isinstance(x, Tensor) and x._rg or isinstance(y, Tensor) and y._rg):
        node = record(out, backward, (x, y), name)
        if save:
            node.operands = (x, y)
            node.save_for_backward(*(v if isinstance(v, Tensor) else None for v in (x, y)))
    return out


def _saved(node):
    """The two operands, tensors checked for in-place changes since the forward."""
    tx, ty = node.saved_tensors
    x, y = node.operands
    return (tx if tx is not None else x), (ty if ty is not None else y)


def operands(x, y):
    """``binary_arrays`` plus PyTorch's broadcast check (a RuntimeError naming both shapes)."""
    if isinstance(x, Tensor) and isinstance(y, Tensor):  # the common case: same dtype, device and shape
        a, b = x._data, y._data
        if a.dtype is b.dtype and a.shape == b.shape and type(a) is type(b):
            return a, b
    a, b = binary_arrays(x, y)
    sa, sb = getattr(a, "shape", ()), getattr(b, "shape", ())
    if sa != sb:
        broadcast_shapes(sa, sb)
    return a, b


def _wants(node, i):
    return node.next_functions[i] is not None


def _is_bool(v):
    return isinstance(v, bool) or getattr(v, "dtype", None) == np.bool_


def _is_int(a, b):
    """True when the computation runs on integers (or bools)."""
    dt = (a if hasattr(a, "dtype") else b).dtype
    return dt.kind in "iub"


def _conj(v):
    if isinstance(v, Tensor):
        return v.conj() if v.is_complex() else v
    return v.conjugate() if isinstance(v, complex) else v


def _check_alpha(a, b, alpha):
    if isinstance(alpha, float) and _is_int(a, b):
        raise TorshRuntimeError("For integral input tensors, argument alpha must not be a floating point number.")


def _check_int_divisor(a, b):
    if _is_int(a, b) and np.any(np.asarray(b) == 0):
        raise TorshRuntimeError("ZeroDivisionError")


# operators (a + b, 2 * a, ...) ---------------------------------------------------------------------------------
_new = object.__new__
_FLOATS = frozenset(np.dtype(t) for t in (np.float16, np.float32, np.float64))


def _operator(op, slow, backward, name, save=False, alpha=False, reflected=False):
    """``Tensor.__add__`` and friends in one frame: a float CPU array with a tensor of its very dtype or a Python
    float/int goes straight to NumPy's ``op`` (the result ``slow`` would give: no promotion happens); anything else
    calls ``slow``; operands no op accepts give NotImplemented, so that Python tries the other operand's method."""

    def method(self, other):
        a = self._data
        if type(a) is ndarray and a.dtype in _FLOATS:
            is_tensor = isinstance(other, Tensor)
            b = other._data if is_tensor else other
            if type(b) is ndarray and b.dtype is a.dtype if is_tensor else type(b) is float or type(b) is int:
                try:
                    r = _run_quiet(op, b, a) if reflected else _run_quiet(op, a, b)
                except (ValueError, RuntimeError):  # no broadcast (the slow path raises PyTorch's error), or
                    r = None  # the quiet context is busy (another thread, a nested call): the slow path
                if r is not None:
                    out = _new(Tensor)
                    out._data = r if type(r) is ndarray else np.asarray(r)
                    out._version = [0]
                    if (self._rg or is_tensor and other._rg) and _grad_state.enabled:
                        args = (other, self) if reflected else (self, other)
                        if not is_tensor or a.shape == b.shape:  # gradients of the output's shape and dtype:
                            node = out.grad_fn = Node(backward, _edge_pair(*args), name)  # nothing to fit
                            out._rg = True
                        else:
                            node = record(out, backward, args, name)
                        if alpha:
                            node.alpha = 1
                        if save:
                            node.operands = args
                            saved = other if is_tensor else None
                            node.save_for_backward(*((saved, self) if reflected else (self, saved)))
                    return out
        if reflected:
            return slow(other, self)
        if not isinstance(other, (Tensor, bool, int, float, complex)) and not hasattr(other, "__array__"):
            return NotImplemented
        return slow(self, other)

    method.__name__ = f"__{'r' if reflected else ''}{slow.__name__.replace('div', 'truediv')}__"
    return method if _fp_state is not None else _operator_without_fast_path(slow, reflected)


def _quiet_context():
    """A context whose NumPy error state ignores every error: running a ufunc in it (``Context.run``) costs a
    fraction of switching the error state there and back. Only the ufunc runs in it, so no other state leaks."""
    ctx = contextvars.copy_context()
    ctx.run(_ignore_fp_errors)
    return ctx


_run_quiet = _quiet_context().run if _fp_state is not None else None


def _operator_without_fast_path(slow, reflected):
    """Older NumPy (no error-state context variable): every operator goes through the full op."""

    def method(self, other):
        if reflected:
            return slow(other, self)
        if not isinstance(other, (Tensor, bool, int, float, complex)) and not hasattr(other, "__array__"):
            return NotImplemented
        return slow(self, other)

    return method


# add / sub --------------------------------------------------------------------------------------------------
@_quiet
def add(input, other, *, alpha=1, out=None):
    a, b = operands(input, other)
    if type(alpha) is not int:
        _check_alpha(a, b, alpha)
    res = _binary(input, other, a + b if alpha == 1 else a + alpha * b, _add_backward, "AddBackward0")
    if res.grad_fn is not None:
        res.grad_fn.alpha = alpha
    return res if out is None else _maybe_out(res, out)


def _add_backward(node, g):
    return g, (g if node.alpha == 1 else g * node.alpha)


@_quiet
def sub(input, other, *, alpha=1, out=None):
    a, b = operands(input, other)
    if _is_bool(a) or _is_bool(b):
        raise TorshRuntimeError("Subtraction, the `-` operator, with a bool tensor is not supported. If you are "
                                "trying to invert a mask, use the `~` or `logical_not()` operator instead.")
    if type(alpha) is not int:
        _check_alpha(a, b, alpha)
    res = _binary(input, other, a - b if alpha == 1 else a - alpha * b, _sub_backward, "SubBackward0")
    if res.grad_fn is not None:
        res.grad_fn.alpha = alpha
    return res if out is None else _maybe_out(res, out)


def _sub_backward(node, g):
    return g, (-g if node.alpha == 1 else g * -node.alpha)


def rsub(input, other, *, alpha=1):
    """other - alpha * input."""
    return sub(other, input * alpha if alpha != 1 else input)


# mul / div --------------------------------------------------------------------------------------------------
@_quiet
def mul(input, other, *, out=None):
    a, b = operands(input, other)
    res = _binary(input, other, a * b, _mul_backward, "MulBackward0", save=True)
    return res if out is None else _maybe_out(res, out)


def _mul_backward(node, g):
    x, y = _saved(node)
    return (g * _conj(y) if _wants(node, 0) else None), (g * _conj(x) if _wants(node, 1) else None)


multiply = mul


@_quiet
def div(input, other, *, rounding_mode=None, out=None):
    a, b = operands(input, other)
    if rounding_mode is None:
        if _is_int(a, b):
            a = float_array(a) if hasattr(a, "dtype") else a
            b = float_array(b) if hasattr(b, "dtype") else b
            if not hasattr(a, "dtype") and not hasattr(b, "dtype"):
                raise TorshRuntimeError("div: expected a tensor operand")
        res = _binary(input, other, a / b, _div_backward, "DivBackward0", save=True)
        return _maybe_out(res, out)
    if rounding_mode not in ("trunc", "floor"):
        raise TorshRuntimeError(
            f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found '{rounding_mode}'")
    if _is_int(a, b):
        _check_int_divisor(a, b)
        if rounding_mode == "floor":
            r = a // b
        else:
            r = (np.sign(a) * np.sign(b) * (np.abs(a) // np.abs(b))).astype(np.result_type(a, b), copy=False)
        return _maybe_out(_wrap(wrap_result(r)), out)
    r = (np.floor if rounding_mode == "floor" else np.trunc)(a / b)
    return _maybe_out(_binary(input, other, r, _zero_backward, "DivBackward1"), out)


def _zero_backward(node, g):
    return (g * 0 if _wants(node, 0) else None), (g * 0 if _wants(node, 1) else None)


def _div_backward(node, g):
    x, y = _saved(node)
    gx = g / _conj(y) if _wants(node, 0) else None
    gy = -g * _conj(x) / _conj(y * y) if _wants(node, 1) else None
    return gx, gy


divide = div


def true_divide(input, other):
    return div(input, other)


def floor_divide(input, other):
    return div(input, other, rounding_mode="floor")


@_quiet
def remainder(input, other):
    """Python's modulus: the result has the sign of the divisor."""
    a, b = operands(input, other)
    _check_int_divisor(a, b)
    r = np.remainder(a, b)
    return _binary(input, other, r, _remainder_backward, "RemainderBackward0", save=True)


def _remainder_backward(node, g):
    x, y = _saved(node)
    return (g if _wants(node, 0) else None), (-g * (x / y).floor() if _wants(node, 1) else None)


@_quiet
def fmod(input, other):
    """C's fmod: the result has the sign of the dividend."""
    a, b = operands(input, other)
    _check_int_divisor(a, b)
    r = np.fmod(a, b)
    return _binary(input, other, r, _fmod_backward, "FmodBackward0", save=True)


def _fmod_backward(node, g):
    x, y = _saved(node)
    return (g if _wants(node, 0) else None), (-g * (x / y).trunc() if _wants(node, 1) else None)


# pow --------------------------------------------------------------------------------------------------------
@_quiet
def pow(input, exponent, *, out=None):  # noqa: A001
    a, b = operands(input, exponent)
    if _is_int(a, b) and not _is_bool(b) and np.any(np.asarray(b) < 0):
        raise TorshRuntimeError("Integers to negative integer powers are not allowed.")
    r = np.power(a, b)
    return _maybe_out(_binary(input, exponent, r, _pow_backward, "PowBackward0", save=True), out)


def _pow_backward(node, g):
    """PyTorch's conventions: zero gradient for base where the exponent is 0, for exponent where 0 ** (y >= 0)."""
    x, y = _saved(node)
    gx = gy = None
    if _wants(node, 0):
        if isinstance(y, Tensor):
            gx = (g * _conj(y * x.pow(y - 1))).masked_fill(y == 0, 0)
        else:
            gx = g * 0 if y == 0 else g * _conj(y * x.pow(y - 1))
    if _wants(node, 1):
        if not isinstance(x, Tensor):
            x = y.new_full((), x)
        gy = (g * _conj(x.pow(y) * x.log())).masked_fill((x == 0) & (y >= 0), 0)
    return gx, gy


def float_power(input, exponent):
    """pow in double precision (complex128 when either side is complex)."""
    def up(v):
        if isinstance(v, Tensor):
            return v.to(_complex128() if v.is_complex() else _float64())
        return v

    a, b = up(input), up(exponent)
    if isinstance(a, Tensor) and isinstance(b, complex) or isinstance(b, Tensor) and isinstance(a, complex):
        a = a.to(_complex128()) if isinstance(a, Tensor) else a
        b = b.to(_complex128()) if isinstance(b, Tensor) else b
    if isinstance(a, Tensor) and isinstance(b, Tensor) and a.dtype is not b.dtype:
        a, b = a.to(_complex128()), b.to(_complex128())
    return pow(a, b)


def _float64():
    from torsh_core.dtypes import float64

    return float64


def _complex128():
    from torsh_core.dtypes import complex128

    return complex128


def neg(input):
    if input._data.dtype == np.bool_:
        raise TorshRuntimeError("Negation, the `-` operator, on a bool tensor is not supported. "
                                "If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.")
    out = _wrap(wrap_result(-input._data))
    if needs_grad(input):
        record(out, lambda node, g: -g, (input,), "NegBackward0")
    return out


negative = neg


def positive(input):
    if input._data.dtype == np.bool_:
        raise TorshRuntimeError("The `+` operator, on a bool tensor is not supported.")
    return input


def _maybe_out(res, out):
    """Write ``res`` into the ``out=`` tensor (resized if its shape differs), or return it."""
    if out is None:
        return res
    from ._inplace import write_inplace

    if out.shape != res.shape:
        out.resize_(res.shape)
    return write_inplace(out, res)


# maximum / minimum / atan2 / hypot ------------------------------------------------------------------------
@_quiet
def maximum(input, other):
    """Elementwise max propagating NaN; ties split the gradient evenly."""
    a, b = operands(input, other)
    return _binary(input, other, np.maximum(a, b), _maxmin_backward, "MaximumBackward0", save=True)


@_quiet
def minimum(input, other):
    a, b = operands(input, other)
    out = _binary(input, other, np.minimum(a, b), _maxmin_backward, "MinimumBackward0", save=True)
    if out.grad_fn is not None:
        out.grad_fn.is_min = True
    return out


def _maxmin_backward(node, g):
    x, y = _saved(node)
    pick_x = (x < y) if getattr(node, "is_min", False) else (x > y)
    wx = pick_x.to(g.dtype) + (x == y).to(g.dtype) * 0.5
    return (g * wx if _wants(node, 0) else None), (g * (1 - wx) if _wants(node, 1) else None)


@_quiet
def fmax(input, other):
    """Elementwise max ignoring NaN; ties send the gradient to ``input``."""
    a, b = operands(input, other)
    return _binary(input, other, np.fmax(a, b), _fmaxmin_backward, "FmaxBackward0", save=True)


@_quiet
def fmin(input, other):
    a, b = operands(input, other)
    out = _binary(input, other, np.fmin(a, b), _fmaxmin_backward, "FminBackward0", save=True)
    if out.grad_fn is not None:
        out.grad_fn.is_min = True
    return out


def _fmaxmin_backward(node, g):
    x, y = _saved(node)
    to_x = ((x <= y) if getattr(node, "is_min", False) else (x >= y)) | y.isnan()
    zero = g.new_zeros(())
    gx = g.where(to_x, zero) if _wants(node, 0) else None
    gy = zero.where(to_x, g) if _wants(node, 1) else None
    return gx, gy


@_quiet
def atan2(input, other):
    a, b = _float_arrays(*operands(input, other))
    return _binary(input, other, np.arctan2(a, b), _atan2_backward, "Atan2Backward0", save=True)


def _atan2_backward(node, g):
    y, x = _saved(node)
    denom = x * x + y * y
    return (g * x / denom if _wants(node, 0) else None), (-g * y / denom if _wants(node, 1) else None)


arctan2 = atan2


@_quiet
def hypot(input, other):
    a, b = operands(input, other)
    return _binary(input, other, np.hypot(a, b), _hypot_backward, "HypotBackward0", save=True)


def _hypot_backward(node, g):
    x, y = _saved(node)
    r = x.hypot(y)
    return (g * x / r if _wants(node, 0) else None), (g * y / r if _wants(node, 1) else None)


@_quiet
def xlogy(input, other):
    """x * log(y), defined as 0 where x == 0 (unless y is NaN)."""
    a, b = _float_arrays(*operands(input, other))
    r = np.where((a == 0) & ~np.isnan(b), 0, a * np.log(b))
    return _binary(input, other, r, _xlogy_backward, "XlogyBackward0", save=True)


def _float_arrays(a, b):
    """Both operands as floating arrays of the result dtype (a Python scalar takes the other's dtype)."""
    a = float_array(a) if hasattr(a, "dtype") else a
    b = float_array(b) if hasattr(b, "dtype") else b
    if not hasattr(a, "dtype"):
        a = np.asarray(a, dtype=b.dtype)
    if not hasattr(b, "dtype"):
        b = np.asarray(b, dtype=a.dtype)
    return a, b


def _xlogy_backward(node, g):
    x, y = _saved(node)
    gx = gy = None
    if _wants(node, 0):
        ly = y.log() if isinstance(y, Tensor) else g.new_full((), y).log()
        gx = g * ly.masked_fill((x == 0) & ~ly.isnan(), 0) if isinstance(x, Tensor) else g * ly
    if _wants(node, 1):
        gy = g * x / y
    return gx, gy


@_quiet
def copysign(input, other):
    a, b = _float_arrays(*operands(input, other))
    return _binary(input, other, np.copysign(a, b), _copysign_backward, "CopysignBackward0", save=True)


def _copysign_backward(node, g):
    x, y = _saved(node)
    gx = g * (x.copysign(y) / x).masked_fill(x == 0, 0) if _wants(node, 0) else None
    return gx, (g * 0 if _wants(node, 1) else None)


# the Tensor methods behind + - * / (bound by _methods.bind)
OPERATORS = {
    f"__{r}{dunder}__": _operator(op, slow, backward, name, save=save, alpha=alpha, reflected=bool(r))
    for dunder, op, slow, backward, name, save, alpha in (
        ("add", operator.add, add, _add_backward, "AddBackward0", False, True),
        ("sub", operator.sub, sub, _sub_backward, "SubBackward0", False, True),
        ("mul", operator.mul, mul, _mul_backward, "MulBackward0", True, False),
        ("truediv", operator.truediv, div, _div_backward, "DivBackward0", True, False),
    )
    for r in ("", "r")
}
