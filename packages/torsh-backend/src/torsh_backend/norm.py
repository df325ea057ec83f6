"""Layer/RMS norm over trailing axes and batch norm over (N, C, ...) channels, forward and backward: C for
float32/float64 (inputs copied to contiguous first), NumPy for other dtypes."""

import numpy as np
from torsh_core.errors import ShapeError, TorshValueError

from . import _cdata
from ._checks import require_arrays


def _ptr(a):
    return _cdata.ffi.NULL if a is None else _cdata.src(a)


def _out_ptr(a):
    return _cdata.ffi.NULL if a is None else _cdata.dst(a)


def _contig(a):
    return None if a is None else np.ascontiguousarray(a)


def _check_eps(op, eps):
    if not eps >= 0:
        raise TorshValueError(f"{op}(): eps must be a non-negative number, got {eps}")


def _check_param(op, name, p, size):
    if p is not None and p.size != size:
        raise ShapeError(f"{op}(): '{name}' has {p.size} elements but {size} are normalised")


def _params(op, x, cols, **params):
    arrays = {k: v for k, v in params.items() if v is not None}
    dtype = require_arrays(op, x=x, **arrays)
    for name, p in arrays.items():
        _check_param(op, name, p, cols)
    return dtype


def layer_norm(x, cols, weight=None, bias=None, eps=1e-5, rms=False):
    """Normalise each run of the last ``cols`` elements; returns (y, mean, rstd) with per-row statistics.

    ``rms``: divide by the root mean square instead (no centring; ``mean`` is None and ``bias`` must be None).
    """
    dtype = _params("layer_norm", x, cols, weight=weight, bias=bias)
    _check_eps("layer_norm", eps)
    if cols < 1 or x.size % cols:
        raise ShapeError(f"layer_norm(): cannot normalise groups of {cols} elements of an array of shape {x.shape}")
    if rms and bias is not None:
        raise TorshValueError("layer_norm(): rms norm takes no bias")
    rows = x.size // cols
    kernel = _cdata.kernel("layer_norm", dtype)
    if kernel is None or x.size == 0:
        a = x.reshape(rows, cols)
        mean = None if rms else a.mean(axis=1)
        xc = a if rms else a - mean[:, None]
        rstd = 1 / np.sqrt((xc * xc).mean(axis=1) + eps)
        y = xc * rstd[:, None]
        y = y * weight.reshape(cols) if weight is not None else y
        y = y + bias.reshape(cols) if bias is not None else y
        return np.asarray(y, dtype).reshape(x.shape), mean, np.asarray(rstd, dtype)
    x, weight, bias = _contig(x), _contig(weight), _contig(bias)
    y = np.empty_like(x)
    mean = None if rms else np.empty(rows, dtype)
    rstd = np.empty(rows, dtype)
    kernel(_cdata.src(x), _ptr(weight), _ptr(bias), _cdata.dst(y), _out_ptr(mean), _cdata.dst(rstd), rows, cols,
           float(eps), int(rms))
    return y, mean, rstd


def layer_norm_backward(x, g, mean, rstd, cols, weight=None, rms=False, need=(True, True, True)):
    """(dx, dweight, dbias) of layer_norm (rms_norm) from the saved statistics; None where ``need`` is False."""
    dtype = _params("layer_norm_backward", x, cols, weight=weight)
    require_arrays("layer_norm_backward", x=x, g=g, rstd=rstd, **({} if mean is None else {"mean": mean}))
    rows = x.size // cols if cols else 0
    if g.shape != x.shape or rstd.size != rows or (mean is not None and mean.size != rows) or (mean is None) != rms:
        raise ShapeError(f"layer_norm_backward(): inconsistent shapes x {x.shape}, g {g.shape}, rstd {rstd.shape}")
    need_x, need_w, need_b = need
    need_w = need_w and weight is not None
    need_b = need_b and not rms
    kernel = _cdata.kernel("layer_norm_backward", dtype)
    if kernel is None or x.size == 0:
        return _numpy_layer_norm_backward(x, g, mean, rstd, cols, weight, (need_x, need_w, need_b), dtype)
    x, g, weight, mean, rstd = (_contig(a) for a in (x, g, weight, mean, rstd))
    dx = np.empty_like(x) if need_x else None
    dw = np.empty(cols, dtype) if need_w else None
    db = np.empty(cols, dtype) if need_b else None
    if kernel(_cdata.src(x), _ptr(weight), _ptr(mean), _cdata.src(rstd), _cdata.src(g), _out_ptr(dx), _out_ptr(dw),
              _out_ptr(db), rows, cols, int(rms)):
        raise MemoryError("layer_norm_backward(): out of memory for the per-thread parameter gradient sums")
    return dx, None if dw is None else dw.reshape(weight.shape), db


def _numpy_layer_norm_backward(x, g, mean, rstd, cols, weight, need, dtype):
    a, ga = x.reshape(-1, cols), g.reshape(-1, cols)
    xhat = (a if mean is None else a - mean.reshape(-1, 1)) * rstd.reshape(-1, 1)
    gw = ga * weight.reshape(cols) if weight is not None else ga
    dx = dw = db = None
    if need[0]:
        centred = 0 if mean is None else gw.mean(axis=1, keepdims=True)
        dx = (rstd.reshape(-1, 1) * (gw - centred - xhat * (gw * xhat).mean(axis=1, keepdims=True)))
        dx = np.asarray(dx, dtype).reshape(x.shape)
    if need[1]:
        dw = np.asarray((ga * xhat).sum(axis=0), dtype).reshape(weight.shape)
    if need[2]:
        db = np.asarray(ga.sum(axis=0), dtype)
    return dx, dw, db


def _ncs(op, x):
    if x.ndim < 2:
        raise ShapeError(f"{op}(): expected an (N, C, ...) array, got shape {x.shape}")
    n, c = x.shape[:2]
    return n, c, x.size // (n * c) if n * c else 0


def batch_norm_stats(x):
    """Per-channel (mean, biased variance) of an (N, C, ...) array."""
    dtype = require_arrays("batch_norm_stats", x=x)
    n, c, s = _ncs("batch_norm_stats", x)
    kernel = _cdata.kernel("batch_norm_stats", dtype)
    if kernel is None or n * s == 0:
        axes = (0,) + tuple(range(2, x.ndim))
        with np.errstate(all="ignore"):
            return x.mean(axis=axes), x.var(axis=axes)
    x = np.ascontiguousarray(x)
    mean, var = np.empty(c, dtype), np.empty(c, dtype)
    kernel(_cdata.src(x), _cdata.dst(mean), _cdata.dst(var), n, c, s)
    return mean, var


def channel_affine(x, scale, shift):
    """``x * scale[c] + shift[c]`` over the channels (dim 1) of an (N, C, ...) array."""
    dtype = require_arrays("channel_affine", x=x, scale=scale, shift=shift)
    n, c, s = _ncs("channel_affine", x)
    if scale.shape != (c,) or shift.shape != (c,):
        raise ShapeError(f"channel_affine(): 'scale' and 'shift' must have shape ({c},), got {scale.shape} and "
                         f"{shift.shape}")
    kernel = _cdata.kernel("channel_affine", dtype)
    if kernel is None or x.size == 0:
        view = (1, c) + (1,) * (x.ndim - 2)
        return np.asarray(x * scale.reshape(view) + shift.reshape(view), dtype)
    x, scale, shift = np.ascontiguousarray(x), np.ascontiguousarray(scale), np.ascontiguousarray(shift)
    y = np.empty_like(x)
    kernel(_cdata.src(x), _cdata.src(scale), _cdata.src(shift), _cdata.dst(y), n, c, s)
    return y


def batch_norm_backward(x, g, mean, rstd, weight=None, need_x=True):
    """(dx or None, dweight, dbias) of training-mode batch norm from the per-channel mean and rstd."""
    dtype = require_arrays("batch_norm_backward", x=x, g=g, mean=mean, rstd=rstd,
                           **({} if weight is None else {"weight": weight}))
    n, c, s = _ncs("batch_norm_backward", x)
    if g.shape != x.shape or mean.shape != (c,) or rstd.shape != (c,) or (weight is not None and weight.size != c):
        raise ShapeError(f"batch_norm_backward(): inconsistent shapes x {x.shape}, g {g.shape}, mean {mean.shape}, "
                         f"rstd {rstd.shape}")
    kernel = _cdata.kernel("batch_norm_backward", dtype)
    if kernel is None or n * s == 0:
        view = (1, c) + (1,) * (x.ndim - 2)
        axes = (0,) + tuple(range(2, x.ndim))
        xhat = (x - mean.reshape(view)) * rstd.reshape(view)
        db, dw = g.sum(axis=axes), (g * xhat).sum(axis=axes)
        dx = None
        if need_x:
            m = max(n * s, 1)
            k = rstd if weight is None else weight.reshape(c) * rstd
            dx = k.reshape(view) * (g - (db / m).reshape(view) - xhat * (dw / m).reshape(view))
            dx = np.asarray(dx, dtype)
        return dx, np.asarray(dw, dtype), np.asarray(db, dtype)
    x, g, mean, rstd, weight = (_contig(a) for a in (x, g, mean, rstd, weight))
    dx = np.empty_like(x) if need_x else None
    dw, db = np.empty(c, dtype), np.empty(c, dtype)
    kernel(_cdata.src(x), _ptr(weight), _cdata.src(mean), _cdata.src(rstd), _cdata.src(g), _out_ptr(dx),
           _cdata.dst(dw), _cdata.dst(db), n, c, s)
    return dx, dw, db
