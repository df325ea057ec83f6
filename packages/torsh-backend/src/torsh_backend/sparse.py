"""Sparse-matrix kernels on int64 CSR/COO index arrays: C (OpenMP) on CPU, cupyx.scipy.sparse on CUDA.

Every argument is checked here before a pointer reaches C: index dtype int64, lengths, an indptr that starts
at 0, never decreases and ends at nnz, and every index inside its bound. Values of other dtypes than
float32/float64 take the NumPy path, which is also the reference the C kernels are tested against.
"""

import numpy as np
from torsh_core.errors import DeviceError, DTypeError, ShapeError, TorshIndexError, TorshTypeError, TorshValueError

from . import _cdata
from ._checks import FAST_DTYPES, require_arrays
from ._native import ffi, lib
from .dispatch import module_of

INDEX_DTYPE = np.dtype(np.int64)


# -- argument checks ------------------------------------------------------------------------------------------
def _index(op, name, x, length=None):
    """``x`` as a contiguous 1-D int64 array (a copy only when it is strided) of ``length`` entries."""
    module_of(x)  # TypeError for anything but a NumPy or CuPy array
    if x.dtype != INDEX_DTYPE:
        raise DTypeError(f"{op}(): '{name}' must have dtype int64, got {x.dtype}")
    if x.ndim != 1:
        raise ShapeError(f"{op}(): '{name}' must be 1-D, got shape {tuple(x.shape)}")
    if length is not None and x.shape[0] != length:
        raise ShapeError(f"{op}(): '{name}' must have {length} entries, got {x.shape[0]}")
    return _contiguous(x)


def _in_range(op, name, x, bound):
    """Every entry of ``x`` lies in [0, bound)."""
    if x.size == 0:
        return
    low, high = int(x.min()), int(x.max())
    if low < 0:
        raise TorshIndexError(f"{op}(): '{name}' has a negative entry {low}")
    if high >= bound:
        raise TorshIndexError(f"{op}(): '{name}' has entry {high}, out of range for size {bound}")


def _indptr(op, indptr, nnz):
    """A valid CSR row pointer for ``nnz`` entries: starts at 0, never decreases, ends at nnz."""
    indptr = _index(op, "indptr", indptr)
    if indptr.shape[0] < 1:
        raise ShapeError(f"{op}(): 'indptr' must have at least one entry (rows + 1)")
    if int(indptr[0]) != 0 or int(indptr[-1]) != nnz:
        raise TorshValueError(
            f"{op}(): 'indptr' must start at 0 and end at nnz={nnz}, got {int(indptr[0])} and {int(indptr[-1])}"
        )
    if indptr.shape[0] > 1 and bool((indptr[1:] < indptr[:-1]).any()):
        raise TorshValueError(f"{op}(): 'indptr' must be non-decreasing")
    return indptr


def _values(op, **arrays):
    """The value operands share a numeric dtype; returns it."""
    xp = None
    for name, x in arrays.items():
        mod = module_of(x)
        if xp is not None and mod is not xp:
            raise DeviceError(f"{op}(): all arrays must be on one device, but '{name}' is not")
        xp = mod
    if xp is np:
        dtype = require_arrays(op, **arrays)
    else:
        dtype = next(iter(arrays.values())).dtype
        for name, x in arrays.items():
            if x.dtype != dtype:
                raise DTypeError(f"{op}(): '{name}' has dtype {x.dtype}, expected {dtype}")
    if dtype.kind not in "iufc" and dtype.name != "bfloat16":
        raise TorshTypeError(f"{op}(): not supported for dtype {dtype}")
    return dtype


def _fast(dtype, *arrays):
    """The C kernels apply: a float32/float64 dtype and NumPy arrays."""
    return dtype in FAST_DTYPES and all(type(a) is np.ndarray for a in arrays)


def _contiguous(x):
    """``x`` C-contiguous and aligned (a copy only when it is not), ready to hand to C or cupyx."""
    if type(x) is np.ndarray:
        return np.require(x, requirements=("C_CONTIGUOUS", "ALIGNED"))
    return module_of(x).ascontiguousarray(x)


def _ptr(x):
    return ffi.from_buffer("int64_t[]", x)


# -- CSR times dense ------------------------------------------------------------------------------------------
def csr_spmm(indptr, indices, data, dense):
    """``A @ dense`` for A in CSR with ``len(indptr) - 1`` rows and ``dense.shape[0]`` columns."""
    op = "csr_spmm"
    dtype = _values(op, data=data, dense=dense)
    if data.ndim != 1:
        raise ShapeError(f"{op}(): 'data' must be 1-D, got shape {tuple(data.shape)}")
    if dense.ndim != 2:
        raise ShapeError(f"{op}(): 'dense' must be 2-D, got shape {tuple(dense.shape)}")
    nnz = data.shape[0]
    indices = _index(op, "indices", indices, nnz)
    indptr = _indptr(op, indptr, nnz)
    _in_range(op, "indices", indices, dense.shape[0])
    rows, k = indptr.shape[0] - 1, dense.shape[1]
    if type(data) is not np.ndarray:
        return _cuda_csr(indptr, indices, data, dense.shape[0]) @ dense
    if not _fast(dtype, data, dense):
        return _spmm_numpy(indptr, indices, data, dense)
    data, dense = _contiguous(data), _contiguous(dense)
    out = np.empty((rows, k), dtype)
    if out.size:
        _cdata.kernel("csr_spmm", dtype)(_ptr(indptr), _ptr(indices), _cdata.src(data), rows, _cdata.src(dense), k,
                                         _cdata.dst(out))
    return out


def csr_spmv(indptr, indices, data, x):
    """``A @ x`` for A in CSR and a vector ``x`` of ``A``'s column count."""
    op = "csr_spmv"
    dtype = _values(op, data=data, x=x)
    if data.ndim != 1 or x.ndim != 1:
        raise ShapeError(f"{op}(): 'data' and 'x' must be 1-D, got shapes {tuple(data.shape)}, {tuple(x.shape)}")
    nnz = data.shape[0]
    indices = _index(op, "indices", indices, nnz)
    indptr = _indptr(op, indptr, nnz)
    _in_range(op, "indices", indices, x.shape[0])
    rows = indptr.shape[0] - 1
    if type(data) is not np.ndarray:
        return _cuda_csr(indptr, indices, data, x.shape[0]) @ x
    if not _fast(dtype, data, x):
        return _spmm_numpy(indptr, indices, data, x[:, None])[:, 0]
    data, x = _contiguous(data), _contiguous(x)
    out = np.empty(rows, dtype)
    if rows:
        _cdata.kernel("csr_spmv", dtype)(_ptr(indptr), _ptr(indices), _cdata.src(data), rows, _cdata.src(x),
                                         _cdata.dst(out))
    return out


def _spmm_numpy(indptr, indices, data, dense):
    """The NumPy reference: per-row sums of ``data[j] * dense[indices[j]]`` with ``add.reduceat``."""
    dtype = np.result_type(data, dense)
    out = np.zeros((indptr.shape[0] - 1, dense.shape[1]), dtype)
    if data.shape[0] == 0 or dense.shape[1] == 0:
        return out
    products = data[:, None].astype(dtype, copy=False) * dense[indices]
    starts = indptr[:-1]
    nonempty = starts < indptr[1:]
    out[nonempty] = np.add.reduceat(products, starts[nonempty], axis=0)
    return out


def sampled_dot(row, col, a, b):
    """``out[e] = a[row[e]] . b[col[e]]``: ``a @ b.T`` at the given positions (SDDMM); vectors are 1-column."""
    op = "sampled_dot"
    dtype = _values(op, a=a, b=b)
    if a.ndim != b.ndim or a.ndim not in (1, 2) or (a.ndim == 2 and a.shape[1] != b.shape[1]):
        raise ShapeError(f"{op}(): 'a' and 'b' must be vectors or matrices with equal column counts, got "
                         f"shapes {tuple(a.shape)} and {tuple(b.shape)}")
    row = _index(op, "row", row)
    col = _index(op, "col", col, row.shape[0])
    _in_range(op, "row", row, a.shape[0])
    _in_range(op, "col", col, b.shape[0])
    if a.ndim == 1:
        a, b = a[:, None], b[:, None]
    if not _fast(dtype, a, b):
        return (a[row] * b[col]).sum(axis=1)
    a, b = _contiguous(a), _contiguous(b)
    out = np.empty(row.shape[0], dtype)
    if out.size:
        _cdata.kernel("sampled_dot", dtype)(_ptr(row), _ptr(col), row.shape[0], _cdata.src(a), _cdata.src(b),
                                            a.shape[1], _cdata.dst(out))
    return out


# -- structure: COO -> CSR and coalesce -----------------------------------------------------------------------
def coo_sort(row, col, nrows, ncols):
    """``(indptr, perm)``: the stable order of COO entries by (row, col), and the CSR row pointer of that order."""
    op = "coo_sort"
    row = _index(op, "row", row)
    col = _index(op, "col", col, row.shape[0])
    if nrows < 0 or ncols < 0:
        raise TorshValueError(f"{op}(): shape ({nrows}, {ncols}) must not be negative")
    _in_range(op, "row", row, nrows)
    _in_range(op, "col", col, ncols)
    if type(row) is not np.ndarray:
        return _cuda_coo_sort(row, col, nrows)
    nnz = row.shape[0]
    indptr = np.empty(nrows + 1, INDEX_DTYPE)
    perm = np.empty(nnz, INDEX_DTYPE)
    if lib.tb_coo_sort(_ptr(row), _ptr(col), nnz, nrows, _ptr(indptr), _ptr(perm)) != 0:
        raise MemoryError(f"{op}(): out of memory sorting a row of {nnz} entries")
    return indptr, perm


def csr_dedup(indptr, col):
    """``(new_indptr, seg, first)`` for a CSR whose columns are sorted within rows: entry j adds into distinct
    entry ``seg[j]``; ``first[s]`` is where distinct entry s starts."""
    op = "csr_dedup"
    col = _index(op, "col", col)
    nnz = col.shape[0]
    indptr = _indptr(op, indptr, nnz)
    rows = indptr.shape[0] - 1
    if nnz > 1:
        starts = module_of(col).zeros(nnz, bool)
        starts[indptr[:-1][indptr[:-1] < indptr[1:]]] = True
        if bool((~starts[1:] & (col[1:] < col[:-1])).any()):
            raise TorshValueError(f"{op}(): 'col' must be sorted within each row")
    if type(col) is not np.ndarray:
        return _cuda_dedup(indptr, col)
    seg = np.empty(nnz, INDEX_DTYPE)
    first = np.empty(nnz, INDEX_DTYPE)
    new_indptr = np.empty(rows + 1, INDEX_DTYPE)
    distinct = lib.tb_csr_dedup(_ptr(indptr), _ptr(col), rows, _ptr(seg), _ptr(first), _ptr(new_indptr))
    return new_indptr, seg, first[:distinct].copy()


# -- CUDA: cupyx.scipy.sparse ---------------------------------------------------------------------------------
def _cuda_csr(indptr, indices, data, ncols):
    """A cupyx CSR matrix over the same device arrays (no copy)."""
    import cupyx.scipy.sparse as cusparse

    return cusparse.csr_matrix((data, indices, indptr), shape=(indptr.shape[0] - 1, ncols), copy=False)


def _cuda_coo_sort(row, col, nrows):
    import cupy

    perm = cupy.lexsort(cupy.stack([col, row])).astype(INDEX_DTYPE)
    indptr = cupy.zeros(nrows + 1, INDEX_DTYPE)
    indptr[1:] = cupy.cumsum(cupy.bincount(row, minlength=nrows))
    return indptr, perm


def _cuda_dedup(indptr, col):
    import cupy

    nnz = col.shape[0]
    starts = cupy.zeros(nnz, bool)
    if nnz:
        starts[0] = True
        starts[1:] = col[1:] != col[:-1]
        starts[indptr[:-1][indptr[:-1] < nnz]] = True
    seg = cupy.cumsum(starts) - 1
    first = cupy.flatnonzero(starts)
    rows = indptr.shape[0] - 1
    row_of_first = cupy.searchsorted(indptr, first, side="right") - 1
    new_indptr = cupy.zeros(rows + 1, INDEX_DTYPE)
    new_indptr[1:] = cupy.cumsum(cupy.bincount(row_of_first, minlength=rows))
    return new_indptr, seg.astype(INDEX_DTYPE), first.astype(INDEX_DTYPE)
