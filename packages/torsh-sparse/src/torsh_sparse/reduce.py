"""Sums of sparse tensors: over everything (a dense scalar) or over some dims (sparse while a sparse dim is left)."""

from torsh_core.errors import TorshRuntimeError
from torsh_core.shape import normalize_dims

from ._groups import Groups
from ._tensor import SparseTensor, make_coo, with_values
from .convert import to_layout
from .layouts import COMPRESSED, sparse_coo


def sum(input, dim=None, dtype=None):  # noqa: A001 - torch.sparse.sum
    """torch.sparse.sum: all dims give a dense 0-d tensor; reduced sparse dims merge entries (coalesced)."""
    if not isinstance(input, SparseTensor):
        raise TorshRuntimeError("torsh.sparse.sum expected a sparse tensor but got a strided (dense) one; use "
                                "Tensor.sum for dense tensors")
    return sum_dims(input, dim, False, dtype)


def sum_dims(input, dim=None, keepdim=False, dtype=None):
    """``Tensor.sum`` for sparse tensors (``keepdim`` keeps reduced dims as size 1, as PyTorch does)."""
    vals = input._vals if dtype is None else input._vals.to(dtype)
    if dim is None:
        return vals.sum()
    dims = normalize_dims(dim, input.ndim)
    if input._layout in COMPRESSED:
        if not keepdim:
            raise TorshRuntimeError("reduction operations on CSR tensors with keepdim=False is unsupported")
        return to_layout(sum_dims(to_layout(input, sparse_coo), dims, True, dtype), input._layout)
    sd = input.sparse_dim()
    dense_axes = sorted(d - sd + 1 for d in dims if d >= sd)
    if dense_axes:
        vals = vals.sum(dense_axes, keepdim=keepdim)
    reduced = [d for d in dims if d < sd]
    if keepdim:
        shape = [1 if d in dims else n for d, n in enumerate(input._shape)]
    else:
        shape = [n for d, n in enumerate(input._shape) if d not in dims]
    if not reduced:
        return with_values(input, vals, shape=shape)
    if keepdim:
        keys = input._indices_arr.copy()
        keys[reduced] = 0
    else:
        remaining = [d for d in range(sd) if d not in reduced]
        if not remaining:
            return vals.sum(0)
        keys = input._indices_arr[remaining]
    groups = Groups(keys, shape[:keys.shape[0]])
    return make_coo(keys[:, groups.rep], groups.sum(vals), shape, coalesced=True)
