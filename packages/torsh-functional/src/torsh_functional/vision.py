"""Resizing and rearranging images: interpolate/upsample, pixel_shuffle/unshuffle, channel_shuffle.

Every interpolation mode is separable, so resizing is one pass per spatial axis: an index gather for the nearest
modes, and a small (out x in) weight matrix applied by matmul for linear and cubic modes. Source coordinates
follow PyTorch's rules (align_corners, given scale factors, float32 arithmetic for nearest) so results match.
"""

import math
import warnings

import numpy as np
from torsh_core.errors import TorshNotImplementedError, TorshRuntimeError, TorshValueError

from ._op import check_tensor, wrap, xp_of
from .adaptive_pooling import adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d

_MODES_BY_DIM = {"nearest": (1, 2, 3), "nearest-exact": (1, 2, 3), "area": (1, 2, 3), "linear": (1,),
                 "bilinear": (2,), "bicubic": (2,), "trilinear": (3,)}
_CUBIC_A = -0.75


def _nearest_index(n_in, n_out, scale, exact):
    """PyTorch's nearest / nearest-exact source indices (computed in float32, as its kernels do)."""
    i = np.arange(n_out)
    if not exact and n_out == n_in:
        return i
    if not exact and n_out == 2 * n_in:
        return i >> 1
    s = np.float32(1.0 / scale) if scale else np.float32(n_in) / np.float32(n_out)
    pos = (i.astype(np.float32) + np.float32(0.5)) * s if exact else i.astype(np.float32) * s
    return np.minimum(np.floor(pos).astype(np.int64), n_in - 1)


def _source_coords(n_in, n_out, scale, align_corners, cubic, dtype):
    """Real-valued source coordinate of every output position (area_pixel_compute_source_index)."""
    i = np.arange(n_out, dtype=dtype)
    if align_corners:
        ratio = dtype((n_in - 1) / (n_out - 1)) if n_out > 1 else dtype(0)
        return ratio * i
    ratio = dtype(1.0 / scale) if scale else dtype(n_in) / dtype(n_out)
    src = ratio * (i + dtype(0.5)) - dtype(0.5)
    return src if cubic else np.maximum(src, dtype(0))


def _linear_matrix(n_in, n_out, scale, align_corners, dtype):
    m = np.zeros((n_out, n_in), dtype=dtype)
    if n_in == n_out:
        np.fill_diagonal(m, 1)
        return m
    src = _source_coords(n_in, n_out, scale, align_corners, False, dtype)
    i0 = np.minimum(np.floor(src).astype(np.int64), n_in - 1)
    lam1 = np.clip(src - i0, 0, 1).astype(dtype)
    i1 = i0 + (i0 < n_in - 1)
    rows = np.arange(n_out)
    np.add.at(m, (rows, i0), 1 - lam1)
    np.add.at(m, (rows, i1), lam1)
    return m


def _cubic_matrix(n_in, n_out, scale, align_corners, dtype):
    m = np.zeros((n_out, n_in), dtype=dtype)
    src = _source_coords(n_in, n_out, scale, align_corners, True, dtype)
    base = np.floor(src)
    t = (src - base).astype(dtype)
    a = dtype(_CUBIC_A)

    def near(x):  # |x| <= 1
        return ((a + 2) * x - (a + 3)) * x * x + 1

    def far(x):  # 1 < |x| < 2
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a

    weights = (far(t + 1), near(t), near(1 - t), far(2 - t))
    rows = np.arange(n_out)
    for k, w in enumerate(weights):
        np.add.at(m, (rows, np.clip(base.astype(np.int64) - 1 + k, 0, n_in - 1)), w)
    return m


def _resample_axis(x, axis, matrix):
    """Apply an (out, in) matrix along ``axis`` of ``x`` (differentiable through matmul)."""
    m = wrap(xp_of(x).asarray(np.ascontiguousarray(matrix.T)))
    return (x.transpose(axis, -1) @ m).transpose(axis, -1)


def _sizes(input, dim, size, scale_factor, recompute_scale_factor, mode):
    if size is not None and scale_factor is not None:
        raise TorshValueError("only one of size or scale_factor should be defined")
    spatial = tuple(input.shape[2:])
    if size is not None:
        sizes = (size,) * dim if isinstance(size, int) else tuple(int(s) for s in size)
        if len(sizes) != dim:
            raise TorshValueError(f"Input and output must have the same number of spatial dimensions, but got input "
                                  f"with spatial dimensions of {list(spatial)} and output size of {list(sizes)}. "
                                  "Please provide input tensor in (N, C, d1, d2, ...,dK) format and output size in "
                                  "(o1, o2, ...,oK) format.")
        if recompute_scale_factor:
            raise TorshValueError("recompute_scale_factor is not meaningful with an explicit size.")
        return sizes, (None,) * dim
    if scale_factor is None:
        raise TorshValueError("either size or scale_factor should be defined")
    scales = (float(scale_factor),) * dim if isinstance(scale_factor, (int, float)) else tuple(
        float(s) for s in scale_factor)
    if len(scales) != dim:
        raise TorshValueError(f"Input and scale_factor must have the same number of spatial dimensions, but got input "
                              f"with spatial dimensions of {list(spatial)} and scale_factor of shape {list(scales)}. "
                              "Please provide input tensor in (N, C, d1, d2, ...,dK) format and scale_factor in "
                              "(s1, s2, ...,sK) format.")
    sizes = tuple(int(math.floor(n * s)) for n, s in zip(spatial, scales))
    if recompute_scale_factor or mode == "area":
        return sizes, (None,) * dim
    return sizes, scales


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False):
    """Resize the spatial dims of (N, C, *spatial) input to ``size`` or by ``scale_factor``."""
    check_tensor(input, "input", "interpolate")
    if mode in ("nearest", "area", "nearest-exact"):
        if align_corners is not None:
            raise TorshValueError("align_corners option can only be set with the interpolating modes: "
                                  "linear | bilinear | bicubic | trilinear")
    elif align_corners is None:
        align_corners = False
    dim = input.ndim - 2
    if mode not in _MODES_BY_DIM or dim not in (1, 2, 3):
        raise TorshNotImplementedError(f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {input.ndim}D) "
                                       "for the modes: nearest | linear | bilinear | bicubic | trilinear | area | "
                                       f"nearest-exact (got {mode})")
    if dim not in _MODES_BY_DIM[mode]:
        need = {1: "3D", 2: "4D", 3: "5D"}[_MODES_BY_DIM[mode][0]]
        raise TorshNotImplementedError(f"Got {input.ndim}D input, but {mode} mode needs {need} input")
    if antialias:
        raise TorshNotImplementedError("interpolate(antialias=True) is not supported by torsh yet")
    sizes, scales = _sizes(input, dim, size, scale_factor, recompute_scale_factor, mode)
    if any(s <= 0 for s in sizes):
        raise TorshRuntimeError(f"Input and output sizes should be greater than 0, but got input "
                                f"{list(input.shape[2:])} and output {list(sizes)}")
    if mode == "area":
        return (adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d)[dim - 1](input, sizes)
    if not input.is_floating_point() and mode != "nearest" and mode != "nearest-exact":
        raise TorshRuntimeError(f"\"upsample_{mode}\" not implemented for '{input.dtype.name}'")
    out = input
    real = np.float64 if input.dtype.name == "float64" else np.float32
    for j, (n_out, scale) in enumerate(zip(sizes, scales)):
        axis = 2 + j
        n_in = input.shape[axis]
        if mode in ("nearest", "nearest-exact"):
            index = _nearest_index(n_in, n_out, scale, mode == "nearest-exact")
            out = out.index_select(axis, wrap(xp_of(input).asarray(index)))
        elif mode == "bicubic":
            out = _resample_axis(out, axis, _cubic_matrix(n_in, n_out, scale, align_corners, real))
        else:
            out = _resample_axis(out, axis, _linear_matrix(n_in, n_out, scale, align_corners, real))
    return out


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    """Deprecated alias of interpolate."""
    warnings.warn("nn.functional.upsample is deprecated. Use nn.functional.interpolate instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input, size=None, scale_factor=None):
    warnings.warn("nn.functional.upsample_nearest is deprecated. Use nn.functional.interpolate instead.",
                  stacklevel=2)
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input, size=None, scale_factor=None):
    warnings.warn("nn.functional.upsample_bilinear is deprecated. Use nn.functional.interpolate instead.",
                  stacklevel=2)
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


def pixel_shuffle(input, upscale_factor):
    """(*, C*r*r, H, W) -> (*, C, H*r, W*r)."""
    check_tensor(input, "input", "pixel_shuffle")
    r = int(upscale_factor)
    if input.ndim < 3:
        raise TorshRuntimeError(f"pixel_shuffle expects input to have at least 3 dimensions, but got input with "
                                f"{input.ndim} dimension(s)")
    if r <= 0:
        raise TorshRuntimeError(f"pixel_shuffle expects a positive upscale_factor, but got {r}")
    c, h, w = input.shape[-3:]
    if c % (r * r):
        raise TorshRuntimeError(f"pixel_shuffle expects its input's 'channel' dimension to be divisible by the square "
                                f"of upscale_factor, but input.size(-3)={c} is not divisible by {r * r}")
    lead = tuple(input.shape[:-3])
    k = len(lead)
    x = input.reshape(lead + (c // (r * r), r, r, h, w))
    x = x.permute(tuple(range(k)) + (k, k + 3, k + 1, k + 4, k + 2))
    return x.reshape(lead + (c // (r * r), h * r, w * r))


def pixel_unshuffle(input, downscale_factor):
    """(*, C, H*r, W*r) -> (*, C*r*r, H, W)."""
    check_tensor(input, "input", "pixel_unshuffle")
    r = int(downscale_factor)
    if input.ndim < 3:
        raise TorshRuntimeError(f"pixel_unshuffle expects input to have at least 3 dimensions, but got input with "
                                f"{input.ndim} dimension(s)")
    if r <= 0:
        raise TorshRuntimeError(f"pixel_unshuffle expects a positive downscale_factor, but got {r}")
    c, h, w = input.shape[-3:]
    if h % r or w % r:
        which, n = ("height", h) if h % r else ("width", w)
        raise TorshRuntimeError(f"pixel_unshuffle expects {which} to be divisible by downscale_factor, but input.size"
                                f"({-2 if which == 'height' else -1})={n} is not divisible by {r}")
    lead = tuple(input.shape[:-3])
    k = len(lead)
    x = input.reshape(lead + (c, h // r, r, w // r, r))
    x = x.permute(tuple(range(k)) + (k, k + 2, k + 4, k + 1, k + 3))
    return x.reshape(lead + (c * r * r, h // r, w // r))


def channel_shuffle(input, groups):
    """Interleave the channels of ``groups`` groups: (N, g*k, ...) -> (N, k*g, ...)."""
    check_tensor(input, "input", "channel_shuffle")
    if groups <= 0:
        raise TorshRuntimeError(f"Number of groups to divide channels in must be positive. Value of groups:{groups}")
    n, c = input.shape[:2]
    if c % groups:
        raise TorshRuntimeError(f"Number of channels must be divisible by groups. Got {c} channels and {groups} "
                                "groups.")
    rest = tuple(input.shape[2:])
    return input.reshape((n, groups, c // groups) + rest).transpose(1, 2).reshape((n, c) + rest)


native_channel_shuffle = channel_shuffle
