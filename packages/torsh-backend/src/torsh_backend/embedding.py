"""Embedding lookup and its weight gradient (a race-free scatter-add skipping padding_idx): C for float32/float64
tables and int64 indices, every index checked here first; NumPy otherwise."""

import numpy as np
from torsh_core.errors import ShapeError, TorshIndexError, TorshTypeError

from . import _cdata
from ._checks import require_arrays


def _indices(op, idx, num_rows):
    if not isinstance(idx, np.ndarray) or idx.dtype.kind not in "iu":
        raise TorshTypeError(f"{op}(): indices must be an integer numpy.ndarray, got "
                             f"{getattr(idx, 'dtype', type(idx).__name__)}")
    flat = np.ascontiguousarray(idx.reshape(-1), dtype=np.int64)
    if flat.size and (int(flat.min()) < 0 or int(flat.max()) >= num_rows):
        raise TorshIndexError(f"{op}(): index out of range in self (table of {num_rows} rows)")
    return flat


def embedding(weight, idx):
    """``weight[idx]``: rows of a 2-D table at integer indices of any shape."""
    dtype = require_arrays("embedding", weight=weight)
    if weight.ndim != 2:
        raise ShapeError(f"embedding(): 'weight' must be 2-D, got shape {weight.shape}")
    flat = _indices("embedding", idx, weight.shape[0])
    kernel = _cdata.kernel("embedding", dtype)
    dim = weight.shape[1]
    if kernel is None or flat.size * dim == 0:
        return weight[flat].reshape(idx.shape + (dim,))
    weight = np.ascontiguousarray(weight)
    out = np.empty((flat.size, dim), dtype)
    kernel(_cdata.src(weight), _cdata.ffi.from_buffer("int64_t[]", flat), _cdata.dst(out), flat.size, dim)
    return out.reshape(idx.shape + (dim,))


def embedding_backward(g, idx, num_rows, padding_idx=None):
    """The (num_rows, D) weight gradient: rows of ``g`` summed at ``idx``, rows at ``padding_idx`` left out."""
    dtype = require_arrays("embedding_backward", g=g)
    flat = _indices("embedding_backward", idx, num_rows)
    if g.ndim < 1 or g.shape[:-1] != idx.shape:
        raise ShapeError(f"embedding_backward(): 'g' of shape {g.shape} does not match indices of shape {idx.shape}")
    if padding_idx is not None and not 0 <= padding_idx < num_rows:
        raise TorshIndexError(f"embedding_backward(): padding_idx {padding_idx} is out of range for {num_rows} rows")
    dim = g.shape[-1]
    out = np.zeros((num_rows, dim), dtype)
    kernel = _cdata.kernel("embedding_backward", dtype)
    if kernel is None or flat.size * dim == 0:
        rows = g.reshape(-1, dim)
        keep = slice(None) if padding_idx is None else flat != padding_idx
        np.add.at(out, flat[keep], rows[keep])
        return out
    g = np.ascontiguousarray(g)
    kernel(_cdata.src(g), _cdata.ffi.from_buffer("int64_t[]", flat), _cdata.dst(out), flat.size, dim,
           -1 if padding_idx is None else int(padding_idx))
    return out
