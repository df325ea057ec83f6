"""Ordering: sort, argsort, topk, kthvalue, median, mode, unique, searchsorted, bucketize."""

import numpy as np
from torsh_core.errors import TorshRuntimeError
from torsh_core.shape import normalize_dim

from .._tensor import Tensor, _wrap, needs_grad, record
from .reduce import values_indices


def _index_result(input, vals, idx, d, name):
    """values (differentiable: gathered from input) and int64 indices."""
    values = _wrap(np.ascontiguousarray(vals))
    indices = _wrap(np.ascontiguousarray(idx).astype(np.int64))
    if needs_grad(input):
        node = record(values, _gather_like_backward, (input,), name)
        node.d, node.indices, node.in_shape = d, indices, input._data.shape
    return values_indices(values, indices)


def _gather_like_backward(node, g):
    from ..creation import zeros

    if not node.in_shape:
        return g.reshape(())
    return zeros(node.in_shape, dtype=g.dtype, device=g.device).scatter_add(node.d, node.indices, g)


def _sort_keys(arr, descending):
    """Keys whose ascending stable order is PyTorch's order (NaN counts as the largest)."""
    if arr.dtype == np.bool_:
        arr = arr.astype(np.int8)
    if descending:
        if arr.dtype.kind == "f":
            return np.where(np.isnan(arr), -np.inf, -arr)
        if arr.dtype.kind == "u":
            return -(arr.astype(np.int64))
        return -arr.astype(np.int64) if arr.dtype.kind in "i" else -arr
    return arr


def sort(input, dim=-1, descending=False, stable=False):
    arr = input._data
    if arr.ndim == 0:
        return _index_result(input, arr.copy(), np.zeros((), np.int64), 0, "SortBackward0")
    d = normalize_dim(dim, arr.ndim)
    keys = _sort_keys(arr, descending)
    if descending and arr.dtype.kind == "f":
        nan_first = np.isnan(arr)
        idx = np.argsort(np.where(nan_first, -np.inf, keys), axis=d, kind="stable")
    else:
        idx = np.argsort(keys, axis=d, kind="stable")
    vals = np.take_along_axis(arr, idx, d)
    return _index_result(input, vals, idx, d, "SortBackward0")


def argsort(input, dim=-1, descending=False, stable=False):
    return sort(input, dim, descending, stable).indices


def msort(input):
    return sort(input, 0).values


def topk(input, k, dim=-1, largest=True, sorted=True):  # noqa: A002
    arr = input._data
    d = normalize_dim(dim, arr.ndim) if arr.ndim else 0
    n = arr.shape[d] if arr.ndim else 1
    if k < 0 or k > n:
        raise TorshRuntimeError(f"selected index k out of range")
    s = sort(input.detach(), d, descending=largest)
    idx = s.indices._data
    idx = idx[(slice(None),) * d + (slice(0, k),)] if arr.ndim else idx
    vals = np.take_along_axis(arr, idx, d) if arr.ndim else arr.copy()
    return _index_result(input, vals, idx, d, "TopkBackward0")


def kthvalue(input, k, dim=-1, keepdim=False):
    arr = input._data
    d = normalize_dim(dim, arr.ndim) if arr.ndim else 0
    n = arr.shape[d] if arr.ndim else 1
    if not 1 <= k <= n:
        raise TorshRuntimeError(f"kthvalue(): selected number k out of range for dimension {d}")
    s = sort(input.detach(), d)
    idx = s.indices._data[(slice(None),) * d + (slice(k - 1, k),)] if arr.ndim else s.indices._data
    return _keep(input, idx, d, keepdim, "KthvalueBackward0")


def _keep(input, idx, d, keepdim, name):
    arr = input._data
    vals = np.take_along_axis(arr, idx, d) if arr.ndim else arr.copy()
    if not keepdim and arr.ndim:
        vals, idx = vals.squeeze(d), idx.squeeze(d)
    res = _index_result(input, vals, idx, d, name)
    if res.values.grad_fn is not None and not keepdim and arr.ndim:
        res.values.grad_fn.backward_fn = _squeezed_backward
    return res


def _squeezed_backward(node, g):
    from ..creation import zeros

    return zeros(node.in_shape, dtype=g.dtype, device=g.device).scatter_add(
        node.d, node.indices.unsqueeze(node.d), g.unsqueeze(node.d))


def median(input, dim=None, keepdim=False):
    """The lower median (PyTorch's definition); with ``dim``, values and indices."""
    arr = input._data
    if dim is None:
        flat = input.reshape(-1)
        if flat.numel() == 0:
            return input.new_full((), float("nan"))
        k = (flat.numel() - 1) // 2
        return flat.kthvalue(k + 1, 0).values
    d = normalize_dim(dim, arr.ndim) if arr.ndim else 0
    n = arr.shape[d] if arr.ndim else 1
    return kthvalue(input, (n - 1) // 2 + 1, d, keepdim)


def nanmedian(input, dim=None, keepdim=False):
    if not input.isnan().any():
        return median(input, dim, keepdim)
    from torsh_core.errors import TorshNotImplementedError

    raise TorshNotImplementedError("nanmedian of tensors containing NaN is not supported by torsh yet")


def mode(input, dim=-1, keepdim=False):
    arr = input._cpu_array()
    d = normalize_dim(dim, arr.ndim) if arr.ndim else 0
    moved = np.moveaxis(arr, d, -1) if arr.ndim else arr.reshape(1)
    flat = moved.reshape(-1, moved.shape[-1])
    vals = np.empty(flat.shape[0], arr.dtype)
    idx = np.empty(flat.shape[0], np.int64)
    for i, row in enumerate(flat):
        u, counts = np.unique(row, return_counts=True)
        v = u[np.argmax(counts)]
        vals[i] = v
        idx[i] = np.nonzero(row == v)[0][-1]
    shape = moved.shape[:-1]
    vals, idx = vals.reshape(shape), idx.reshape(shape)
    if keepdim and arr.ndim:
        vals, idx = np.expand_dims(vals, d), np.expand_dims(idx, d)
    return values_indices(_wrap(np.asarray(vals)), _wrap(np.asarray(idx)))


def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):  # noqa: A002
    arr = input._cpu_array()
    res = np.unique(arr, return_inverse=return_inverse, return_counts=return_counts, axis=dim)
    if not isinstance(res, tuple):
        return _wrap(res)
    out = [_wrap(res[0])]
    k = 1
    if return_inverse:
        inv = res[k].reshape(arr.shape if dim is None else -1).astype(np.int64)
        out.append(_wrap(inv))
        k += 1
    if return_counts:
        out.append(_wrap(res[k].astype(np.int64)))
    return tuple(out)


def unique_consecutive(input, return_inverse=False, return_counts=False, dim=None):
    if dim is not None:
        from torsh_core.errors import TorshNotImplementedError

        raise TorshNotImplementedError("unique_consecutive(dim=...) is not supported by torsh yet")
    flat = input._cpu_array().reshape(-1)
    if flat.size == 0:
        keep = np.zeros(0, bool)
    else:
        keep = np.concatenate([[True], flat[1:] != flat[:-1]])
    out = [_wrap(flat[keep])]
    if return_inverse:
        out.append(_wrap((np.cumsum(keep) - 1).reshape(input.shape).astype(np.int64)))
    if return_counts:
        starts = np.nonzero(keep)[0]
        out.append(_wrap(np.diff(np.append(starts, flat.size)).astype(np.int64)))
    return out[0] if len(out) == 1 else tuple(out)


def searchsorted(sorted_sequence, input, *, out_int32=False, right=False, side=None, sorter=None):
    side = side or ("right" if right else "left")
    seq = sorted_sequence._data
    vals = input._data if isinstance(input, Tensor) else np.asarray(input)
    if seq.ndim == 1:
        res = np.searchsorted(seq, vals, side=side)
    else:
        if seq.shape[:-1] != vals.shape[:-1]:
            raise TorshRuntimeError("searchsorted(): boundaries and input leading dimensions must match")
        res = np.empty(vals.shape, np.int64)
        fs, fv, fr = seq.reshape(-1, seq.shape[-1]), vals.reshape(-1, vals.shape[-1]), res.reshape(-1, vals.shape[-1])
        for i in range(fs.shape[0]):
            fr[i] = np.searchsorted(fs[i], fv[i], side=side)
    return _wrap(np.asarray(res).astype(np.int32 if out_int32 else np.int64))


def bucketize(input, boundaries, *, out_int32=False, right=False):
    return searchsorted(boundaries, input, out_int32=out_int32, right=right)


def histc(input, bins=100, min=0, max=0):  # noqa: A002
    arr = input._cpu_array()
    lo, hi = (min, max) if (min, max) != (0, 0) else (arr.min(), arr.max())
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    h, _ = np.histogram(arr, bins=bins, range=(lo, hi))
    return _wrap(h.astype(arr.dtype))


def bincount(input, weights=None, minlength=0):
    arr = input._cpu_array()
    if arr.ndim != 1 or arr.dtype.kind not in "iu":
        raise TorshRuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if arr.size and arr.min() < 0:
        raise TorshRuntimeError("bincount only supports 1-d non-negative integral inputs.")
    w = weights._cpu_array() if weights is not None else None
    res = np.bincount(arr, weights=w, minlength=minlength)
    return _wrap(res.astype(np.int64) if w is None else res.astype(w.dtype if w.dtype.kind == "f" else np.float64))


