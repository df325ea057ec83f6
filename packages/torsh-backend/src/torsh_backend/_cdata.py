"""Pointers into NumPy arrays for the C kernels, and the kernel table by op and dtype."""

import numpy as np

from ._native import ffi, lib

_CTYPES = {np.dtype(np.float32): ("float[]", "f32"), np.dtype(np.float64): ("double[]", "f64")}


_KERNELS = {}


def kernel(op, dtype):
    """The C function ``tb_<op>_<f32|f64>``, or None when C has no kernel for ``dtype`` (looked up once)."""
    try:
        return _KERNELS[op, dtype]
    except KeyError:
        entry = _CTYPES.get(dtype)
        fn = _KERNELS[op, dtype] = None if entry is None else getattr(lib, f"tb_{op}_{entry[1]}")
        return fn


def src(x):
    """A read-only pointer to the first element of a C-ready array."""
    return ffi.from_buffer(_CTYPES[x.dtype][0], x)


def dst(x):
    """A writable pointer to the first element of a C-ready array."""
    return ffi.from_buffer(_CTYPES[x.dtype][0], x, require_writable=True)
