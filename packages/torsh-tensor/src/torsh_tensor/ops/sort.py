"""Ordering: sort, argsort, topk, kthvalue, median, mode, unique, searchsorted, bucketize, histc, bincount."""

import numpy as np
from torsh_core.errors import TorshNotImplementedError, TorshRuntimeError, TorshValueError
from torsh_core.shape import normalize_dim

from .._tensor import Tensor, _wrap, needs_grad
from ._graph import record
from ._names import scalar_type
from .reduce import values_indices

__all__ = """
sort argsort msort topk kthvalue median nanmedian mode unique unique_consecutive searchsorted bucketize histc bincount
""".split()


def _dim(arr, dim):
    return normalize_dim(dim, arr.ndim) if arr.ndim else 0


def _selected(input, vals, idx, d, keepdim, name):
    """(values, indices) picked from ``input`` at ``idx`` along ``d``; the gradient goes back to those elements.

    ``idx`` keeps ``d`` (as take_along_axis gives it); ``keepdim`` False squeezes it from both results.
    """
    squeeze = not keepdim and input._data.ndim
    values = _wrap(np.asarray(vals.squeeze(d) if squeeze else vals, order="C"))
    indices = _wrap(np.asarray((idx.squeeze(d) if squeeze else idx).astype(np.int64), order="C"))
    if needs_grad(input):
        node = record(values, _selected_backward, (input,), name)
        node.d, node.squeezed = d, squeeze
        node.indices = _wrap(idx.astype(np.int64))
    return values_indices(values, indices)


def _selected_backward(node, g):
    shape = node.in_meta[0][1]
    if not shape:
        return g.reshape(())
    if node.squeezed:
        g = g.unsqueeze(node.d)
    return g.new_zeros(shape).scatter_add(node.d, node.indices, g)


def _order(arr, d, descending):
    """Stable argsort along ``d`` in PyTorch's order: NaN counts as the largest value."""
    if arr.dtype == np.bool_:
        arr = arr.astype(np.int8)
    if descending:
        if arr.dtype.kind in "fV":
            keys = np.where(np.isnan(arr), -np.inf, -arr.astype(np.float64))
            return np.argsort(keys, axis=d, kind="stable")
        keys = -arr.astype(np.int64) if arr.dtype.kind in "iu" else -arr
        return np.argsort(keys, axis=d, kind="stable")
    return np.argsort(arr, axis=d, kind="stable")


def sort(input, dim=-1, descending=False, stable=False):
    arr = input._data
    if arr.ndim == 0:
        return _selected(input, arr.copy(), np.zeros((), np.int64), 0, True, "SortBackward0")
    d = _dim(arr, dim)
    idx = _order(arr, d, descending)
    return _selected(input, np.take_along_axis(arr, idx, d), idx, d, True, "SortBackward0")


def argsort(input, dim=-1, descending=False, *, stable=False):
    return sort(input, dim, descending, stable).indices


def msort(input):
    return sort(input, 0).values


def topk(input, k, dim=-1, largest=True, sorted=True):  # noqa: A002
    arr = input._data
    d = _dim(arr, dim)
    n = arr.shape[d] if arr.ndim else 1
    if not 0 <= k <= n:
        raise TorshRuntimeError(f"selected index k out of range (k = {k}, dimension {d} has size {n})")
    if arr.ndim == 0:
        return _selected(input, arr.copy(), np.zeros((), np.int64), 0, True, "TopkBackward0")
    idx = np.take(_order(arr, d, largest), np.arange(k), axis=d)
    return _selected(input, np.take_along_axis(arr, idx, d), idx, d, True, "TopkBackward0")


def kthvalue(input, k, dim=-1, keepdim=False):
    """The k-th smallest value along ``dim`` and its index."""
    arr = input._data
    d = _dim(arr, dim)
    n = arr.shape[d] if arr.ndim else 1
    if not 1 <= k <= n:
        raise TorshRuntimeError(f"kthvalue(): selected number k out of range for dimension {d}")
    if arr.ndim == 0:
        return _selected(input, arr.copy(), np.zeros((), np.int64), 0, True, "KthvalueBackward0")
    idx = np.take(_order(arr, d, False), [k - 1], axis=d)
    return _selected(input, np.take_along_axis(arr, idx, d), idx, d, keepdim, "KthvalueBackward0")


def median(input, dim=None, keepdim=False):
    """The lower median (PyTorch's definition), NaN if any value is NaN; with ``dim``, values and indices."""
    return _median(input, dim, keepdim, ignore_nan=False)


def nanmedian(input, dim=None, keepdim=False):
    """The lower median of the values that are not NaN."""
    return _median(input, dim, keepdim, ignore_nan=True)


def _median(input, dim, keepdim, ignore_nan):
    arr = input._data
    name = "NanmedianBackward0" if ignore_nan else "MedianBackward0"
    if dim is None:
        flat = arr.reshape(-1)
        if flat.size == 0:
            return input.new_full((), float("nan"))
        pos = _median_positions(flat[:, None], 0, ignore_nan)
        value = _wrap(np.take_along_axis(flat[:, None], pos, 0).reshape(()))
        if needs_grad(input):
            node = record(value, _median_all_backward, (input,), name)
            node.save_for_backward(input)
            node.value = value
        return value
    d = _dim(arr, dim)
    if arr.ndim == 0:
        return _selected(input, arr.copy(), np.zeros((), np.int64), 0, True, name)
    if arr.shape[d] == 0:
        raise TorshRuntimeError(f"median() cannot compute median for an empty dimension {d}")
    pos = _median_positions(arr, d, ignore_nan)
    return _selected(input, np.take_along_axis(arr, pos, d), pos, d, keepdim, name)


def _median_positions(arr, d, ignore_nan):
    """Index (keeping ``d``) of the lower median along ``d``; a NaN's index when NaN wins."""
    order = _order(arr, d, False)
    n = arr.shape[d]
    nan = np.isnan(arr) if arr.dtype.kind in "fV" else np.zeros(arr.shape, bool)
    count = (n - nan.sum(axis=d, keepdims=True)) if ignore_nan else np.full_like(nan.sum(axis=d, keepdims=True), n)
    rank = np.maximum((count - 1) // 2, 0)
    pos = np.take_along_axis(order, rank, d)
    if not ignore_nan:
        has_nan = nan.any(axis=d, keepdims=True)
        pos = np.where(has_nan, np.argmax(nan, axis=d, keepdims=True), pos)
    return pos


def _median_all_backward(node, g):
    """Elements equal to the median share the gradient evenly."""
    (x,) = node.saved_tensors
    mask = (x == node.value).to(g.dtype)
    return g * mask / mask.sum()


def mode(input, dim=-1, keepdim=False):
    """The most frequent value along ``dim`` (the smallest on ties) and the index of its last occurrence."""
    arr = input._cpu_array()
    d = _dim(arr, dim)
    moved = np.moveaxis(arr, d, -1) if arr.ndim else arr.reshape(1)
    rows = moved.reshape(-1, moved.shape[-1])
    idx = np.empty(rows.shape[0], np.int64)
    for i, row in enumerate(rows):
        u, counts = np.unique(row, return_counts=True)
        idx[i] = np.nonzero(row == u[np.argmax(counts)])[0][-1]
    if not arr.ndim:
        return _selected(input, arr.copy(), np.zeros((), np.int64), 0, True, "ModeBackward0")
    pos = np.expand_dims(idx.reshape(moved.shape[:-1]), d)
    return _selected(input, np.take_along_axis(arr, pos, d), pos, d, keepdim, "ModeBackward0")


def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):  # noqa: A002
    """Sorted distinct values (or slices along ``dim``), with inverse indices and counts on request."""
    arr = input._cpu_array()
    if dim is not None:
        dim = normalize_dim(dim, arr.ndim)
    res = np.unique(arr, return_inverse=True, return_counts=True, axis=dim)
    out = [_wrap(res[0])]
    if return_inverse:
        out.append(_wrap(res[1].reshape(arr.shape if dim is None else -1).astype(np.int64)))
    if return_counts:
        out.append(_wrap(res[2].astype(np.int64)))
    return out[0] if len(out) == 1 else tuple(out)


def unique_consecutive(input, return_inverse=False, return_counts=False, dim=None):
    """Collapse runs of equal consecutive values (or slices along ``dim``)."""
    arr = input._cpu_array()
    if dim is None:
        rows, shape = arr.reshape(-1, 1), (-1,)
    else:
        d = normalize_dim(dim, arr.ndim)
        moved = np.moveaxis(arr, d, 0)
        rows, shape = moved.reshape(moved.shape[0], -1), None
    keep = np.ones(rows.shape[0], bool)
    keep[1:] = (rows[1:] != rows[:-1]).any(axis=1)
    values = arr.reshape(-1)[keep] if dim is None else np.moveaxis(np.moveaxis(arr, d, 0)[keep], 0, d)
    out = [_wrap(np.asarray(values, order="C"))]
    if return_inverse:
        inv = np.cumsum(keep) - 1
        out.append(_wrap(inv.reshape(arr.shape if shape is not None else -1).astype(np.int64)))
    if return_counts:
        starts = np.nonzero(keep)[0]
        out.append(_wrap(np.diff(np.append(starts, rows.shape[0])).astype(np.int64)))
    return out[0] if len(out) == 1 else tuple(out)


def searchsorted(sorted_sequence, input, *, out_int32=False, right=False, side=None, sorter=None):
    """Insertion points of ``input`` in the last dim of ``sorted_sequence`` (left, or right with right=True)."""
    if side is not None and side not in ("left", "right"):
        raise TorshValueError(f"side can only be 'left' or 'right' but got {side}")
    if side == "left" and right:
        raise TorshRuntimeError("torch.searchsorted(): side and right can't be set to opposites, got side of left "
                                "while right was True")
    side = side or ("right" if right else "left")
    seq = sorted_sequence._data
    if sorter is not None:
        seq = np.take_along_axis(seq, sorter._data, -1)
    vals = input._data if isinstance(input, Tensor) else np.asarray(input)
    if seq.ndim <= 1:
        res = np.searchsorted(seq, vals, side=side)
    else:
        if seq.shape[:-1] != vals.shape[:-1]:
            raise TorshRuntimeError(
                f"torch.searchsorted(): boundaries tensor should be 1 dimension or the first N-1 dimensions of "
                f"boundaries tensor and input value tensor must match, but we got boundaries tensor "
                f"{list(seq.shape)} and input value tensor {list(vals.shape)}")
        fs, fv = seq.reshape(-1, seq.shape[-1]), vals.reshape(-1, vals.shape[-1])
        res = np.stack([np.searchsorted(a, v, side=side) for a, v in zip(fs, fv)]).reshape(vals.shape)
    return _wrap(np.asarray(res, dtype=np.int32 if out_int32 else np.int64))


def bucketize(input, boundaries, *, out_int32=False, right=False):
    if boundaries.ndim != 1:
        raise TorshRuntimeError(f"boundaries tensor must be 1 dimension, but got dim({boundaries.ndim})")
    return searchsorted(boundaries, input, out_int32=out_int32, right=right)


def histc(input, bins=100, min=0, max=0):  # noqa: A002
    """Histogram with ``bins`` equal bins over [min, max] (the data's range when both are 0)."""
    if not input.is_floating_point():
        raise TorshNotImplementedError(f"\"histogram_cpu\" not implemented for '{scalar_type(input.dtype)}'")
    arr = input._cpu_array()
    lo, hi = (min, max) if (min, max) != (0, 0) or arr.size == 0 else (arr.min().item(), arr.max().item())
    if lo > hi:
        raise TorshRuntimeError("torch.histc: max must be larger than min")
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    h, _ = np.histogram(arr, bins=bins, range=(lo, hi))
    return _wrap(h.astype(arr.dtype))


def bincount(input, weights=None, minlength=0):
    arr = input._cpu_array()
    if arr.dtype.kind not in "biu":
        raise TorshNotImplementedError(f"\"bincount_cpu\" not implemented for '{scalar_type(input.dtype)}'")
    if arr.ndim != 1 or (arr.size and arr.min() < 0):
        raise TorshRuntimeError("bincount only supports 1-d non-negative integral inputs.")
    w = weights._cpu_array() if weights is not None else None
    res = np.bincount(arr, weights=w, minlength=minlength)
    if w is None:
        return _wrap(res.astype(np.int64))
    return _wrap(res.astype(w.dtype if w.dtype.kind == "f" else np.float64))
