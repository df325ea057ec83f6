"""2-D convolution in C: im2col (windows of x as GEMM columns), col2im (its adjoint) and fused per-image kernels.

im2col/col2im leave the GEMM to NumPy/BLAS. Layouts: x (N, C, H, W); columns (C*KH*KW, N*OH*OW), row (c, kh, kw)
and column (n, oh, ow) holding x[n, c, oh*SH - PH + kh*DH, ow*SW - PW + kw*DW], zero where that lies outside x;
float32/float64 run in C (strided x is made contiguous first), other dtypes in NumPy. conv2d_forward,
conv2d_backward_weight and conv2d_backward_input (groups 1, float32/float64 only): with stride 1, dilation 1 and at
least 4 output channels, the forward and the input gradient are direct convolutions (no columns), and so is the
weight gradient when output rows are whole vectors and there are two (input channel, 8 output channels) tasks per
thread; otherwise a few images' columns are gathered at a time and multiplied while in cache with the BLAS
torsh_backend.blas registered (without one: im2col/col2im plus one NumPy product). Arguments are checked here.
"""

import numpy as np
from torsh_core.errors import DTypeError, ShapeError, TorshTypeError, TorshValueError

from . import _cdata, blas, threads
from ._checks import FAST_DTYPES, require_arrays
from ._native import ffi


def _pair(op, name, value, low):
    """Two ints >= ``low`` from an int or a pair."""
    pair = tuple(value) if isinstance(value, (tuple, list)) else (value, value)
    if len(pair) != 2 or not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in pair):
        raise TorshTypeError(f"{op}(): '{name}' must be an int or a pair of ints, got {value!r}")
    if any(v < low for v in pair):
        raise TorshValueError(f"{op}(): '{name}' must be at least {low}, got {pair}")
    return tuple(int(v) for v in pair)


def _geometry(op, kernel_size, stride, padding, dilation, output_size):
    """(KH, KW, SH, SW, PH, PW, DH, DW, OH, OW), each checked."""
    return (_pair(op, "kernel_size", kernel_size, 1) + _pair(op, "stride", stride, 1)
            + _pair(op, "padding", padding, 0) + _pair(op, "dilation", dilation, 1)
            + _pair(op, "output_size", output_size, 0))


def _c_geo(geo):
    return ffi.new("int64_t[]", list(geo))


def output_size(size, kernel_size, stride=1, padding=0, dilation=1):
    """(OH, OW) for input (H, W) with symmetric padding (the usual convolution rule)."""
    op = "output_size"
    h, w = _pair(op, "size", size, 0)
    (kh, kw), (sh, sw) = _pair(op, "kernel_size", kernel_size, 1), _pair(op, "stride", stride, 1)
    (ph, pw), (dh, dw) = _pair(op, "padding", padding, 0), _pair(op, "dilation", dilation, 1)
    return (max((h + 2 * ph - dh * (kh - 1) - 1) // sh + 1, 0), max((w + 2 * pw - dw * (kw - 1) - 1) // sw + 1, 0))


def im2col(x, kernel_size, stride, padding, dilation, output_size):
    """Columns (C*KH*KW, N*OH*OW) of x (N, C, H, W): every window position, zero outside x."""
    op = "im2col"
    dtype = require_arrays(op, x=x)
    if x.ndim != 4:
        raise ShapeError(f"{op}(): expected x of shape (N, C, H, W), got {x.shape}")
    geo = _geometry(op, kernel_size, stride, padding, dilation, output_size)
    n, c, h, w = x.shape
    kh, kw, sh, sw, ph, pw, dh, dw, oh, ow = geo
    cols = np.empty((c * kh * kw, n * oh * ow), dtype)
    if cols.size == 0:
        return cols
    if dtype in FAST_DTYPES:
        x = np.ascontiguousarray(x)
        _cdata.kernel("im2col", dtype)(_cdata.src(x), n, c, h, w, _c_geo(geo), _cdata.dst(cols))
        return cols
    out = cols.reshape(c, kh, kw, n, oh, ow)
    out[...] = 0
    for i in range(kh):
        for j in range(kw):
            ys, yo = _valid(i * dh - ph, sh, h, oh)
            xs, xo = _valid(j * dw - pw, sw, w, ow)
            out[:, i, j, :, yo, xo] = x[:, :, ys, xs].transpose(1, 0, 2, 3)
    return cols


def col2im(cols, input_shape, kernel_size, stride, padding, dilation, output_size):
    """The adjoint of im2col: x (N, C, H, W) = every column entry added at the position it was gathered from."""
    op = "col2im"
    dtype = require_arrays(op, cols=cols)
    if not (isinstance(input_shape, (tuple, list)) and len(input_shape) == 4
            and all(isinstance(v, (int, np.integer)) and v >= 0 for v in input_shape)):
        raise TorshValueError(f"{op}(): 'input_shape' must be four non-negative ints (N, C, H, W), got {input_shape!r}")
    n, c, h, w = (int(v) for v in input_shape)
    geo = _geometry(op, kernel_size, stride, padding, dilation, output_size)
    kh, kw, sh, sw, ph, pw, dh, dw, oh, ow = geo
    if cols.shape != (c * kh * kw, n * oh * ow):
        raise ShapeError(f"{op}(): expected cols of shape {(c * kh * kw, n * oh * ow)} for input {tuple(input_shape)}, "
                         f"got {cols.shape}")
    if dtype in FAST_DTYPES:
        x = np.empty((n, c, h, w), dtype)
        if x.size:
            cols = np.ascontiguousarray(cols)
            _cdata.kernel("col2im", dtype)(_cdata.src(cols), n, c, h, w, _c_geo(geo), _cdata.dst(x))
        return x
    x = np.zeros((n, c, h, w), dtype)
    src = cols.reshape(c, kh, kw, n, oh, ow)
    for i in range(kh):
        for j in range(kw):
            ys, yo = _valid(i * dh - ph, sh, h, oh)
            xs, xo = _valid(j * dw - pw, sw, w, ow)
            x[:, :, ys, xs] += src[:, i, j, :, yo, xo].transpose(1, 0, 2, 3)
    return x


def _valid(off, s, size, out):
    """Slices of input positions and of output indices o with 0 <= o*s + off < size (tb_span in conv.c)."""
    lo = 0 if off >= 0 else (-off + s - 1) // s
    hi = 0 if off >= size else (size - 1 - off) // s + 1
    lo, hi = min(lo, out), min(hi, out)
    if hi <= lo:
        return slice(0, 0), slice(0, 0)
    return slice(lo * s + off, (hi - 1) * s + off + 1, s), slice(lo, hi)


def _fast_only(op, **arrays):
    """The shared float32/float64 dtype of ``arrays`` (the fused kernels have no NumPy fallback)."""
    dtype = require_arrays(op, **arrays)
    if dtype not in FAST_DTYPES:
        raise DTypeError(f"{op}(): only float32 and float64 are supported, got {dtype}")
    return dtype


def _shape(op, name, arr, shape):
    if arr.shape != tuple(shape):
        raise ShapeError(f"{op}(): expected '{name}' of shape {tuple(shape)}, got {arr.shape}")


def _status(op, code):
    if code == -1:
        raise MemoryError(f"{op}(): out of memory for the per-thread scratch buffers")
    if code == -3:
        raise ShapeError(f"{op}(): the direct kernel needs output rows of whole 32-byte vectors")
    if code != 0:
        raise RuntimeError(f"{op}(): the C kernel found no BLAS registered (torsh_backend.blas)")


def _conv_shapes(op, x, weight):
    """(n, c, h, w, o, kh, kw) of x (N, C, H, W) and weight (O, C, KH, KW)."""
    if x.ndim != 4 or weight.ndim != 4 or x.shape[1] != weight.shape[1]:
        raise ShapeError(f"{op}(): expected x (N, C, H, W) and weight (O, C, KH, KW), got {x.shape} and {weight.shape}")
    return x.shape + (weight.shape[0],) + weight.shape[2:]


def _out(op, h, w, kh, kw, stride, padding, dilation, out):
    """The checked geometry, the output size by default given by the usual convolution rule."""
    out = output_size((h, w), (kh, kw), stride, padding, dilation) if out is None else out
    return _geometry(op, (kh, kw), stride, padding, dilation, out)


def _direct_suits(geo, out_channels):
    """Stride 1, dilation 1, and enough output channels to fill most of the kernel's blocks of 8."""
    return geo[2:4] == (1, 1) and geo[6:8] == (1, 1) and out_channels >= 4


def _weight_direct_suits(geo, c, o, dtype):
    """Stride 1, dilation 1, output rows of whole 32-byte vectors, and two (input channel, block of 8 output
    channels) tasks per thread at least (each task is one thread's)."""
    return (geo[2:4] == (1, 1) and geo[6:8] == (1, 1) and geo[9] % (32 // dtype.itemsize) == 0
            and -(-o // 8) * c >= 2 * threads.get_num_threads())


def aligned(a):
    """``a`` C-contiguous at a 64-byte boundary (a copy only when it is not): the weight-gradient kernel loads whole
    rows of g as vectors, and loads that straddle cache lines cost a fifth of its speed."""
    if a.flags.c_contiguous and a.ctypes.data % 64 == 0:
        return a
    raw = np.empty(a.nbytes + 64, np.uint8)
    start = -raw.ctypes.data % 64
    out = raw[start:start + a.nbytes].view(a.dtype).reshape(a.shape)
    out[...] = a
    return out


def _direct(op, x, weight, bias, padding, y):
    """``y`` = the stride-1 convolution of x (N, C, H, W) by weight (O, C, KH, KW) with ``padding`` in C."""
    n, c, h, w = x.shape
    o, _, kh, kw = weight.shape
    x, weight = np.ascontiguousarray(x), np.ascontiguousarray(weight)
    b = ffi.NULL if bias is None else _cdata.src(np.ascontiguousarray(bias))
    _status(op, _cdata.kernel("conv2d_direct", x.dtype)(_cdata.src(x), n, c, h, w, _cdata.src(weight), o, kh, kw,
                                                        *padding, b, _cdata.dst(y), *y.shape[2:]))
    return y


def conv2d_forward(x, weight, bias, stride, padding, dilation, output_size=None):
    """y (N, O, OH, OW) of x (N, C, H, W), weight (O, C, KH, KW) and bias (O,) or None; groups 1.

    ``output_size`` (OH, OW) defaults to the usual rule; a larger one reads zeros past the input, as in im2col."""
    op = "conv2d_forward"
    arrays = dict(x=x, weight=weight) if bias is None else dict(x=x, weight=weight, bias=bias)
    dtype = _fast_only(op, **arrays)
    n, c, h, w, o, kh, kw = _conv_shapes(op, x, weight)
    if bias is not None:
        _shape(op, "bias", bias, (o,))
    geo = _out(op, h, w, kh, kw, stride, padding, dilation, output_size)
    y = np.empty((n, o) + geo[8:], dtype)
    if y.size == 0 or c == 0:
        y[...] = 0 if bias is None else bias.reshape(1, o, 1, 1)
        return y
    if _direct_suits(geo, o):
        return _direct(op, x, weight, bias, geo[4:6], y)
    if not blas.AVAILABLE:
        cols = im2col(x, (kh, kw), geo[2:4], geo[4:6], geo[6:8], geo[8:])
        y[...] = (weight.reshape(o, -1) @ cols).reshape((o, n) + geo[8:]).transpose(1, 0, 2, 3)
        if bias is not None:
            y += bias.reshape(1, o, 1, 1)
        return y
    x, wt = np.ascontiguousarray(x), np.ascontiguousarray(weight)
    b = ffi.NULL if bias is None else _cdata.src(np.ascontiguousarray(bias))
    _status(op, _cdata.kernel(op, dtype)(_cdata.src(x), n, c, h, w, _c_geo(geo), _cdata.src(wt), o, b,
                                         _cdata.dst(y)))
    return y


def conv2d_backward_weight(g, x, kernel_size, stride, padding, dilation, output_size=None):
    """Weight gradient (O, C, KH, KW) of conv2d_forward: the sum over images of g[n] (O, L) @ columns(x[n])^T."""
    op = "conv2d_backward_weight"
    dtype = _fast_only(op, g=g, x=x)
    if x.ndim != 4 or g.ndim != 4 or g.shape[0] != x.shape[0]:
        raise ShapeError(f"{op}(): expected g (N, O, OH, OW) and x (N, C, H, W), got {g.shape} and {x.shape}")
    n, c, h, w = x.shape
    o = g.shape[1]
    kh, kw = _pair(op, "kernel_size", kernel_size, 1)
    geo = _out(op, h, w, kh, kw, stride, padding, dilation, output_size)
    _shape(op, "g", g, (n, o) + geo[8:])
    gw = np.empty((o, c, kh, kw), dtype)
    if g.size == 0 or gw.size == 0:
        gw[...] = 0
        return gw
    if _weight_direct_suits(geo, c, o, dtype):
        g, x = aligned(g), np.ascontiguousarray(x)
        _status(op, _cdata.kernel("conv2d_weight_direct", dtype)(_cdata.src(g), _cdata.src(x), n, c, h, w, o, kh, kw,
                                                                 *geo[4:6], _cdata.dst(gw), *geo[8:]))
        return gw
    if not blas.AVAILABLE:
        cols = im2col(x, (kh, kw), geo[2:4], geo[4:6], geo[6:8], geo[8:])
        gw[...] = (g.transpose(1, 0, 2, 3).reshape(o, -1) @ cols.T).reshape(gw.shape)
        return gw
    g, x = np.ascontiguousarray(g), np.ascontiguousarray(x)
    _status(op, _cdata.kernel(op, dtype)(_cdata.src(g), _cdata.src(x), n, c, h, w, _c_geo(geo), o, _cdata.dst(gw)))
    return gw


def conv2d_backward_input(g, weight, input_shape, stride, padding, dilation, output_size=None):
    """Input gradient (N, C, H, W) of conv2d_forward: col2im of weight^T @ g[n] for every image."""
    op = "conv2d_backward_input"
    dtype = _fast_only(op, g=g, weight=weight)
    if not (isinstance(input_shape, (tuple, list)) and len(input_shape) == 4
            and all(isinstance(v, (int, np.integer)) and v >= 0 for v in input_shape)):
        raise TorshValueError(f"{op}(): 'input_shape' must be four non-negative ints (N, C, H, W), got {input_shape!r}")
    n, c, h, w = (int(v) for v in input_shape)
    if weight.ndim != 4 or weight.shape[1] != c:
        raise ShapeError(f"{op}(): expected weight (O, {c}, KH, KW), got {weight.shape}")
    o, _, kh, kw = weight.shape
    geo = _out(op, h, w, kh, kw, stride, padding, dilation, output_size)
    _shape(op, "g", g, (n, o) + geo[8:])
    dx = np.empty((n, c, h, w), dtype)
    if dx.size == 0 or g.size == 0:
        dx[...] = 0
        return dx
    if _direct_suits(geo, c) and geo[4] < kh and geo[5] < kw and 2 * h * w <= 3 * geo[8] * geo[9]:
        # the adjoint of a stride-1 convolution: g convolved with the flipped, transposed weights (when the border
        # it pads g with is small: its zeros are multiplied too, so small images with large kernels go to the GEMM)
        flipped = weight[:, :, ::-1, ::-1].transpose(1, 0, 2, 3)
        return _direct(op, g, flipped, None, (kh - 1 - geo[4], kw - 1 - geo[5]), dx)
    if not blas.AVAILABLE:
        cols = weight.reshape(o, -1).T @ g.transpose(1, 0, 2, 3).reshape(o, -1)
        return col2im(cols, (n, c, h, w), (kh, kw), geo[2:4], geo[4:6], geo[6:8], geo[8:])
    wt, g = np.ascontiguousarray(weight), np.ascontiguousarray(g)
    _status(op, _cdata.kernel(op, dtype)(_cdata.src(g), _cdata.src(wt), o, n, c, h, w, _c_geo(geo), _cdata.dst(dx)))
    return dx
