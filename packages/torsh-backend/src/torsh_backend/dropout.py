"""Dropout with a counter-based RNG (splitmix64 of seed and element index): the mask depends only on the seed,
never on thread count; C for float32/float64, NumPy (same hash) for other dtypes."""

import numpy as np
from torsh_core.errors import ShapeError, TorshValueError

from . import _cdata
from ._checks import require_arrays

_M = 0xFFFFFFFFFFFFFFFF


def _check_p(p):
    if not 0.0 <= p < 1.0:
        raise TorshValueError(f"dropout(): p must be in [0, 1) for a kernel call, got {p}")


def _numpy_uniform(seed, n):
    """The C kernel's uniforms, in NumPy (wrapping uint64 arithmetic)."""
    with np.errstate(over="ignore"):
        z = np.uint64(seed) + (np.arange(1, n + 1, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15))
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z ^= z >> np.uint64(31)
    return (z >> np.uint64(11)).astype(np.float64) * 2.0 ** -53


def dropout(x, p, seed):
    """(y, keep): elements kept with probability 1 - p and scaled by 1/(1-p); ``keep`` is a uint8 mask."""
    dtype = require_arrays("dropout", x=x)
    _check_p(p)
    seed = int(seed) & _M
    scale = 1.0 / (1.0 - p)
    kernel = _cdata.kernel("dropout", dtype)
    if kernel is None or x.size == 0:
        keep = (_numpy_uniform(seed, x.size) >= p).reshape(x.shape)
        return np.where(keep, x * np.asarray(scale, dtype), np.zeros((), dtype)).astype(dtype), keep.view(np.uint8)
    x = np.ascontiguousarray(x)
    y = np.empty_like(x)
    keep = np.empty(x.shape, np.uint8)
    kernel(_cdata.src(x), _cdata.dst(y), _cdata.ffi.from_buffer("uint8_t[]", keep, require_writable=True), x.size,
           seed, float(p), scale)
    return y, keep


def dropout_backward(g, keep, p):
    """``g * keep / (1 - p)``: the input gradient of dropout from its mask."""
    dtype = require_arrays("dropout_backward", g=g)
    _check_p(p)
    if not isinstance(keep, np.ndarray) or keep.dtype != np.uint8 or keep.shape != g.shape:
        raise ShapeError(f"dropout_backward(): 'keep' must be a uint8 mask of shape {g.shape}")
    scale = 1.0 / (1.0 - p)
    kernel = _cdata.kernel("dropout_backward", dtype)
    if kernel is None or g.size == 0:
        return np.where(keep != 0, g * np.asarray(scale, dtype), np.zeros((), dtype)).astype(dtype)
    g, keep = np.ascontiguousarray(g), np.ascontiguousarray(keep)
    dx = np.empty_like(g)
    kernel(_cdata.src(g), _cdata.ffi.from_buffer("uint8_t[]", keep), _cdata.dst(dx), g.size, scale)
    return dx
