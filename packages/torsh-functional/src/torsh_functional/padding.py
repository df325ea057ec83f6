"""pad: constant (negative amounts crop), reflect, replicate and circular padding of the trailing dims.

Constant padding is its own adjoint up to sign (padding by -p crops what padding by p added), which gives its
gradient of any order; the other modes are one index gather per padded dim (index_select, differentiable as is).
"""

import numpy as np
from torsh_core.errors import TorshNotImplementedError, TorshRuntimeError, TorshValueError

from ._op import check_tensor, result, wrap, xp_of


def _pairs(input, pad):
    """((lo, hi) per dim of ``input``, first dim first) from PyTorch's last-dim-first flat list."""
    pad = tuple(int(p) for p in pad)
    if len(pad) % 2:
        raise TorshRuntimeError("Padding length must be divisible by 2")
    if len(pad) // 2 > input.ndim:
        raise TorshRuntimeError(f"Padding length should be less than or equal to two times the input dimension but "
                                f"got padding length {len(pad)} and input of dimension {input.ndim}")
    pairs = [(0, 0)] * input.ndim
    for i in range(len(pad) // 2):
        pairs[input.ndim - 1 - i] = (pad[2 * i], pad[2 * i + 1])
    return pairs


def _constant(x, pairs, value):
    xp = xp_of(x)
    a = x._data
    shape = tuple(n + lo + hi for n, (lo, hi) in zip(a.shape, pairs))
    if any(s < 0 for s in shape):
        raise TorshRuntimeError(f"The input size {list(a.shape)}, plus negative padding {pairs} resulted in a "
                                f"negative output size, which is invalid. Check dimension of your input.")
    out = xp.full(shape, value, dtype=a.dtype) if value else xp.zeros(shape, dtype=a.dtype)
    src = tuple(slice(max(-lo, 0), n - max(-hi, 0)) for n, (lo, hi) in zip(a.shape, pairs))
    dst = tuple(slice(max(lo, 0), s - max(hi, 0)) for s, (lo, hi) in zip(shape, pairs))
    if all(s.stop > s.start for s in src):
        out[dst] = a[src]
    return result(out, (x,), _constant_backward, "ConstantPadNdBackward0", pairs=pairs)


def _constant_backward(node, g):
    return _constant(g, [(-lo, -hi) for lo, hi in node.pairs], 0)


def _source_index(n, lo, hi, mode):
    """For each output position along a dim, the input position it copies."""
    j = np.arange(-lo, n + hi)
    if mode == "replicate":
        return np.clip(j, 0, n - 1)
    if mode == "circular":
        return np.mod(j, n)
    period = 2 * (n - 1)
    m = np.mod(j, period) if period else np.zeros_like(j)
    return np.where(m < n, m, period - m)


def pad(input, pad, mode="constant", value=None):
    """Pad the last len(pad)/2 dims; ``pad`` = (last_lo, last_hi, second_last_lo, ...)."""
    check_tensor(input, "input", "pad")
    pairs = _pairs(input, pad)
    if mode == "constant":
        return _constant(input, pairs, 0 if value is None else value)
    if mode not in ("reflect", "replicate", "circular"):
        raise TorshNotImplementedError(f"Unrecognised padding mode {mode}")
    if value is not None and value != 0:
        raise TorshValueError(f"Padding mode \"{mode}\" doesn't take in value argument.")
    npad = len(pad) // 2
    if npad not in (1, 2, 3) or input.ndim not in (npad + 1, npad + 2):
        raise TorshNotImplementedError("Only 2D, 3D, 4D, 5D padding with non-constant padding are supported for now")
    out = input
    xp = xp_of(input)
    for d in range(input.ndim - npad, input.ndim):
        lo, hi = pairs[d]
        n = input.shape[d]
        if lo == 0 and hi == 0:
            continue
        limit = n if mode == "circular" else n - 1 if mode == "reflect" else None
        if limit is not None and (lo > limit or hi > limit):
            raise TorshRuntimeError(f"Argument #4: Padding size should be less than the corresponding input "
                                    f"dimension, but got: padding ({lo}, {hi}) at dimension {d} of input "
                                    f"{list(input.shape)}")
        if mode == "replicate" and n == 0:
            raise TorshRuntimeError(f"padding size is expected to be non-negative and input dimension {d} non-empty")
        out = out.index_select(d, wrap(xp.asarray(_source_index(n, lo, hi, mode))))
    return out
