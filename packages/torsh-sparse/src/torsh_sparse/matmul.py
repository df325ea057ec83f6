"""Sparse products: torch.sparse.mm / addmm, ``@`` with dense matrices and vectors on either side (spmm, spmv),
and sparse @ sparse (spgemm). Gradients reach the dense operand and the sparse operand's values."""

import numpy as np
from torsh_backend import module_of
from torsh_core.errors import DTypeError, ShapeError, TorshNotImplementedError, TorshTypeError
from torsh_tensor._tensor import Tensor, _wrap, check_same_device

from ._pattern import pattern_of
from ._products import pattern_mm
from ._tensor import SparseTensor, make_coo
from .coalesce import coalesce
from .convert import to_dense, to_layout
from .layouts import sparse_coo


def _as_matrix_operand(sp, op):
    if sp.dense_dim():
        raise TorshNotImplementedError(f"{op} of a hybrid sparse tensor (dense_dim={sp.dense_dim()}) is not "
                                       "supported; only sparse matrices with scalar values")
    if sp.ndim != 2:
        raise TorshNotImplementedError(f"{op}: sparse matrices expected, got a {sp.ndim}-D sparse tensor "
                                       "(batched sparse products are not supported)")


def _cannot_multiply(a, b):
    a = tuple(a) if len(a) == 2 else (*a, 1)
    b = tuple(b) if len(b) == 2 else (*b, 1)
    return ShapeError(f"mat1 and mat2 shapes cannot be multiplied ({a[0]}x{a[1]} and {b[0]}x{b[1]})")


def _check_dense(op, sp, dense):
    if not isinstance(dense, Tensor):
        raise TorshTypeError(f"{op}(): expected a Tensor, got {type(dense).__name__}")
    if dense.ndim not in (1, 2):
        raise TorshNotImplementedError(f"{op}: the dense operand must be a matrix or a vector, got {dense.ndim}-D")
    if dense.dtype is not sp.dtype:
        raise DTypeError(f"{op}: expected the dense operand to have dtype {sp.dtype} like the sparse one, but found "
                         f"{dense.dtype}")
    check_same_device(sp, dense)


def spmm(sp, dense, op="mm"):
    """sparse (m, n) @ dense (n, k) or (n,) through the C kernels (CSR order of the entries is cached)."""
    _as_matrix_operand(sp, op)
    _check_dense(op, sp, dense)
    if dense.shape[0] != sp._shape[1]:
        raise _cannot_multiply(sp._shape, dense.shape)
    return pattern_mm(pattern_of(sp), sp._vals, dense)


def dense_spmm(dense, sp, op="mm"):
    """dense (k, m) or (m,) @ sparse (m, n), as (sparse.T @ dense.T).T on the transposed pattern."""
    _as_matrix_operand(sp, op)
    _check_dense(op, sp, dense)
    if dense.shape[-1] != sp._shape[0]:
        raise _cannot_multiply(dense.shape if dense.ndim == 2 else (1, dense.shape[0]), sp._shape)
    pattern = pattern_of(sp).T
    if dense.ndim == 1:
        return pattern_mm(pattern, sp._vals, dense)
    return pattern_mm(pattern, sp._vals, dense.t()).t()


def _repeat(values, counts):
    """``values[i]`` repeated ``counts[i]`` times (np.repeat; CuPy takes only host counts, so it searches)."""
    xp = module_of(values)
    if xp is np:
        return np.repeat(values, counts)
    ends = xp.cumsum(counts)
    total = int(ends[-1]) if ends.shape[0] else 0
    return values[xp.searchsorted(ends, xp.arange(total), side="right")]


def spgemm(a, b):
    """sparse @ sparse: every product a[i, j] * b[j, k] listed, then coalesced (sorted and summed) in C."""
    for sp in (a, b):
        _as_matrix_operand(sp, "mm")
    if a._shape[1] != b._shape[0]:
        raise _cannot_multiply(a._shape, b._shape)
    if a.dtype is not b.dtype:
        raise DTypeError(f"mm: expected both sparse operands to have one dtype, but found {a.dtype} and {b.dtype}")
    check_same_device(a, b)
    pa = pattern_of(a)
    indptr_b, col_b, perm_b = pattern_of(b).csr()
    xp = module_of(indptr_b)
    counts = (indptr_b[1:] - indptr_b[:-1])[pa.col]
    entry_a = _repeat(xp.arange(counts.shape[0], dtype=np.int64), counts)
    before = xp.cumsum(counts) - counts  # products listed before entry e of a
    pos_b = _repeat(indptr_b[pa.col] - before, counts) + xp.arange(entry_a.shape[0], dtype=np.int64)
    entry_b = pos_b if perm_b is None else perm_b[pos_b]
    vals = a._vals.index_select(0, _wrap(entry_a)) * b._vals.index_select(0, _wrap(entry_b))
    out = coalesce(make_coo(xp.stack([pa.row[entry_a], col_b[pos_b]]), vals, (a._shape[0], b._shape[1])))
    return out if a._layout is sparse_coo else to_layout(out, a._layout)


def mm(mat1, mat2, reduce=None):
    """torch.sparse.mm: sparse @ dense and dense @ sparse are dense, sparse @ sparse is sparse."""
    if reduce not in (None, "sum"):
        raise TorshNotImplementedError(f"torsh.sparse.mm(reduce={reduce!r}): only reduce='sum' (the default) is "
                                       "supported")
    for m in (mat1, mat2):
        if m.ndim != 2:
            raise ShapeError(f"mm: matrices expected, got {m.ndim}D tensor")
    return matmul(mat1, mat2)


def matmul(input, other):
    """``input @ other`` with at least one sparse matrix; vectors on either side give spmv."""
    left, right = isinstance(input, SparseTensor), isinstance(other, SparseTensor)
    if left and right:
        return spgemm(input, other)
    if left:
        return spmm(input, other, "matmul")
    if right:
        return dense_spmm(input, other, "matmul")
    return input.matmul(other)


def mv(input, vec):
    if not isinstance(vec, Tensor) or vec.ndim != 1:
        raise ShapeError("mv: expected a vector as the second operand")
    return spmm(input, vec, "mv")


def addmm(input, mat1, mat2, *, beta=1, alpha=1):
    """``beta * input + alpha * (mat1 @ mat2)`` (torch.sparse.addmm); beta == 0 ignores ``input`` entirely."""
    product = mm(mat1, mat2)
    if isinstance(product, SparseTensor):
        product = to_dense(product)
    if alpha != 1:
        product = product * alpha
    if beta == 0:
        return product
    base = to_dense(input)
    return (base if beta == 1 else base * beta) + product
