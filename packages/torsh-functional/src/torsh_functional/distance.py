"""Distances and similarities between vectors: cosine_similarity, pairwise_distance, pdist."""

import numpy as np
from torsh_core.errors import TorshRuntimeError
from torsh_core.shape import broadcast_shapes, normalize_dim

from ._op import check_tensor, wrap, xp_of


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """sum over ``dim`` of (x1 / max(|x1|, eps)) * (x2 / max(|x2|, eps)), with broadcasting."""
    check_tensor(x1, "x1", "cosine_similarity")
    check_tensor(x2, "x2", "cosine_similarity")
    shape = broadcast_shapes(tuple(x1.shape), tuple(x2.shape))
    a, b = x1.expand(shape), x2.expand(shape)
    if not a.is_floating_point():
        a, b = a.float(), b.float()
    d = normalize_dim(dim, len(shape))
    na = a.norm(2, d, keepdim=True).clamp_min(eps)
    nb = b.norm(2, d, keepdim=True).clamp_min(eps)
    return ((a / na) * (b / nb)).sum(d)


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    """p-norm of x1 - x2 + eps over the last dim."""
    check_tensor(x1, "x1", "pairwise_distance")
    check_tensor(x2, "x2", "pairwise_distance")
    ndim = max(x1.ndim, x2.ndim)
    dim = ndim - 1 if ndim > 0 else 0
    diff = x1 - x2 + eps
    if ndim == 0:
        return diff.abs()
    return diff.norm(p, dim, keepdim=keepdim)


def pdist(input, p=2):
    """p-norm distances between all pairs of rows i < j of an (N, M) input, flattened row-major."""
    check_tensor(input, "input", "pdist")
    if input.ndim != 2:
        raise TorshRuntimeError(f"pdist only supports 2D tensors, got: {input.ndim}D")
    if p < 0:
        raise TorshRuntimeError("pdist only supports non-negative p values")
    n = input.shape[0]
    i, j = np.triu_indices(n, 1)
    xp = xp_of(input)
    rows_i = input.index_select(0, wrap(xp.asarray(i)))
    rows_j = input.index_select(0, wrap(xp.asarray(j)))
    return (rows_i - rows_j).norm(p, 1)

