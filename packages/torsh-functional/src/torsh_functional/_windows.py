"""Sliding windows over the last d axes of an array: sizes, padding, a zero-copy window view and its adjoint.

Convolution, pooling and unfold/fold all reduce to these: ``window_view`` gathers every window without copying
(one ``as_strided`` view) and ``accumulate_windows`` scatters window values back, adding where windows overlap,
with one strided add per kernel offset (never a Python loop over pixels).
"""

import itertools
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Geometry:
    """Everything about a sliding-window op except the tensors: sizes per spatial axis (and conv groups)."""

    kernel: tuple
    stride: tuple
    dilation: tuple
    pad_lo: tuple
    pad_hi: tuple
    groups: int
    in_size: tuple
    out_size: tuple

    @property
    def padded(self):
        return tuple(n + p + q for n, p, q in zip(self.in_size, self.pad_lo, self.pad_hi))


def out_size(size, kernel, stride, pad_lo, pad_hi, dilation, ceil_mode=False):
    """Number of window positions along one axis (pooling's ceil_mode rule included)."""
    span = dilation * (kernel - 1) + 1
    room = size + pad_lo + pad_hi - span
    if ceil_mode:
        n = -(-room // stride) + 1
        if (n - 1) * stride >= size + pad_lo:  # the last window must start inside the input or left padding
            n -= 1
        return n
    return room // stride + 1


def pad_array(xp, a, lo, hi, value=0):
    """``a`` with its last len(lo) axes padded by ``lo`` before and ``hi`` after (a copy only when needed)."""
    if not any(lo) and not any(hi):
        return a
    d = len(lo)
    shape = a.shape[:-d] + tuple(n + p + q for n, p, q in zip(a.shape[-d:], lo, hi))
    out = xp.full(shape, value, dtype=a.dtype) if value != 0 else xp.zeros(shape, dtype=a.dtype)
    out[(Ellipsis,) + tuple(slice(p, p + n) for p, n in zip(lo, a.shape[-d:]))] = a
    return out


def crop(a, lo, size):
    """The inverse of padding: the ``size`` block of the last axes starting at ``lo``."""
    return a[(Ellipsis,) + tuple(slice(p, p + n) for p, n in zip(lo, size))]


def window_view(xp, a, kernel, dilation, stride, out):
    """A read-only view of shape (..., *out, *kernel): element [..., o, k] is a[..., o * stride + k * dilation]."""
    d = len(kernel)
    st = a.strides[-d:]
    shape = a.shape[:-d] + tuple(out) + tuple(kernel)
    strides = a.strides[:-d] + tuple(s * t for s, t in zip(stride, st)) + tuple(s * t for s, t in zip(dilation, st))
    if xp is np:
        return np.lib.stride_tricks.as_strided(a, shape, strides, writeable=False)
    return xp.lib.stride_tricks.as_strided(a, shape, strides)


def offset_slices(kernel, dilation, stride, out):
    """(kernel index, slices into the padded input) for every kernel offset."""
    for k in itertools.product(*(range(n) for n in kernel)):
        yield k, tuple(slice(i * dl, i * dl + s * (o - 1) + 1, s) for i, dl, s, o in zip(k, dilation, stride, out))


def accumulate_windows(target, cols, kernel, dilation, stride, out):
    """Adjoint of ``window_view``: add ``cols`` (..., *out, *kernel) into ``target`` (..., *padded)."""
    d = len(kernel)
    lead = (slice(None),) * d
    for k, sl in offset_slices(kernel, dilation, stride, out):
        target[(Ellipsis,) + sl] += cols[(Ellipsis,) + lead + k]
    return target
