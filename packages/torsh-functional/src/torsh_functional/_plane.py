"""Moving values between pooled outputs and input planes through flat indices (max pooling's indices).

``scatter_plane`` and ``gather_plane`` are each other's adjoints, so max pooling and max unpooling have gradients of
any order. An index is a position in the flattened spatial plane of one (batch, channel) slice, as in PyTorch.
"""

from math import prod

import numpy as np
from torsh_backend import pool as cpool

from ._op import result, xp_of


def scatter_plane(values, indices, plane, accumulate=True):
    """``values`` (*lead, *out) put into zeros (*lead, *plane) at flat ``indices``; repeats add up if ``accumulate``
    (a max-pool gradient), else the last one wins (max unpooling)."""
    xp = xp_of(values)
    v = values._data
    lead = v.shape[:v.ndim - len(plane)]
    rows, size = prod(lead), prod(plane)
    flat_v = v.reshape(rows, -1)
    flat_i = indices._data.reshape(rows, -1)
    if accumulate and xp is np and v.dtype in (np.float32, np.float64):
        out = cpool.max_pool2d_backward(flat_v.reshape(rows, 1, -1), flat_i.reshape(rows, 1, -1), (1, size))
    elif accumulate:
        offsets = (xp.arange(rows, dtype=flat_i.dtype) * size)[:, None]
        out = xp.bincount((flat_i + offsets).ravel(), weights=flat_v.ravel(), minlength=rows * size)
        out = out.astype(v.dtype, copy=False)
    else:
        out = xp.zeros((rows, size), dtype=v.dtype)
        out[xp.arange(rows)[:, None], flat_i] = flat_v
    return result(out.reshape(lead + tuple(plane)), (values,), _scatter_backward, "MaxPoolBackward0",
                  indices=indices, d=len(plane))


def _scatter_backward(node, g):
    return gather_plane(g, node.indices, node.d)


def gather_plane(source, indices, d):
    """The values of ``source`` (*lead, *plane; ``d`` plane axes) at flat ``indices`` (*lead, *out)."""
    xp = xp_of(source)
    s = source._data
    rows = prod(s.shape[:s.ndim - d])
    out = xp.take_along_axis(s.reshape(rows, -1), indices._data.reshape(rows, -1), axis=1)
    return result(out.reshape(indices._data.shape), (source,), _gather_backward, "MaxPoolDoubleBackward0",
                  indices=indices, plane=tuple(source.shape[source.ndim - d:]))


def _gather_backward(node, g):
    return scatter_plane(g, node.indices, node.plane)
