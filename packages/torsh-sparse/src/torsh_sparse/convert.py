"""Layout moves: dense <-> COO/CSR/CSC and between the sparse formats. Values keep their autograd history."""

import math

import numpy as np
from torsh_backend import module_of
from torsh_backend import sparse as kernels
from torsh_core.errors import ShapeError, TorshNotImplementedError, TorshRuntimeError
from torsh_tensor import zeros
from torsh_tensor._tensor import _wrap

from ._groups import linearize
from ._tensor import SparseTensor, make_compressed, make_coo, with_values
from .coalesce import coalesce
from .layouts import sparse_coo, sparse_csc, sparse_csr

INT64 = np.int64


# -- indices of entries ---------------------------------------------------------------------------------------
def expand_compressed(sp):
    """The compressed-axis index of every entry of a CSR/CSC tensor (its row for CSR, its column for CSC)."""
    c = sp._compressed
    xp = module_of(c)
    if xp is np:
        return np.repeat(np.arange(c.shape[0] - 1, dtype=INT64), c[1:] - c[:-1])
    return (xp.searchsorted(c, xp.arange(sp._plain.shape[0]), side="right") - 1).astype(INT64)


def entry_indices(sp):
    """(sparse_dim, nnz) COO indices of ``sp``'s entries, in its own entry order."""
    if sp._layout is sparse_coo:
        return sp._indices_arr
    major = expand_compressed(sp)
    xp = module_of(major)
    return xp.stack([major, sp._plain]) if sp._layout is sparse_csr else xp.stack([sp._plain, major])


def _entry_keys(sp):
    sizes = sp._shape[:sp.sparse_dim()]
    return _wrap(linearize(entry_indices(sp), sizes)), sizes


def values_at(dense, sp):
    """``dense``'s values (nnz, *dense_dims) at ``sp``'s entries, differentiable in ``dense``."""
    keys, sizes = _entry_keys(sp)
    return dense.reshape(math.prod(sizes), *dense.shape[len(sizes):]).index_select(0, keys)


# -- to dense -------------------------------------------------------------------------------------------------
def to_dense(input, dtype=None, *, masked_grad=None):
    """The dense (strided) tensor; repeated indices add up. A dense input is returned as is."""
    if not isinstance(input, SparseTensor):
        return input if dtype is None else input.to(dtype)
    vals = input._vals if dtype is None else input._vals.to(dtype)
    keys, sizes = _entry_keys(input)
    flat = zeros((math.prod(sizes), *vals.shape[1:]), dtype=vals.dtype, device=vals.device)
    return flat.index_add(0, keys, vals).reshape(input._shape)


# -- dense -> sparse ------------------------------------------------------------------------------------------
def dense_to_coo(x, sparse_dim=None):
    """A coalesced COO tensor of the nonzeros of ``x``; the last ``ndim - sparse_dim`` dims stay dense."""
    sd = x.ndim if sparse_dim is None else int(sparse_dim)
    if not 0 <= sd <= x.ndim:
        raise TorshRuntimeError(f"sparse_dim must be in [0, {x.ndim}] for a tensor of {x.ndim} dims, got {sd}")
    arr = x._data
    xp = module_of(arr)
    mask = arr != 0
    if sd < x.ndim:
        mask = mask.any(axis=tuple(range(sd, x.ndim)))
    idx = xp.stack(xp.nonzero(mask)).astype(INT64) if sd else xp.zeros((0, int(bool(mask))), INT64)
    sizes = tuple(x.shape[:sd])
    vals = x.reshape(math.prod(sizes), *x.shape[sd:]).index_select(0, _wrap(linearize(idx, sizes)))
    return make_coo(idx, vals, tuple(x.shape), coalesced=True)


# -- between sparse layouts -----------------------------------------------------------------------------------
def _row_pointer(row, n):
    """The CSR row pointer of sorted row indices."""
    xp = module_of(row)
    ptr = xp.zeros(n + 1, INT64)
    if row.shape[0]:
        xp.cumsum(xp.bincount(row, minlength=n), out=ptr[1:])
    return ptr


def coo_to_compressed(sp, layout):
    """CSR or CSC from a 2-sparse-dim COO tensor (coalesced first, as PyTorch does)."""
    if sp.sparse_dim() != 2:
        raise TorshNotImplementedError(f"converting a COO tensor with {sp.sparse_dim()} sparse dims to {layout}: "
                                       "only 2 sparse dims are supported (no batched compressed tensors)")
    c = coalesce(sp)
    row, col = c._indices_arr
    nrows, ncols = c._shape[:2]
    if layout is sparse_csr:
        return make_compressed(sparse_csr, _row_pointer(row, nrows), col, c._vals, c._shape)
    indptr, perm = kernels.coo_sort(col, row, ncols, nrows)
    return make_compressed(sparse_csc, indptr, row[perm], c._vals.index_select(0, _wrap(perm)), c._shape)


def flip_compression(sp):
    """CSR -> CSC or CSC -> CSR: the entries re-sorted along the other axis."""
    major = expand_compressed(sp)
    csr = sp._layout is sparse_csr
    n_major, n_minor = (sp._shape[0], sp._shape[1]) if csr else (sp._shape[1], sp._shape[0])
    indptr, perm = kernels.coo_sort(sp._plain, major, n_minor, n_major)
    return make_compressed(sparse_csc if csr else sparse_csr, indptr, major[perm],
                           sp._vals.index_select(0, _wrap(perm)), sp._shape)


def compressed_to_coo(sp):
    """COO in row-major order; coalesced when no row repeats a column."""
    if sp._layout is sparse_csc:
        sp = flip_compression(sp)
    row, col = expand_compressed(sp), sp._plain
    xp = module_of(row)
    coalesced = not bool(((row[1:] == row[:-1]) & (col[1:] <= col[:-1])).any())
    return make_coo(xp.stack([row, col]), sp._vals, sp._shape, coalesced=coalesced)


# -- Tensor.to_sparse* ----------------------------------------------------------------------------------------
def to_sparse(input, sparse_dim=None, *, layout=None, blocksize=None, dense_dim=None):
    """COO by default (``sparse_dim`` leading dims sparse), or the ``layout`` asked for."""
    if blocksize is not None or layout not in (None, sparse_coo, sparse_csr, sparse_csc):
        raise TorshNotImplementedError(f"to_sparse(layout={layout!r}, blocksize={blocksize!r}): block layouts "
                                       "(BSR/BSC) are not supported by torsh")
    if layout is sparse_csr:
        return to_sparse_csr(input, dense_dim)
    if layout is sparse_csc:
        return to_sparse_csc(input, dense_dim)
    if isinstance(input, SparseTensor):
        if sparse_dim is not None and sparse_dim != input.sparse_dim():
            raise TorshRuntimeError(f"to_sparse: conversion from Sparse to Sparse with sparse_dim argument "
                                    f"({sparse_dim}) != self.sparse_dim() ({input.sparse_dim()}) is not supported")
        return input if input._layout is sparse_coo else compressed_to_coo(input)
    if dense_dim is not None:
        sparse_dim = input.ndim - dense_dim
    return dense_to_coo(input, sparse_dim)


def to_sparse_coo(input):
    return to_sparse(input)


def to_sparse_csr(input, dense_dim=None):
    return _to_compressed(input, sparse_csr, dense_dim)


def to_sparse_csc(input, dense_dim=None):
    return _to_compressed(input, sparse_csc, dense_dim)


def _to_compressed(input, layout, dense_dim):
    if isinstance(input, SparseTensor):
        if input._layout is layout:
            return input
        if input._layout is sparse_coo:
            return coo_to_compressed(input, layout)
        return flip_compression(input)
    sparse_dims = input.ndim - (dense_dim or 0)
    if sparse_dims < 2:
        raise TorshRuntimeError(f"to_{layout.name}: expected a tensor with at least 2 sparse dims, got {input.ndim} "
                                f"dims with dense_dim={dense_dim}")
    if sparse_dims > 2:
        raise TorshNotImplementedError(f"to_{layout.name}: batched compressed tensors ({sparse_dims} sparse dims) "
                                       "are not supported by torsh")
    return coo_to_compressed(dense_to_coo(input, 2), layout)


def to_layout(sp, layout):
    """``sp`` in ``layout`` (COO, CSR or CSC)."""
    return to_sparse(sp, layout=None if layout is sparse_coo else layout)


def sparse_mask(input, mask):
    """``input``'s values at the indices of the sparse ``mask``, in ``mask``'s layout."""
    if not isinstance(mask, SparseTensor):
        raise TorshRuntimeError("sparse_mask: mask must be a sparse tensor")
    if tuple(input.shape) != mask._shape:
        raise ShapeError(f"sparse_mask(): operands have incompatible sizes; self has size {list(input.shape)} but "
                         f"mask has size {list(mask._shape)}")
    dense = to_dense(input)
    if mask._layout is sparse_coo:
        mask = coalesce(mask)
    return with_values(mask, values_at(dense, mask))
