"""torch.sparse.softmax / log_softmax: softmax over the specified entries of each slice (missing ones are -inf)."""

from torsh_core.errors import TorshNotImplementedError
from torsh_core.shape import normalize_dim
from torsh_tensor._tensor import _wrap

from ._groups import Groups
from ._tensor import SparseTensor, with_values
from .coalesce import coalesce
from .layouts import sparse_coo


def softmax(input, dim, *, dtype=None):
    """Along ``dim`` each slice's stored values get a softmax; the result keeps the (coalesced) indices."""
    return _softmax(input, dim, dtype, log=False)


def log_softmax(input, dim, *, dtype=None):
    """The log of :func:`softmax`, computed without forming the softmax (stable for very negative values)."""
    return _softmax(input, dim, dtype, log=True)


def _softmax(input, dim, dtype, log):
    name = "log_softmax" if log else "softmax"
    if not isinstance(input, SparseTensor) or input._layout is not sparse_coo:
        layout = input.layout if isinstance(input, SparseTensor) else "strided"
        raise TorshNotImplementedError(f"torsh.sparse.{name} supports sparse COO tensors, got layout {layout}")
    x = coalesce(input)
    vals = x._vals if dtype is None else x._vals.to(dtype)
    if not vals.is_floating_point():
        raise TorshNotImplementedError(f'"{name}" not implemented for \'{vals.dtype}\'')
    d, sd = normalize_dim(dim, x.ndim), x.sparse_dim()
    if d >= sd:  # a dense dim: an ordinary softmax of the values along it
        axis = d - sd + 1
        shifted = vals - _wrap(vals._data.max(axis=axis, keepdims=True))
        total = shifted.exp().sum(axis, keepdim=True)
    else:  # a sparse dim: the entries that agree on every other sparse index form one slice
        others = [i for i in range(sd) if i != d]
        groups = Groups(x._indices_arr[others], [x._shape[i] for i in others])
        owner = _wrap(groups.owner)
        shifted = vals - _wrap(groups.max(vals._data)[groups.owner])
        total = groups.sum(shifted.exp()).index_select(0, owner)
    out = shifted - total.log() if log else shifted.exp() / total
    return with_values(x, out, coalesced=True)
