"""Matrix products on torsh's thread pool: the BLAS NumPy loaded, called from C once per thread, single-threaded.

Two pools of spinning threads (OpenBLAS's and OpenMP's) on the same cores slow each other down several times,
so products of float32/float64 matrices run here, on the pool the other C kernels use. Where the BLAS cannot
be found (or has no per-thread thread count), or for vectors, tiny products and other dtypes, NumPy does it.
"""

import ctypes
import math

import numpy as np

from ._native import ffi, lib

# Below this many multiply-adds NumPy's own call is cheaper than the checks here.
_SMALL = 64 * 64 * 64
_INT32_MAX = 2**31 - 1


def _symbol(dll, names):
    """The address of the first of ``names`` that ``dll`` exports, and that name; (None, None) if none."""
    for name in names:
        try:
            return ctypes.cast(getattr(dll, name), ctypes.c_void_p).value, name
        except AttributeError:
            continue
    return None, None


def _find_openblas():
    """(sgemm, dgemm, set_local_threads, ilp64) of the OpenBLAS NumPy loaded, or None."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return None
    for info in threadpool_info():
        if info.get("internal_api") != "openblas":
            continue
        try:
            dll = ctypes.CDLL(info["filepath"])
        except OSError:
            continue
        variants = [(p, s) for p in ("scipy_", "") for s in ("64_", "")]
        sgemm, name = _symbol(dll, [f"{p}cblas_sgemm{s}" for p, s in variants])
        dgemm, _ = _symbol(dll, [f"{p}cblas_dgemm{s}" for p, s in variants])
        local, _ = _symbol(dll, ["openblas_set_num_threads_local"]
                           + [f"{p}openblas_set_num_threads_local{s}" for p, s in variants])
        if sgemm and dgemm and local:
            return sgemm, dgemm, local, name.endswith("64_")
    return None


def _register():
    found = _find_openblas()
    if found is None:
        return False
    sgemm, dgemm, local, ilp64 = found
    lib.tb_blas_set(ffi.cast("void *", sgemm), ffi.cast("void *", dgemm), ffi.cast("void *", local), int(ilp64))
    return True


AVAILABLE = _register()
_KERNELS = {np.dtype(np.float32): ("float[]", lib.tb_matmul_f32), np.dtype(np.float64): ("double[]", lib.tb_matmul_f64)}


def _operand(x, batch):
    """(buffer, transposed, leading dimension, batch stride) of ``x`` as ``batch`` row-major matrices."""
    rows, cols = x.shape[-2:]
    if x.shape[:-2] != batch:
        x = np.broadcast_to(x, batch + (rows, cols)) if x.ndim > 2 and any(d != 1 for d in x.shape[:-2]) else x
    shared = x.ndim == 2 or all(d == 1 for d in x.shape[:-2])
    if not x.flags.c_contiguous:
        xt = np.swapaxes(x, -1, -2)
        if xt.flags.c_contiguous and (shared or x.shape[:-2] == batch):
            return xt, 1, rows, 0 if shared else rows * cols
        x = np.ascontiguousarray(x)
    return x, 0, cols, 0 if shared else rows * cols


def matmul(a, b):
    """``np.matmul(a, b)`` for NumPy arrays, on torsh's thread pool when both are float32/float64 matrices."""
    entry = _KERNELS.get(a.dtype) if AVAILABLE and a.dtype == b.dtype and type(a) is np.ndarray else None
    if entry is None or a.ndim < 2 or b.ndim < 2 or type(b) is not np.ndarray:
        return np.matmul(a, b)
    m, k = a.shape[-2:]
    n = b.shape[-1]
    if b.shape[-2] != k:
        return np.matmul(a, b)  # NumPy's error; the callers check shapes first
    if b.ndim == 2 and a.ndim > 2 and a.flags.c_contiguous:  # (..., m, k) @ (k, n): one product of stacked rows
        return matmul(a.reshape(-1, k), b).reshape(a.shape[:-1] + (n,))
    batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    count = math.prod(batch)
    if count * m * n * k < _SMALL or max(m, n, k, count) > _INT32_MAX:
        return np.matmul(a, b)
    (xa, ta, lda, sa), (xb, tb, ldb, sb) = _operand(a, batch), _operand(b, batch)
    out = np.empty(batch + (m, n), a.dtype)
    ctype, kernel = entry
    kernel(ta, tb, m, n, k, ffi.from_buffer(ctype, xa), lda, sa, ffi.from_buffer(ctype, xb), ldb, sb,
           ffi.from_buffer(ctype, out, require_writable=True), n, m * n, count)
    return out
