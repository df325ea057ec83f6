"""unfold (im2col) and fold (col2im): sliding blocks to columns and back; each is the other's adjoint."""

from math import prod

from torsh_core.errors import TorshNotImplementedError, TorshRuntimeError

from ._op import check_tensor, ntuple, result, xp_of
from ._windows import Geometry, accumulate_windows, crop, out_size, pad_array, window_view


def _unfold(x, geo):
    """(N, C, *in) -> (N, C*K, L)."""
    xp = xp_of(x)
    n, c = x.shape[:2]
    d = len(geo.kernel)
    win = window_view(xp, pad_array(xp, x._data, geo.pad_lo, geo.pad_hi), geo.kernel, geo.dilation, geo.stride,
                      geo.out_size)  # (N, C, *out, *k)
    perm = (0, 1) + tuple(range(2 + d, 2 + 2 * d)) + tuple(range(2, 2 + d))
    cols = xp.ascontiguousarray(win.transpose(perm)).reshape(n, c * prod(geo.kernel), prod(geo.out_size))
    return result(cols, (x,), lambda node, g: _fold(g, node.geo), "Im2ColBackward0", geo=geo)


def _fold(cols, geo):
    """(N, C*K, L) -> (N, C, *in), adding overlapping blocks."""
    xp = xp_of(cols)
    n, ck = cols.shape[:2]
    d = len(geo.kernel)
    c = ck // prod(geo.kernel)
    blocks = cols._data.reshape((n, c) + geo.kernel + geo.out_size)
    perm = (0, 1) + tuple(range(2 + d, 2 + 2 * d)) + tuple(range(2, 2 + d))  # (N, C, *out, *k)
    target = xp.zeros((n, c) + geo.padded, dtype=blocks.dtype)
    accumulate_windows(target, blocks.transpose(perm), geo.kernel, geo.dilation, geo.stride, geo.out_size)
    out = xp.ascontiguousarray(crop(target, geo.pad_lo, geo.in_size))
    return result(out, (cols,), lambda node, g: _unfold(g, node.geo), "Col2ImBackward0", geo=geo)


def _geometry(size, kernel_size, dilation, padding, stride):
    d = len(size)
    kernel = ntuple(kernel_size, d, "kernel_size")
    dilation, padding, stride = (ntuple(dilation, d, "dilation"), ntuple(padding, d, "padding"),
                                 ntuple(stride, d, "stride"))
    if any(v <= 0 for v in kernel + dilation + stride) or any(p < 0 for p in padding):
        raise TorshRuntimeError(f"kernel size, dilation and stride should be greater than zero and padding "
                                f"non-negative, but got kernel_size={kernel}, dilation={dilation}, "
                                f"padding={padding}, stride={stride}")
    out = tuple(out_size(n, k, s, p, p, dl) for n, k, s, p, dl in zip(size, kernel, stride, padding, dilation))
    return Geometry(kernel, stride, dilation, padding, padding, 1, tuple(size), out)


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """Extract sliding blocks of (N, C, H, W) input as columns (N, C*kH*kW, L)."""
    check_tensor(input, "input", "unfold")
    if input.ndim not in (3, 4):
        raise TorshNotImplementedError(f"Input Error: Only 3D or 4D input Tensors are supported (got {input.ndim}D)")
    x = input if input.ndim == 4 else input.unsqueeze(0)
    geo = _geometry(tuple(x.shape[2:]), kernel_size, dilation, padding, stride)
    if any(o <= 0 for o in geo.out_size):
        raise TorshRuntimeError(f"Given input with spatial size {tuple(x.shape[2:])}, kernel_size={geo.kernel}, "
                                f"dilation={geo.dilation}, padding={geo.pad_lo}, calculated shape of the array of "
                                f"sliding blocks as {geo.out_size}, but its components must be at least one.")
    out = _unfold(x, geo)
    return out if input.ndim == 4 else out.squeeze(0)


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """Sum columns (N, C*kH*kW, L) of sliding blocks back into an (N, C, H, W) image (unfold's adjoint)."""
    check_tensor(input, "input", "fold")
    if input.ndim not in (2, 3):
        raise TorshNotImplementedError(f"Input Error: Only unbatched (2D) or batched (3D) input Tensors are supported "
                                       f"(got {input.ndim}D)")
    x = input if input.ndim == 3 else input.unsqueeze(0)
    geo = _geometry(ntuple(output_size, 2, "output_size"), kernel_size, dilation, padding, stride)
    k = prod(geo.kernel)
    if x.shape[1] % k:
        raise TorshRuntimeError(f"Expected size of input's dimension 1 to be divisible by the product of kernel_size, "
                                f"but got input.size(1)={x.shape[1]} and kernel_size={geo.kernel}")
    blocks = prod(geo.out_size)
    if x.shape[2] != blocks or any(o <= 0 for o in geo.out_size):
        raise TorshRuntimeError(f"Given output_size={geo.in_size}, kernel_size={geo.kernel}, dilation={geo.dilation}, "
                                f"padding={geo.pad_lo}, stride={geo.stride}, expected size of input's dimension 2 to "
                                f"match the calculated number of sliding blocks "
                                f"{' * '.join(map(str, geo.out_size))} = {blocks}, but got input.size(2)={x.shape[2]}.")
    out = _fold(x, geo)
    return out if input.ndim == 3 else out.squeeze(0)
