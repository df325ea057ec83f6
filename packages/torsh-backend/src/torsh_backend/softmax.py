"""Fused softmax / log_softmax along any axis (C over contiguous rows, or over the middle axis of an (outer, len,
inner) view without a transposed copy), their backward, and cross entropy's exp-scale step; NumPy for dtypes C does
not take."""

import math

import numpy as np
from torsh_core.errors import ShapeError, TorshIndexError

from . import _cdata
from ._checks import require_arrays
from ._native import ffi


def _axis(op, x, axis):
    if not -max(x.ndim, 1) <= axis < max(x.ndim, 1):
        raise TorshIndexError(f"{op}(): axis {axis} is out of range for an array of {x.ndim} dimensions")
    return axis % max(x.ndim, 1)


def _blocks(x, axis):
    """(outer, len, inner) of C-contiguous ``x`` seen as a 3-D array around ``axis``."""
    return math.prod(x.shape[:axis]), x.shape[axis], math.prod(x.shape[axis + 1:])


def _numpy_softmax(x, axis, log):
    if x.size == 0:
        return np.empty_like(x)
    m = x.max(axis=axis, keepdims=True)
    with np.errstate(all="ignore"):
        z = x - np.where(np.isfinite(m), m, 0)
        if log:
            return z - np.log(np.exp(z).sum(axis=axis, keepdims=True))
        e = np.exp(z)
        return e / e.sum(axis=axis, keepdims=True)


def softmax(x, axis=-1, log=False):
    """softmax (or log_softmax) of ``x`` along ``axis``; an all -inf slice gives NaN as in PyTorch."""
    dtype = require_arrays("softmax", x=x)
    if x.ndim == 0:
        return np.zeros_like(x) if log else np.ones_like(x)
    axis = _axis("softmax", x, axis)
    if _cdata.kernel("softmax", dtype) is None or x.size == 0:
        return _numpy_softmax(x, axis, log)
    x = np.ascontiguousarray(x)
    outer, n, inner = _blocks(x, axis)
    out = np.empty_like(x)
    if inner == 1:
        _cdata.kernel("softmax", dtype)(_cdata.src(x), _cdata.dst(out), outer, n, int(log))
    else:
        _cdata.kernel("softmax_inner", dtype)(_cdata.src(x), _cdata.dst(out), outer, n, inner, int(log))
    return out


def softmax_backward(y, g, axis=-1, log=False):
    """The input gradient of softmax (log_softmax) from its output ``y`` and the output gradient ``g``."""
    dtype = require_arrays("softmax_backward", y=y, g=g)
    if y.shape != g.shape:
        raise ShapeError(f"softmax_backward(): 'g' has shape {g.shape} but the output has shape {y.shape}")
    if y.ndim == 0:
        return np.zeros_like(g)
    axis = _axis("softmax_backward", y, axis)
    if _cdata.kernel("softmax_backward", dtype) is None or y.size == 0:
        if log:
            return g - np.exp(y) * g.sum(axis=axis, keepdims=True)
        return y * (g - (g * y).sum(axis=axis, keepdims=True))
    y, g = np.ascontiguousarray(y), np.ascontiguousarray(g)
    outer, n, inner = _blocks(y, axis)
    out = np.empty_like(y)
    if inner == 1:
        _cdata.kernel("softmax_backward", dtype)(_cdata.src(y), _cdata.src(g), _cdata.dst(out), outer, n, int(log))
    else:
        _cdata.kernel("softmax_inner_backward", dtype)(_cdata.src(y), _cdata.src(g), _cdata.dst(out), outer, n, inner,
                                                       int(log))
    return out


def exp_scale_rows(logp, scale):
    """``exp(logp) * scale[:, None]`` for 2-D ``logp`` (cross entropy's backward without its target term)."""
    dtype = require_arrays("exp_scale_rows", logp=logp, scale=scale)
    if logp.ndim != 2 or scale.shape != logp.shape[:1]:
        raise ShapeError(f"exp_scale_rows(): expected a 2-D 'logp' and a 'scale' of its row count, got {logp.shape} "
                         f"and {scale.shape}")
    kernel = _cdata.kernel("exp_scale_rows", dtype)
    if kernel is None or logp.size == 0:
        return np.exp(logp) * scale[:, None]
    logp, scale = np.ascontiguousarray(logp), np.ascontiguousarray(scale)
    out = np.empty_like(logp)
    kernel(_cdata.src(logp), _cdata.src(scale), _cdata.dst(out), logp.shape[0], logp.shape[1])
    return out


def _ce_arrays(op, x, target):
    dtype = require_arrays(op, x=x)
    if x.ndim != 2 or not isinstance(target, np.ndarray) or target.shape != x.shape[:1] or target.dtype != np.int64:
        raise ShapeError(f"{op}(): expected logits (N, C) and int64 class indices (N,), got {x.shape} and "
                         f"{getattr(target, 'shape', type(target).__name__)}")
    return dtype


def cross_entropy(x, target, ignore_index=-100):
    """(loss per row, log-sum-exp per row) of logits (N, C) against class indices (N,): loss = lse - x[t], 0 for
    rows whose target is ``ignore_index``; IndexError for another class outside [0, C)."""
    dtype = _ce_arrays("cross_entropy", x, target)
    valid = target != ignore_index
    bad = valid & ((target < 0) | (target >= x.shape[1]))
    if bad.any():
        raise TorshIndexError(f"Target {int(target[bad][0])} is out of bounds.")
    kernel = _cdata.kernel("cross_entropy", dtype)
    if kernel is None or x.size == 0:
        with np.errstate(all="ignore"):
            m = x.max(axis=1, initial=-np.inf)
            shift = np.where(np.isfinite(m), m, 0)
            lse = (shift + np.log(np.exp(x - shift[:, None]).sum(axis=1))).astype(dtype, copy=False)
        picked = x[np.arange(len(x)), np.where(valid, target, 0)] if x.size else np.zeros(len(x), dtype)
        return np.where(valid, lse - picked, 0).astype(dtype), lse
    x = np.ascontiguousarray(x)
    lse, loss = np.empty(len(x), dtype), np.empty(len(x), dtype)
    kernel(_cdata.src(x), ffi.from_buffer("int64_t[]", target), _cdata.dst(lse), _cdata.dst(loss), x.shape[0],
           x.shape[1], ignore_index)
    return loss, lse


def cross_entropy_backward(x, target, lse, scale, ignore_index=-100):
    """d loss / d x of ``cross_entropy`` with each row's loss weighted by ``scale``: scale * (softmax(x) - onehot)."""
    dtype = _ce_arrays("cross_entropy_backward", x, target)
    require_arrays("cross_entropy_backward", x=x, lse=lse, scale=scale)
    if lse.shape != target.shape or scale.shape != target.shape:
        raise ShapeError(f"cross_entropy_backward(): 'lse' and 'scale' must have shape {target.shape}")
    kernel = _cdata.kernel("cross_entropy_backward", dtype)
    valid = target != ignore_index
    if kernel is None or x.size == 0:
        dx = np.exp(x - lse[:, None]) * np.where(valid, scale, 0)[:, None]
        rows = np.nonzero(valid)[0]
        dx[rows, target[rows]] -= scale[rows]
        return dx.astype(dtype, copy=False)
    x = np.ascontiguousarray(x)
    dx = np.empty_like(x)
    kernel(_cdata.src(x), ffi.from_buffer("int64_t[]", target), _cdata.src(np.ascontiguousarray(lse)),
           _cdata.src(np.ascontiguousarray(scale)), _cdata.dst(dx), x.shape[0], x.shape[1], ignore_index)
    return dx
