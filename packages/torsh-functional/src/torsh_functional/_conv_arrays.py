"""The three array kernels of an N-d grouped convolution, each an im2col gather plus one batched BLAS matmul.

For x (N, C, *in), w (O, C/G, *k) and y (N, O, *out):
  conv_out(x, w) = y            (the forward)
  conv_in(y, w)  = x-shaped     (its adjoint in x: the input gradient, i.e. the transposed convolution)
  conv_w(x, y)   = w-shaped     (its adjoint in w: the weight gradient)
Patches are laid out as columns (G, C/G*K, N*L) with the batch folded in, so every product is one gemm per group,
the gather copies runs of whole output rows, and the input gradient scatters the columns back with one strided
add per kernel offset. 1-D and 2-D float32/float64 arrays on the CPU gather and scatter in torsh-backend's C
im2col/col2im instead (a 1-D convolution is a 2-D one of height 1), and with groups 1 skip the batched columns
altogether: torsh-backend's fused conv2d kernels gather one image at a time and multiply it while it is in cache.
"""

from math import prod

import numpy as np
from torsh_backend import conv as ckernels

from ._windows import Geometry, accumulate_windows, crop, pad_array, window_view

C_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def _c_geometry(xp, x, geo):
    """(kernel, stride, padding, dilation, out, in) as 2-D pairs when the C kernels take ``x``, else None."""
    d = len(geo.kernel)
    if xp is not np or d > 2 or x.dtype not in C_DTYPES:
        return None
    return tuple((one,) * (2 - d) + tuple(t) for t, one in ((geo.kernel, 1), (geo.stride, 1), (geo.pad_lo, 0),
                                                            (geo.dilation, 1), (geo.out_size, 1), (geo.in_size, 1)))


def fused_geometry(xp, x, geo):
    """_c_geometry when torsh-backend's fused conv2d kernels take ``x`` (groups 1), else None."""
    return _c_geometry(xp, x, geo) if geo.groups == 1 else None


__all__ = ["Geometry", "columns", "conv_in", "conv_out", "conv_w", "forward"]


def forward(xp, x, w, b, geo, keep_columns):
    """(the convolution plus bias ``b`` (or None), x's columns for conv_w when ``keep_columns``, else None)."""
    n, o = x.shape[0], w.shape[0]
    fused = fused_geometry(xp, x, geo)
    if fused is not None:
        kernel, stride, pad, dilation, out, size = fused
        y = ckernels.conv2d_forward(x.reshape(x.shape[:2] + size), w.reshape(w.shape[:2] + kernel), b, stride, pad,
                                    dilation, out)
        return y.reshape((n, o) + geo.out_size), None
    cols = columns(xp, x, geo)
    y = conv_out(xp, x, w, geo, cols)
    if b is not None:
        y += b.reshape((1, -1) + (1,) * (y.ndim - 2))
    return y, cols if keep_columns else None


def columns(xp, x, geo):
    """Patches of x as columns: (G, C/G*K, N*L), contiguous, batch folded into the columns."""
    n, c = x.shape[:2]
    g, d = geo.groups, len(geo.kernel)
    c_geo = _c_geometry(xp, x, geo)
    if c_geo is not None:
        kernel, stride, pad, dilation, out, size = c_geo
        cols = ckernels.im2col(x.reshape((n, c) + size), kernel, stride, pad, dilation, out)
        return cols.reshape(g, (c // g) * prod(geo.kernel), n * prod(geo.out_size))
    xpad = pad_array(xp, x, geo.pad_lo, geo.pad_hi).reshape((n, g, c // g) + geo.padded)
    win = window_view(xp, xpad, geo.kernel, geo.dilation, geo.stride, geo.out_size)  # (N, G, Cg, *out, *k)
    perm = (1, 2) + tuple(range(3 + d, 3 + 2 * d)) + (0,) + tuple(range(3, 3 + d))  # (G, Cg, *k, N, *out)
    return xp.ascontiguousarray(win.transpose(perm)).reshape(g, (c // g) * prod(geo.kernel), n * prod(geo.out_size))


def _out_columns(xp, y, geo):
    """y (N, O, *out) as (G, O/G, N*L), contiguous."""
    n, o = y.shape[:2]
    g, length = geo.groups, prod(geo.out_size)
    return xp.ascontiguousarray(y.reshape(n, g, o // g, length).transpose(1, 2, 0, 3)).reshape(g, o // g, n * length)


def _matmul(xp, a, b):
    """BLAS matmul; half and bfloat16 (no BLAS kernels) compute in float32 and round once, as PyTorch's CPU does."""
    if a.dtype in C_DTYPES:
        return xp.matmul(a, b)
    return xp.matmul(a.astype(xp.float32), b.astype(xp.float32)).astype(a.dtype)


def conv_out(xp, x, w, geo, cols=None):
    """The convolution (cross-correlation, as in PyTorch); ``cols`` are x's columns if already gathered."""
    n = x.shape[0]
    o, g = w.shape[0], geo.groups
    cols = columns(xp, x, geo) if cols is None else cols
    y = _matmul(xp, w.reshape(g, o // g, -1), cols)  # (G, O/G, N*L)
    y = y.reshape(g, o // g, n, prod(geo.out_size)).transpose(2, 0, 1, 3)
    return xp.ascontiguousarray(y).reshape((n, o) + geo.out_size)


def conv_in(xp, y, w, geo):
    """The adjoint of conv_out in x: scatter ``y`` back through the windows (a transposed convolution)."""
    n = y.shape[0]
    o, cg = w.shape[:2]
    g, d = geo.groups, len(geo.kernel)
    fused = fused_geometry(xp, y, geo)
    if fused is not None:
        kernel, stride, pad, dilation, out, size = fused
        x = ckernels.conv2d_backward_input(y.reshape((n, o) + out), w.reshape((o, cg) + kernel), (n, cg) + size,
                                           stride, pad, dilation, out)
        return x.reshape((n, cg) + geo.in_size)
    cols = _matmul(xp, w.reshape(g, o // g, -1).transpose(0, 2, 1), _out_columns(xp, y, geo))  # (G, Cg*K, N*L)
    c_geo = _c_geometry(xp, cols, geo)
    if c_geo is not None:
        kernel, stride, pad, dilation, out, size = c_geo
        x = ckernels.col2im(cols.reshape(g * cg * prod(kernel), -1), (n, g * cg) + size, kernel, stride, pad,
                            dilation, out)
        return x.reshape((n, g * cg) + geo.in_size)
    cols = cols.reshape((g, cg) + geo.kernel + (n,) + geo.out_size)
    perm = (2 + d, 0, 1) + tuple(range(3 + d, 3 + 2 * d)) + tuple(range(2, 2 + d))  # (N, G, Cg, *out, *k)
    target = xp.zeros((n, g, cg) + geo.padded, dtype=cols.dtype)
    accumulate_windows(target, cols.transpose(perm), geo.kernel, geo.dilation, geo.stride, geo.out_size)
    x = crop(target, geo.pad_lo, geo.in_size)
    return xp.ascontiguousarray(x).reshape((n, g * cg) + geo.in_size)


def conv_w(xp, x, y, geo, cols=None):
    """The adjoint of conv_out in w: correlate the input patches (``cols`` if already gathered) with ``y``."""
    o = y.shape[1]
    c = x.shape[1]
    fused = fused_geometry(xp, x, geo) if cols is None else None
    if fused is not None:
        kernel, stride, pad, dilation, out, size = fused
        n = x.shape[0]
        gw = ckernels.conv2d_backward_weight(y.reshape((n, o) + out), x.reshape((n, c) + size), kernel, stride, pad,
                                             dilation, out)
        return gw.reshape((o, c) + geo.kernel)
    cols = columns(xp, x, geo) if cols is None else cols
    gw = _matmul(xp, _out_columns(xp, y, geo), cols.transpose(0, 2, 1))  # (G, O/G, Cg*K)
    return gw.reshape((o, c // geo.groups) + geo.kernel)
