"""Dropout flavours: zero elements (or whole channels) at random while training and rescale the rest.

Masks come from torsh's default generator, so ``torsh.manual_seed`` makes them reproducible.
"""

import warnings

import numpy as np
import torsh_tensor
from torsh_backend import dropout as kernels
from torsh_core.errors import TorshRuntimeError
from torsh_tensor.random import default_generator

from ._fastpath import fast
from ._op import check_probability, check_tensor, is_grad_enabled, maybe_inplace, result, wrap

_SELU_ALPHA_PRIME = -1.7580993408473766  # -scale * alpha of SELU: the value dropped units take in alpha dropout


def _keep_mask(input, p, shape):
    """1/(1-p) where an element is kept, 0 where dropped, broadcastable to ``input``."""
    keep = torsh_tensor.rand(shape, dtype=input.dtype, device=input.device) >= p
    return keep.to(input.dtype) / (1 - p)


def _apply(input, p, training, inplace, mask_shape):
    check_tensor(input, "input", "dropout")
    check_probability(p)
    if not training or p == 0:
        return input
    if p < 1 and fast(input) and mask_shape == tuple(input.shape):
        return maybe_inplace(lambda x: _fused_dropout(x, p), input, inplace)
    mask = 0 if p == 1 else _keep_mask(input, p, mask_shape)
    return maybe_inplace(lambda x: x * mask, input, inplace)


def _fused_dropout(x, p):
    """Elementwise dropout by the C kernel: a counter-based mask seeded from torsh's default generator."""
    seed = int(default_generator._rng.integers(0, 2 ** 63, dtype=np.int64))
    y, keep = kernels.dropout(x._data, p, seed)
    return result(y, (x,), _fused_dropout_backward, "NativeDropoutBackward0", keep=keep, p=p)


def _fused_dropout_backward(node, g):
    if not is_grad_enabled() and fast(g):
        return wrap(kernels.dropout_backward(g._data, node.keep, node.p))
    return g * wrap(node.keep.astype(g._data.dtype) / (1 - node.p))


def dropout(input, p=0.5, training=True, inplace=False):
    """Zero each element with probability ``p`` and scale the survivors by 1/(1-p)."""
    return _apply(input, p, training, inplace, tuple(input.shape))


def _channel_shape(input, batched):
    """The mask shape that drops whole channels: (N, C, 1, ...) batched, (C, 1, ...) unbatched."""
    lead = 2 if batched else 1
    return tuple(input.shape[:lead]) + (1,) * (input.ndim - lead)


def dropout1d(input, p=0.5, training=True, inplace=False):
    """Drop whole channels of (N, C, L) or (C, L) input."""
    if input.ndim not in (2, 3):
        raise TorshRuntimeError(f"dropout1d: Expected 2D or 3D input, but received a {input.ndim}D input. Note that "
                                "dropout1d exists to provide channel-wise dropout on inputs with 1 spatial dimension, "
                                "a channel dimension, and an optional batch dimension (i.e. 2D or 3D inputs).")
    return _apply(input, p, training, inplace, _channel_shape(input, input.ndim == 3))


def dropout2d(input, p=0.5, training=True, inplace=False):
    """Drop whole channels of (N, C, H, W) or (C, H, W) input."""
    if input.ndim not in (3, 4):
        warnings.warn(f"dropout2d: Received a {input.ndim}-D input to dropout2d, which is deprecated and will result "
                      "in an error in a future release. To retain the behavior and silence this warning, please use "
                      "dropout instead. Note that dropout2d exists to provide channel-wise dropout on inputs with 2 "
                      "spatial dimensions, a channel dimension, and an optional batch dimension (i.e. 3D or 4D "
                      "inputs).", stacklevel=2)
    if input.ndim == 3:
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D dropout behavior "
                      "is desired - input is interpreted as shape (N, C, L), where C is the channel dim. This behavior "
                      "will change in a future release to interpret the input as one without a batch dimension, i.e. "
                      "shape (C, H, W). To maintain the 1D channel-wise dropout behavior, please switch to using "
                      "dropout1d instead.", stacklevel=2)
    return _apply(input, p, training, inplace, _channel_shape(input, input.ndim >= 2))


def dropout3d(input, p=0.5, training=True, inplace=False):
    """Drop whole channels of (N, C, D, H, W) or (C, D, H, W) input."""
    if input.ndim not in (4, 5):
        warnings.warn(f"dropout3d: Received a {input.ndim}-D input to dropout3d, which is deprecated and will result "
                      "in an error in a future release. To retain the behavior and silence this warning, please use "
                      "dropout instead. Note that dropout3d exists to provide channel-wise dropout on inputs with 3 "
                      "spatial dimensions, a channel dimension, and an optional batch dimension (i.e. 4D or 5D "
                      "inputs).", stacklevel=2)
    return _apply(input, p, training, inplace, _channel_shape(input, input.ndim != 4))


def _alpha(input, p, training, inplace, mask_shape):
    """Alpha dropout: dropped units take SELU's negative saturation; an affine map keeps mean and variance."""
    check_tensor(input, "input", "alpha_dropout")
    check_probability(p)
    if not training or p == 0:
        return input
    if p == 1:
        return maybe_inplace(lambda x: x * 0, input, inplace)
    keep = (torsh_tensor.rand(mask_shape, dtype=input.dtype, device=input.device) >= p).to(input.dtype)
    a = ((1 - p) * (1 + p * _SELU_ALPHA_PRIME ** 2)) ** -0.5
    b = (keep - 1) * (a * _SELU_ALPHA_PRIME) + a * _SELU_ALPHA_PRIME * p
    return maybe_inplace(lambda x: x * (keep * a) - b, input, inplace)


def alpha_dropout(input, p=0.5, training=False, inplace=False):
    return _alpha(input, p, training, inplace, tuple(input.shape))


def feature_alpha_dropout(input, p=0.5, training=False, inplace=False):
    return _alpha(input, p, training, inplace, _channel_shape(input, True))
