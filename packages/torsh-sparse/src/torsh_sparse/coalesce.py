"""coalesce(): sort COO entries and add up repeated indices, the canonical form most sparse ops start from."""

from torsh_tensor._tensor import _wrap

from ._groups import Groups
from ._tensor import make_coo, with_values
from .layouts import sparse_coo


def coo_groups(input):
    """The grouping of ``input``'s COO entries by index, computed once per set of indices."""
    groups = input.__dict__.get("_groups_cache")
    if groups is None:
        groups = input._groups_cache = Groups(input._indices_arr, input._shape[:input.sparse_dim()])
    return groups


def coalesce(input):
    """The coalesced form: indices sorted lexicographically, each once, values of repeats summed."""
    input._require(sparse_coo, "coalesce")
    if input._coalesced:
        return input
    groups = coo_groups(input)
    return make_coo(input._indices_arr[:, groups.rep], groups.sum(input._vals), input._shape, coalesced=True)


def masked_gradient(input, grad_values):
    """``input.grad``: the values' gradient on the coalesced pattern (the gradient of every copy of a repeated
    index is the same, dL/dA at that index, so the first copy stands for the position, as in PyTorch)."""
    grad_values = grad_values.detach()
    if input._layout is not sparse_coo or input._coalesced:
        return with_values(input, grad_values)
    groups = coo_groups(input)
    return make_coo(input._indices_arr[:, groups.rep], grad_values.index_select(0, _wrap(groups.rep)), input._shape,
                    coalesced=True)
