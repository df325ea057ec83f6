"""Sum reductions: over the whole array, and over the last axis; C for contiguous float arrays."""

import numpy as np

from . import _cdata
from ._checks import c_ready, require_arrays


def _sum_dtype(dtype):
    """PyTorch's sum dtype: bool and integers sum to int64, floats and complex keep theirs."""
    return np.dtype(np.int64) if dtype.kind in "biu" else dtype


def sum_all(a):
    """The sum of every element of ``a`` as a 0-d array (float32 is accumulated in float64 by C)."""
    dtype = require_arrays("sum_all", a=a)
    kernel = _cdata.kernel("sum", dtype)
    if kernel is not None and c_ready(a):
        return np.asarray(kernel(_cdata.src(a), a.size), dtype)
    return np.asarray(np.sum(a, dtype=_sum_dtype(dtype)))


def sum_last(a):
    """Sums over the last axis: shape ``a.shape[:-1]`` (a 0-d ``a`` is its own sum, as in PyTorch)."""
    dtype = require_arrays("sum_last", a=a)
    if a.ndim == 0:
        return sum_all(a)
    kernel = _cdata.kernel("sum_rows", dtype)
    if kernel is not None and c_ready(a):
        out = np.empty(a.shape[:-1], dtype)
        kernel(_cdata.src(a), _cdata.dst(out), out.size, a.shape[-1])
        return out
    return np.asarray(np.sum(a, axis=-1, dtype=_sum_dtype(dtype)))
