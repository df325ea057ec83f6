"""Elementwise sparse ops: sparse + sparse, sparse * scalar / dense / sparse, division by scalars, and the
zero-preserving unary functions. All work on the values Tensor, so gradients come from Tensor ops."""

import numbers

from torsh_backend import module_of
from torsh_core.errors import ShapeError, TorshNotImplementedError, TorshRuntimeError, TorshTypeError
from torsh_core.shape import broadcast_shapes, normalize_dim
from torsh_tensor import add as dense_add
from torsh_tensor import cat, result_type
from torsh_tensor._tensor import Tensor, _wrap

from ._groups import linearize
from ._tensor import SparseTensor, make_compressed, make_coo, with_values
from .coalesce import coalesce
from .convert import to_dense, to_layout, values_at
from .layouts import COMPRESSED, sparse_coo, sparse_csc, sparse_csr


def _check_pair(op, a, b):
    if a._layout is not b._layout:
        raise TorshNotImplementedError(f"{op}: operands have layouts {a._layout} and {b._layout}; convert one "
                                       "(to_sparse / to_sparse_csr / to_sparse_csc) first")
    if a._shape != b._shape:
        raise ShapeError(f"{op}: expected sizes of 'self' and 'other' to match, but {list(a._shape)} != "
                         f"{list(b._shape)}")
    if a.sparse_dim() != b.sparse_dim():
        raise TorshRuntimeError(f"{op}: expected 'self' and 'other' to have the same sparse_dim, but got "
                                f"{a.sparse_dim()} and {b.sparse_dim()}")


def _promoted(a, b):
    dtype = result_type(a._vals, b._vals)
    return a._vals.to(dtype), b._vals.to(dtype)


# -- add / sub --------------------------------------------------------------------------------------------------
def add(input, other, *, alpha=1):
    """sparse + sparse keeps the layout; dense + sparse is dense; sparse + dense is refused, as in PyTorch."""
    if not isinstance(input, SparseTensor):
        return dense_add(input, to_dense(other), alpha=alpha)
    if not isinstance(other, SparseTensor):
        raise TorshRuntimeError("add(sparse, dense) is not supported. Use add(dense, sparse) instead.")
    _check_pair("add", input, other)
    if alpha != 1:
        other = mul(other, alpha)
    if input._layout in COMPRESSED:
        return to_layout(add(to_layout(input, sparse_coo), to_layout(other, sparse_coo)), input._layout)
    va, vb = _promoted(input, other)
    xp = module_of(input._indices_arr)
    out = make_coo(xp.concatenate([input._indices_arr, other._indices_arr], axis=1), cat([va, vb]), input._shape)
    return coalesce(out) if input._coalesced and other._coalesced else out


def sub(input, other, *, alpha=1):
    if not isinstance(input, SparseTensor):
        return dense_add(input, to_dense(other), alpha=-alpha)
    if not isinstance(other, SparseTensor):
        raise TorshRuntimeError("sub(sparse, dense) is not supported. Use sub(dense, sparse) instead.")
    return add(input, other, alpha=-alpha)


def rsub(input, other):
    """``other - input`` for a dense or scalar ``other`` (the reflected operator)."""
    if isinstance(other, Tensor):
        return dense_add(other, to_dense(input), alpha=-1)
    raise TorshRuntimeError("sub(dense scalar, sparse) is not supported; convert with .to_dense() first")


def radd(input, other):
    if isinstance(other, Tensor):
        return dense_add(other, to_dense(input))
    raise TorshRuntimeError("add(scalar, sparse) is not supported. Use add(dense, sparse) instead.")


# -- mul / div --------------------------------------------------------------------------------------------------
def _is_scalar(x):
    return isinstance(x, numbers.Number) or (isinstance(x, Tensor) and not isinstance(x, SparseTensor) and x.ndim == 0)


def mul(input, other):
    """Sparse times a scalar, a dense tensor (gathered at the entries) or another sparse tensor (intersection)."""
    if not isinstance(input, SparseTensor):
        input, other = other, input
    if isinstance(other, SparseTensor):
        return _mul_sparse(input, other)
    if _is_scalar(other):
        return with_values(input, input._vals * other)
    if not isinstance(other, Tensor):
        raise TorshTypeError(f"mul(): expected a Tensor or a number, got {type(other).__name__}")
    shape = tuple(broadcast_shapes(input._shape, tuple(other.shape)))
    if shape != input._shape:
        raise TorshNotImplementedError(f"mul of a sparse tensor of shape {list(input._shape)} with a dense tensor "
                                       f"of shape {list(other.shape)} that broadcasts it to {list(shape)}")
    if tuple(other.shape) != shape:
        other = other.expand(shape)
    return with_values(input, input._vals * values_at(other, input))


def _mul_sparse(a, b):
    _check_pair("mul", a, b)
    if a._layout in COMPRESSED:
        return to_layout(_mul_sparse(to_layout(a, sparse_coo), to_layout(b, sparse_coo)), a._layout)
    a, b = coalesce(a), coalesce(b)
    sizes = a._shape[:a.sparse_dim()]
    ka, kb = linearize(a._indices_arr, sizes), linearize(b._indices_arr, sizes)
    xp = module_of(ka)
    _, ia, ib = xp.intersect1d(ka, kb, assume_unique=True, return_indices=True)
    va, vb = _promoted(a, b)
    vals = va.index_select(0, _wrap(ia.astype(ka.dtype))) * vb.index_select(0, _wrap(ib.astype(kb.dtype)))
    return make_coo(a._indices_arr[:, ia], vals, a._shape, coalesced=True)


def div(input, other, *, rounding_mode=None):
    """Sparse divided by a scalar (or a 0-d tensor); other divisors would create infinities at the zeros."""
    if not isinstance(input, SparseTensor) or not _is_scalar(other):
        raise TorshNotImplementedError("sparse division supports only a sparse tensor divided by a scalar")
    if rounding_mode is not None and input._layout is sparse_coo:
        input = coalesce(input)  # rounding is not linear: round the sums, not the repeats
    return with_values(input, input._vals.div(other, rounding_mode=rounding_mode))


def true_divide(input, other):
    return div(input, other)


def neg(input):
    return with_values(input, input._vals.neg())


def mul_(input, other):
    """In-place scaling by a scalar: the values change in place, the indices stay."""
    if not _is_scalar(other):
        raise TorshNotImplementedError("in-place mul_ of a sparse tensor supports only scalars")
    input._vals.mul_(other)
    return input


def div_(input, other):
    if not _is_scalar(other):
        raise TorshNotImplementedError("in-place div_ of a sparse tensor supports only scalars")
    input._vals.div_(other)
    return input


# -- zero-preserving unary functions (PyTorch's sparse set): applied to the coalesced values ---------------------
UNARY = ("abs", "sqrt", "sin", "sinh", "tan", "tanh", "asin", "asinh", "atan", "atanh", "expm1", "log1p",
         "sign", "sgn", "floor", "ceil", "round", "trunc", "frac", "deg2rad", "rad2deg", "erf", "erfinv", "relu")


def unary(name):
    """The sparse version of ``Tensor.<name>``: f(0) == 0, so only the stored values change."""

    def op(input):
        canonical = coalesce(input) if input._layout is sparse_coo else input
        vals = canonical._vals.clamp_min(0) if name == "relu" else getattr(canonical._vals, name)()
        return with_values(canonical, vals)

    op.__name__ = name
    op.__doc__ = f"``{name}`` of the stored values (zeros stay zero); COO input is coalesced first."
    return op


# -- transpose ------------------------------------------------------------------------------------------------
def transpose(input, dim0, dim1):
    """Swap two sparse dims (indices) or two dense dims (values); CSR <-> CSC for a matrix, without copying."""
    ndim = len(input._shape)
    d0, d1 = normalize_dim(dim0, ndim), normalize_dim(dim1, ndim)
    if d0 == d1:
        return input
    shape = list(input._shape)
    shape[d0], shape[d1] = shape[d1], shape[d0]
    sd = input.sparse_dim()
    if d0 >= sd and d1 >= sd:
        return with_values(input, input._vals.transpose(d0 - sd + 1, d1 - sd + 1), shape=shape)
    if d0 >= sd or d1 >= sd:
        raise TorshRuntimeError(f"sparse transpose: transposed dimensions must be sparse Got sparse_dim: {sd}, d0: "
                                f"{d0}, d1: {d1}")
    if input._layout is sparse_coo:
        idx = input._indices_arr.copy()
        idx[[d0, d1]] = idx[[d1, d0]]
        return make_coo(idx, input._vals, shape)
    out = make_compressed(sparse_csc if input._layout is sparse_csr else sparse_csr, input._compressed,
                          input._plain, input._vals, shape)
    if input._pattern_cache is not None:
        out._pattern_cache = input._pattern_cache.T
    return out


def t(input):
    sd, dd = input.sparse_dim(), input.dense_dim()
    if sd > 2 or dd > 0:
        raise TorshRuntimeError(f"t() expects a tensor with <= 2 sparse and 0 dense dimensions, but got {sd} sparse "
                                f"and {dd} dense dimensions")
    return input if len(input._shape) < 2 else transpose(input, 0, 1)
