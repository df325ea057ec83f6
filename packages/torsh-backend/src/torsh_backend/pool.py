"""2-D max pooling (with indices) and average pooling, forward and backward, in C for float32/float64.

Arrays are (..., H, W): every leading index is one plane, pooled on its own; strided inputs are made contiguous.
The geometry is checked here (every window must overlap the input) so C never reads or writes outside a plane;
max pooling's backward also counts indices outside the plane in C and raises. Other dtypes raise DTypeError: the
callers (torsh-functional) keep NumPy paths for them.
"""

from functools import lru_cache

import numpy as np
from torsh_core.errors import DTypeError, ShapeError, TorshIndexError, TorshValueError

from . import _cdata
from ._checks import FAST_DTYPES, require_arrays
from ._native import ffi, lib
from .conv import _geometry

INDEX_DTYPE = np.dtype(np.int64)


def _planes(op, x, ndim=2):
    """``x`` as a contiguous (P, H, W) array and its dtype."""
    dtype = require_arrays(op, x=x)
    if dtype not in FAST_DTYPES:
        raise DTypeError(f"{op}(): only float32 and float64 arrays are supported, got {dtype}")
    if x.ndim < ndim:
        raise ShapeError(f"{op}(): expected an array of shape (..., H, W), got {x.shape}")
    lead = x.shape[:-2]
    return np.ascontiguousarray(x).reshape((-1,) + x.shape[-2:]), lead, dtype


def _check_windows(op, geo, size):
    """Every window of the geometry overlaps the input along both axes."""
    for axis, (k, s, p, d, o, n) in enumerate(zip(geo[0:2], geo[2:4], geo[4:6], geo[6:8], geo[8:10], size)):
        if not _axis_fits(int(k), int(s), int(p), int(d), int(o), int(n)):
            raise TorshValueError(f"{op}(): a window along axis {axis} lies outside the input of size {n} "
                                  f"(kernel {k}, stride {s}, padding {p}, dilation {d}, output size {o})")


@lru_cache(maxsize=512)
def _axis_fits(k, s, p, d, o, n):
    """Whether all ``o`` windows along one axis overlap [0, n); cached, as a network pools one geometry per step."""
    starts = np.arange(o, dtype=np.int64) * s - p
    first = starts + np.maximum(-starts + d - 1, 0) // d * d
    return bool(((first < n) & (first <= starts + (k - 1) * d)).all())


def _call(name, dtype, *args):
    return getattr(lib, f"tb_{name}_{'f32' if dtype == np.float32 else 'f64'}")(*args)


def max_pool2d(x, kernel_size, stride, padding, dilation, output_size):
    """(max of every window, its flat position in the plane as int64) for x (..., H, W)."""
    op = "max_pool2d"
    planes, lead, dtype = _planes(op, x)
    geo = _geometry(op, kernel_size, stride, padding, dilation, output_size)
    p, h, w = planes.shape
    _check_windows(op, geo, (h, w))
    out = np.empty((p,) + geo[8:10], dtype)
    idx = np.empty((p,) + geo[8:10], INDEX_DTYPE)
    if out.size:
        _call("max_pool2d", dtype, _cdata.src(planes), p, h, w, ffi.new("int64_t[]", list(geo)), _cdata.dst(out),
              ffi.from_buffer("int64_t[]", idx, require_writable=True))
    return out.reshape(lead + geo[8:10]), idx.reshape(lead + geo[8:10])


def max_pool2d_backward(grad_out, indices, input_size):
    """Zeros (..., H, W) with every ``grad_out`` value added at its flat ``indices`` position in its plane."""
    op = "max_pool2d_backward"
    g, lead, dtype = _planes(op, grad_out)
    if not isinstance(indices, np.ndarray) or indices.dtype != INDEX_DTYPE:
        raise DTypeError(f"{op}(): 'indices' must be an int64 numpy.ndarray")
    if indices.shape != grad_out.shape:
        raise ShapeError(f"{op}(): 'indices' has shape {indices.shape} but grad_out has shape {grad_out.shape}")
    h, w = (int(v) for v in input_size)
    if h < 0 or w < 0:
        raise TorshValueError(f"{op}(): input_size must be non-negative, got {tuple(input_size)}")
    idx = np.ascontiguousarray(indices)
    p, length = g.shape[0], g.shape[1] * g.shape[2]
    gx = np.zeros((p, h, w), dtype)
    if p and h * w:
        bad = _call("max_pool2d_backward", dtype, _cdata.src(g), ffi.from_buffer("int64_t[]", idx), p, length, h * w,
                    _cdata.dst(gx))
        if bad:
            raise TorshIndexError(f"{op}(): {bad} indices lie outside the {h}x{w} input plane")
    elif length and p:
        raise TorshIndexError(f"{op}(): indices point into an empty {h}x{w} input plane")
    return gx.reshape(lead + (h, w))


def _avg_args(op, kernel_size, stride, padding, output_size, divisor_override):
    geo = _geometry(op, kernel_size, stride, padding, 1, output_size)
    if divisor_override is not None and (not isinstance(divisor_override, (int, np.integer)) or divisor_override <= 0):
        raise TorshValueError(f"{op}(): divisor_override must be a positive int, got {divisor_override!r}")
    if any(p > k // 2 for p, k in zip(geo[4:6], geo[0:2])):
        raise TorshValueError(f"{op}(): padding {geo[4:6]} must be at most half the kernel size {geo[0:2]}")
    return geo, 0 if divisor_override is None else int(divisor_override)


def avg_pool2d(x, kernel_size, stride, padding, output_size, count_include_pad=True, divisor_override=None):
    """Mean of every window of x (..., H, W) (PyTorch's divisor rules)."""
    op = "avg_pool2d"
    planes, lead, dtype = _planes(op, x)
    geo, divisor = _avg_args(op, kernel_size, stride, padding, output_size, divisor_override)
    p, h, w = planes.shape
    _check_windows(op, geo, (h, w))
    out = np.empty((p,) + geo[8:10], dtype)
    if out.size:
        _call("avg_pool2d", dtype, _cdata.src(planes), p, h, w, ffi.new("int64_t[]", list(geo)),
              bool(count_include_pad), divisor, _cdata.dst(out))
    return out.reshape(lead + geo[8:10])


def avg_pool2d_backward(grad_out, input_size, kernel_size, stride, padding, count_include_pad=True,
                        divisor_override=None):
    """The adjoint of avg_pool2d: each ``grad_out`` value divided by its divisor and spread over its window."""
    op = "avg_pool2d_backward"
    g, lead, dtype = _planes(op, grad_out)
    geo, divisor = _avg_args(op, kernel_size, stride, padding, grad_out.shape[-2:], divisor_override)
    h, w = (int(v) for v in input_size)
    if h < 0 or w < 0:
        raise TorshValueError(f"{op}(): input_size must be non-negative, got {tuple(input_size)}")
    _check_windows(op, geo, (h, w))
    p = g.shape[0]
    gx = np.empty((p, h, w), dtype)
    if gx.size:
        _call("avg_pool2d_backward", dtype, _cdata.src(g), p, h, w, ffi.new("int64_t[]", list(geo)),
              bool(count_include_pad), divisor, _cdata.dst(gx))
    return gx.reshape(lead + (h, w))
