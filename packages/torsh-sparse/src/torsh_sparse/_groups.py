"""Entries grouped by equal index keys with the C sort: the core of coalesce, sums over dims and softmax."""

import math

import numpy as np
from torsh_backend import module_of
from torsh_backend import sparse as kernels
from torsh_core.errors import TorshNotImplementedError
from torsh_tensor._tensor import _wrap, needs_grad, record

INT64 = np.int64
_MAX_KEY = 2**62


def linearize(indices, sizes):
    """Row-major positions of the index columns ``indices`` (k, nnz) in a grid of ``sizes`` (k,)."""
    xp = module_of(indices)
    if math.prod(sizes) >= _MAX_KEY:
        raise TorshNotImplementedError(f"sparse dims of sizes {tuple(sizes)} have too many positions to number "
                                       "with int64 keys")
    key = xp.zeros(indices.shape[1], INT64)
    for i, size in enumerate(sizes):
        key = key * size + indices[i]
    return key


def row_col(indices, sizes):
    """``(row, col, nrows, ncols)``: the first sparse dim and the rest linearized, as a 2-D COO to sort."""
    xp = module_of(indices)
    nnz = indices.shape[1]
    if len(sizes) == 0:
        return xp.zeros(nnz, INT64), xp.zeros(nnz, INT64), 1, 1
    if len(sizes) == 1:
        return indices[0], xp.zeros(nnz, INT64), sizes[0], 1
    return indices[0], linearize(indices[1:], sizes[1:]), sizes[0], math.prod(sizes[1:])


class Groups:
    """Entries with equal keys, in sorted key order: ``perm`` sorts the entries, ``first`` is where each group
    starts in that order, ``owner[e]`` the group of entry e and ``rep[s]`` the first entry of group s."""

    def __init__(self, indices, sizes):
        row, col, nrows, ncols = row_col(indices, sizes)
        xp = module_of(row)
        if nrows > 2 * row.shape[0] + 1024:  # a huge first dim: number the rows that occur instead
            row = xp.unique(row, return_inverse=True)[1].reshape(-1).astype(INT64)
            nrows = int(row.max()) + 1 if row.shape[0] else 0
        indptr, self.perm = kernels.coo_sort(row, col, nrows, ncols)
        _, seg, self.first = kernels.csr_dedup(indptr, col[self.perm])
        self.count = self.first.shape[0]
        self.owner = xp.empty_like(seg)
        self.owner[self.perm] = seg
        self.rep = self.perm[self.first]

    def sum(self, vals):
        """Per-group sums of ``vals`` (nnz, ...) -> (count, ...), differentiable."""
        return segment_sum(vals, self)

    def max(self, arr):
        """Per-group maxima of an array (no gradient: used to shift softmax)."""
        if self.count == 0:
            return arr[:0]
        if type(arr) is np.ndarray:
            return np.maximum.reduceat(arr[self.perm], self.first, axis=0)
        xp = module_of(arr)
        out = xp.full((self.count, *arr.shape[1:]), -xp.inf, arr.dtype)
        import cupyx

        cupyx.scatter_max(out, self.owner, arr)
        return out


def segment_sum(vals, groups):
    """``out[s] = sum of vals[e] with owner[e] == s``; its backward hands each entry its group's gradient."""
    arr = vals._data
    xp = module_of(arr)
    if groups.count == 0:
        out = xp.zeros((0, *arr.shape[1:]), arr.dtype)
    elif xp is np:
        out = np.add.reduceat(arr[groups.perm], groups.first, axis=0, dtype=arr.dtype)
    else:
        import cupyx

        out = xp.zeros((groups.count, *arr.shape[1:]), arr.dtype)
        cupyx.scatter_add(out, groups.owner, arr)
    out = _wrap(out)
    if needs_grad(vals):
        node = record(out, _segment_sum_backward, (vals,), "CoalesceBackward0")
        node.owner = _wrap(groups.owner)
    return out


def _segment_sum_backward(node, g):
    return g.index_select(0, node.owner)
