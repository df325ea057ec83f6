"""Max, average and power-average pooling plus max unpooling, vectorised over all windows.

Each op loops only over kernel offsets (a 3x3 window is 9 strided array ops over the whole batch). Max pooling
keeps the flat input index of each maximum for its gradient (a scatter) and for ``return_indices``. 1-D and 2-D
pooling of CPU float32/float64 arrays runs in torsh-backend's C kernels (a 1-D window is a 2-D one of height 1).
"""

import itertools
from math import prod

import numpy as np
from torsh_backend import pool as cpool
from torsh_core.errors import TorshRuntimeError, TorshValueError

from ._op import check_tensor, dtype_name, needs_grad, ntuple, result, wrap, xp_of
from ._plane import scatter_plane
from ._windows import Geometry, accumulate_windows, crop, offset_slices, out_size, pad_array
from .activation import relu


def _dims(input, d, name):
    check_tensor(input, "input", name)
    if input.ndim not in (d + 1, d + 2) or input.numel() == 0 and any(n == 0 for n in input.shape[-d:]):
        raise TorshRuntimeError(f"non-empty {d + 1}D or {d + 2}D (batch mode) tensor expected for input")


def _geometry(input, d, kernel_size, stride, padding, dilation, ceil_mode, name):
    """Window geometry with PyTorch's checks; the high side gets the extra padding ceil_mode may need."""
    kernel = ntuple(kernel_size, d, "kernel_size")
    stride = kernel if stride is None or (isinstance(stride, (list, tuple)) and len(stride) == 0) else ntuple(
        stride, d, "stride")
    pad = ntuple(padding, d, "padding")
    dilation = ntuple(dilation, d, "dilation")
    if any(k <= 0 for k in kernel):
        raise TorshRuntimeError(f"{name}: kernel_size must be greater than zero, but got {list(kernel)}")
    if any(s <= 0 for s in stride):
        raise TorshRuntimeError("stride should not be zero")
    if any(v <= 0 for v in dilation):
        raise TorshRuntimeError(f"dilation should be greater than zero, but got dilation {list(dilation)}")
    for p, k, dl in zip(pad, kernel, dilation):
        if p < 0 or p > (dl * (k - 1) + 1) // 2:
            raise TorshRuntimeError(f"pad should be at most half of effective kernel size, but got pad={p}, "
                                    f"kernel_size={k} and dilation={dl}")
    size = tuple(input.shape[-d:])
    out = tuple(out_size(n, k, s, p, p, dl, ceil_mode) for n, k, s, p, dl in zip(size, kernel, stride, pad, dilation))
    if any(o <= 0 for o in out):
        channels = input.shape[-d - 1] if input.ndim > d else 1
        raise TorshRuntimeError(f"Given input size: ({'x'.join(map(str, (channels,) + size))}). Calculated output "
                                f"size: ({'x'.join(map(str, (channels,) + out))}). Output size is too small")
    hi = tuple(max(p, (o - 1) * s + dl * (k - 1) + 1 - n - p)
               for n, k, s, p, dl, o in zip(size, kernel, stride, pad, dilation, out))
    return Geometry(kernel, stride, dilation, pad, hi, 1, size, out)


# -- the C path -----------------------------------------------------------------------------------------------
def _c_ready(xp, a, d):
    return xp is np and d <= 2 and a.dtype in (np.float32, np.float64)


def _lift(a, d):
    """A 1-D pooling input (..., L) as a 2-D one (..., 1, L)."""
    return a if d == 2 else a.reshape(a.shape[:-1] + (1,) + a.shape[-1:])


def _lift_geo(geo, d):
    """(kernel, stride, padding, dilation, out, in) as 2-D pairs."""
    return tuple((one,) * (2 - d) + tuple(t) for t, one in ((geo.kernel, 1), (geo.stride, 1), (geo.pad_lo, 0),
                                                            (geo.dilation, 1), (geo.out_size, 1), (geo.in_size, 1)))


def _avg_c(x, geo, include, divisor):
    """Average pooling in C; its backward is ``_avg_c_adjoint`` and vice versa (gradients of any order)."""
    d = len(geo.kernel)
    kernel, stride, pad, _, out, _ = _lift_geo(geo, d)
    a = x._data
    arr = cpool.avg_pool2d(_lift(a, d), kernel, stride, pad, out, include, divisor)
    return result(arr.reshape(a.shape[:-d] + geo.out_size), (x,), lambda node, g: _avg_c_adjoint(g, *node.args),
                  "AvgPoolBackward0", args=(geo, include, divisor))


def _avg_c_adjoint(g, geo, include, divisor):
    d = len(geo.kernel)
    kernel, stride, pad, _, _, size = _lift_geo(geo, d)
    a = g._data
    arr = cpool.avg_pool2d_backward(_lift(a, d), size, kernel, stride, pad, include, divisor)
    return result(arr.reshape(a.shape[:-d] + geo.in_size), (g,), lambda node, gg: _avg_c(gg, *node.args),
                  "AvgPoolBackwardBackward0", args=(geo, include, divisor))


# -- max pooling ----------------------------------------------------------------------------------------------
def _max_pool(input, d, name, kernel_size, stride, padding, dilation, ceil_mode, return_indices):
    _dims(input, d, name)
    if input.dtype.name == "bool" or input.is_complex():
        raise TorshRuntimeError(f'"{name}" not implemented for \'{dtype_name(input)}\'')
    geo = _geometry(input, d, kernel_size, stride, padding, dilation, ceil_mode, name)
    xp = xp_of(input)
    a = input._data
    if _c_ready(xp, a, d):
        best, idx = cpool.max_pool2d(_lift(a, d), *_lift_geo(geo, d)[:5])
        best, idx = best.reshape(a.shape[:-d] + geo.out_size), idx.reshape(a.shape[:-d] + geo.out_size)
        if not (return_indices or needs_grad(input)):
            return wrap(best)
        indices = wrap(idx)
        out = result(best, (input,), _max_pool_backward, f"MaxPool{d}DWithIndicesBackward0", indices=indices,
                     plane=geo.in_size)
        return (out, indices) if return_indices else out
    low = -np.inf if a.dtype.kind == "f" else np.iinfo(a.dtype).min
    xpad = pad_array(xp, a, geo.pad_lo, geo.pad_hi, low)
    windows = [xpad[(Ellipsis,) + sl] for _, sl in offset_slices(geo.kernel, geo.dilation, geo.stride,
                                                                   geo.out_size)]
    best = windows[0].copy()
    for v in windows[1:]:
        xp.maximum(best, v, out=best)  # propagates NaN, as PyTorch's max pooling does
    if not (return_indices or needs_grad(input)):
        return wrap(best)
    arg = _argmax_offsets(xp, windows, best)
    clip = (any(geo.pad_lo) or any(geo.pad_hi)) and bool((best == low).any())
    indices = wrap(_flat_indices(xp, arg, geo, clip))
    out = result(best, (input,), _max_pool_backward, f"MaxPool{d}DWithIndicesBackward0", indices=indices,
                 plane=geo.in_size)
    return (out, indices) if return_indices else out


def _argmax_offsets(xp, windows, best):
    """Which kernel offset holds each maximum: the first one equal to it, or the last NaN (PyTorch's choice).

    The first match is counted as the number of leading offsets that do not match (cheap boolean passes).
    """
    missing = windows[0] != best
    arg = missing.astype(np.int16)
    for v in windows[1:-1]:
        missing &= v != best
        arg += missing
    nan = best != best
    if bool(nan.any()):
        for i, v in enumerate(windows):
            xp.copyto(arg, i, where=nan & (v != v))
    return arg


def _flat_indices(xp, arg, geo, clip):
    """Flat input-plane positions of the chosen kernel offsets ``arg`` (each output's own window).

    Position = window start + offset, both flat; ``clip`` moves choices that landed on padding (only possible when
    a whole window holds the padding value) to the nearest input cell, where PyTorch's loop starts.
    """
    d = len(geo.kernel)
    offs = np.array(list(itertools.product(*(range(k) for k in geo.kernel))), dtype=np.int64).reshape(-1, d)
    plane = [prod(geo.in_size[j + 1:]) for j in range(d)]
    starts = []
    for j in range(d):
        shape = [1] * d
        shape[j] = geo.out_size[j]
        starts.append(xp.arange(geo.out_size[j], dtype=np.int64).reshape(shape) * geo.stride[j] - geo.pad_lo[j])
    if not clip:
        delta = xp.asarray((offs * np.array(geo.dilation) * np.array(plane)).sum(axis=1))
        return sum(start * step for start, step in zip(starts, plane)) + delta[arg]
    flat = 0
    for j in range(d):
        coord = xp.clip(starts[j] + xp.asarray(offs[:, j])[arg] * geo.dilation[j], 0, geo.in_size[j] - 1)
        flat = flat * geo.in_size[j] + coord
    return flat


def _max_pool_backward(node, g):
    return scatter_plane(g, node.indices, node.plane)


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    return _max_pool(input, 1, "max_pool1d", kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    return _max_pool(input, 2, "max_pool2d", kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    return _max_pool(input, 3, "max_pool3d", kernel_size, stride, padding, dilation, ceil_mode, return_indices)


max_pool1d_with_indices = max_pool1d
max_pool2d_with_indices = max_pool2d
max_pool3d_with_indices = max_pool3d


# -- max unpooling ------------------------------------------------------------------------------------------
def _max_unpool(input, indices, d, name, kernel_size, stride, padding, output_size):
    _dims(input, d, name)
    kernel = ntuple(kernel_size, d, "kernel_size")
    stride = kernel if stride is None else ntuple(stride, d, "stride")
    pad = ntuple(padding, d, "padding")
    if tuple(indices.shape) != tuple(input.shape):
        raise TorshRuntimeError(f"Expected shape of indices to be same as that of the input tensor "
                                f"({list(input.shape)}) but got indices tensor with shape: {list(indices.shape)}")
    default = tuple((n - 1) * s + k - 2 * p for n, s, k, p in zip(input.shape[-d:], stride, kernel, pad))
    if output_size is None:
        size = default
    else:
        size = tuple(output_size)[-d:] if len(output_size) in (d, input.ndim) else None
        if size is None:
            raise TorshValueError(f"output_size should be a sequence containing {d} or {d + 2} elements, but it has "
                                  f"a length of '{len(output_size)}'")
        for i, (n, dflt, s) in enumerate(zip(size, default, stride)):
            if not dflt - s < n < dflt + s:
                raise TorshValueError(f'invalid output_size "{tuple(size)}" (dim {i} must be between {dflt - s} and '
                                      f'{dflt + s})')
    plane = prod(size)
    if indices.numel() and (int(indices._data.min()) < 0 or int(indices._data.max()) >= plane):
        bad = int(indices._data.max()) if int(indices._data.max()) >= plane else int(indices._data.min())
        raise TorshRuntimeError(f"Found an invalid max index: {bad} (output volumes are of size "
                                f"{'x'.join(map(str, size))})")
    return scatter_plane(input, indices, size, accumulate=False)


def max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Place each value at its max_pool1d index in a zero plane (a partial inverse of max pooling)."""
    return _max_unpool(input, indices, 1, "max_unpool1d", kernel_size, stride, padding, output_size)


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    return _max_unpool(input, indices, 2, "max_unpool2d", kernel_size, stride, padding, output_size)


def max_unpool3d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    return _max_unpool(input, indices, 3, "max_unpool3d", kernel_size, stride, padding, output_size)


# -- average pooling ------------------------------------------------------------------------------------------
def _window_sum(x, geo):
    """Sum of every window (zero padding); the adjoint of ``_window_spread``."""
    xp = xp_of(x)
    xpad = pad_array(xp, x._data, geo.pad_lo, geo.pad_hi)
    slices = [sl for _, sl in offset_slices(geo.kernel, geo.dilation, geo.stride, geo.out_size)]
    total = xpad[(Ellipsis,) + slices[0]].copy()
    for sl in slices[1:]:
        total += xpad[(Ellipsis,) + sl]
    return result(total, (x,), lambda node, g: _window_spread(g, node.geo), "AvgPoolBackward0", geo=geo)


def _window_spread(g, geo):
    """Add each output value into every input position of its window."""
    xp = xp_of(g)
    a = g._data
    d = len(geo.kernel)
    target = xp.zeros(a.shape[:a.ndim - d] + geo.padded, dtype=a.dtype)
    cols = a.reshape(a.shape + (1,) * d)
    cols = xp.broadcast_to(cols, a.shape + geo.kernel)
    accumulate_windows(target, cols, geo.kernel, geo.dilation, geo.stride, geo.out_size)
    out = xp.ascontiguousarray(crop(target, geo.pad_lo, geo.in_size))
    return result(out, (g,), lambda node, gg: _window_sum(gg, node.geo), "AvgPoolBackwardBackward0", geo=geo)


def _divisor(xp, geo, count_include_pad, dtype):
    """How many elements each window averages over (PyTorch's rule: padding counts, the ceil_mode overhang not)."""
    total = None
    for j in range(len(geo.kernel)):
        n, k, s, p, o = geo.in_size[j], geo.kernel[j], geo.stride[j], geo.pad_lo[j], geo.out_size[j]
        start = np.arange(o) * s - p
        end = np.minimum(start + k, n + p)
        count = end - start if count_include_pad else np.minimum(end, n) - np.maximum(start, 0)
        shape = [1] * len(geo.kernel)
        shape[j] = o
        count = count.reshape(shape)
        total = count if total is None else total * count
    return xp.asarray(total.astype(dtype))


def _avg_pool(input, d, name, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override):
    _dims(input, d, name)
    if not input.is_floating_point():
        raise TorshRuntimeError(f'"{name}" not implemented for \'{dtype_name(input)}\'')
    if divisor_override is not None and divisor_override == 0:
        raise TorshRuntimeError("divisor must be not zero")
    geo = _geometry(input, d, kernel_size, stride, padding, 1, ceil_mode, name)
    if _c_ready(xp_of(input), input._data, d) and (
            divisor_override is None or isinstance(divisor_override, int) and divisor_override > 0):
        return _avg_c(input, geo, bool(count_include_pad), divisor_override)
    total = _window_sum(input, geo)
    if divisor_override is not None:
        return total / divisor_override
    return total / wrap(_divisor(xp_of(input), geo, count_include_pad, input._data.dtype))


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    return _avg_pool(input, 1, "avg_pool1d", kernel_size, stride, padding, ceil_mode, count_include_pad, None)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    return _avg_pool(input, 2, "avg_pool2d", kernel_size, stride, padding, ceil_mode, count_include_pad,
                     divisor_override)


def avg_pool3d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    return _avg_pool(input, 3, "avg_pool3d", kernel_size, stride, padding, ceil_mode, count_include_pad,
                     divisor_override)


# -- power-average pooling ------------------------------------------------------------------------------------
def _lp_pool(input, d, norm_type, kernel_size, stride, ceil_mode):
    kernel = ntuple(kernel_size, d, "kernel_size")
    pool = (avg_pool1d, avg_pool2d, avg_pool3d)[d - 1]
    out = pool(input.pow(norm_type), kernel, stride, 0, ceil_mode)
    return (out.sign() * relu(out.abs())).mul(prod(kernel)).pow(1.0 / norm_type)


def lp_pool1d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """(sum of x^p over each window)^(1/p)."""
    return _lp_pool(input, 1, norm_type, kernel_size, stride, ceil_mode)


def lp_pool2d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    return _lp_pool(input, 2, norm_type, kernel_size, stride, ceil_mode)


def lp_pool3d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    return _lp_pool(input, 3, norm_type, kernel_size, stride, ceil_mode)

