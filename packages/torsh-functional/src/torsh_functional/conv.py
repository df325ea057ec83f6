"""conv1d/2d/3d and conv_transpose1d/2d/3d: im2row + one matmul forward, matmul + strided scatter backward.

Three differentiable primitives share ``_conv_arrays``' kernels and are each other's derivatives, so gradients of
any order stay fast: ``_conv`` (forward), ``_conv_input`` (its x-adjoint = transposed convolution) and
``_conv_weight`` (its w-adjoint).
"""

import numpy as np
from torsh_autograd.grad_mode import is_grad_enabled
from torsh_backend import conv as ckernels
from torsh_backend.reduce import sum_last
from torsh_core.errors import TorshRuntimeError
from torsh_tensor.amp import cast_inputs

from . import _conv_arrays as K
from ._op import check_tensor, dtype_name, needs_grad, ntuple, result, wrap, xp_of
from ._windows import out_size


def _bias_axes(ndim):
    return (0,) + tuple(range(2, ndim))


def _add_bias(arr, b):
    if b is not None:
        arr += b._data.reshape((1, -1) + (1,) * (arr.ndim - 2))
    return arr


def _conv(x, w, b, geo):
    # the weight gradient reuses the gathered patches (None where the fused C kernels gather again per image)
    y, cols = K.forward(xp_of(x), x._data, w._data, None if b is None else b._data, geo, needs_grad(w))
    return result(y, (x, w, b), _conv_backward, "ConvolutionBackward0", save=(x, w), geo=geo, cols=cols)


def _conv_backward(node, g):
    x, w = node.saved_tensors
    need_x, need_w, need_b = (e is not None for e in node.next_functions)
    if need_w and not is_grad_enabled() and K.fused_geometry(xp_of(g), g._data, node.geo) is not None:
        g = wrap(ckernels.aligned(g._data))  # one aligned, contiguous g for both C gradient kernels
    cols, node.cols = node.cols, None
    return (_conv_input(g, w, None, node.geo) if need_x else None,
            _conv_weight(x, g, node.geo, cols) if need_w else None,
            _bias_grad(g) if need_b else None)


def _bias_grad(g):
    """g summed over every axis but the channels: one threaded pass over each (image, channel) plane in C when g
    is a contiguous float NumPy array and no graph is being built, else a tensor sum."""
    if xp_of(g) is np and g._data.flags.c_contiguous and g._data.dtype in K.C_DTYPES and not is_grad_enabled():
        n, o = g.shape[:2]
        return wrap(sum_last(g._data.reshape(n * o, -1)).reshape(n, o).sum(0))
    return g.sum(_bias_axes(g.ndim))


def _conv_input(y, w, b, geo):
    x = _add_bias(K.conv_in(xp_of(y), y._data, w._data, geo), b)
    return result(x, (y, w, b), _conv_input_backward, "ConvolutionBackward0", save=(y, w), geo=geo)


def _conv_input_backward(node, g):
    y, w = node.saved_tensors
    need_y, need_w, need_b = (e is not None for e in node.next_functions)
    return (_conv(g, w, None, node.geo) if need_y else None,
            _conv_weight(g, y, node.geo) if need_w else None,
            g.sum(_bias_axes(g.ndim)) if need_b else None)


def _conv_weight(x, y, geo, cols=None):
    w = K.conv_w(xp_of(x), x._data, y._data, geo, cols)
    return result(w, (x, y), _conv_weight_backward, "ConvolutionBackwardWeight", save=(x, y), geo=geo)


def _conv_weight_backward(node, g):
    x, y = node.saved_tensors
    need_x, need_y = (e is not None for e in node.next_functions)
    return (_conv_input(y, g, None, node.geo) if need_x else None,
            _conv(x, g, None, node.geo) if need_y else None)


# -- argument checks ------------------------------------------------------------------------------------------
def _check_common(name, input, weight, bias, d, stride, dilation, groups):
    check_tensor(input, "input", name)
    check_tensor(weight, "weight", name)
    if input.ndim not in (d + 1, d + 2):
        raise TorshRuntimeError(f"Expected {d + 1}D (unbatched) or {d + 2}D (batched) input to {name}, but got input "
                                f"of size: {list(input.shape)}")
    if weight.ndim != d + 2:
        raise TorshRuntimeError(f"weight should have {d + 2} dimensions for {name}, but got weight of size "
                                f"{list(weight.shape)}")
    if input.dtype != weight.dtype or (bias is not None and bias.dtype != input.dtype):
        other = weight if input.dtype != weight.dtype else bias
        raise TorshRuntimeError(f"expected scalar type {dtype_name(input)} but found {dtype_name(other)}")
    if input.dtype.name == "bool" or input.is_complex():
        raise TorshRuntimeError(f'"{name}" not implemented for \'{dtype_name(input)}\'')
    if input.device != weight.device:
        raise TorshRuntimeError(f"Input type ({input.device}) and weight type ({weight.device}) should be the same")
    stride, dilation = ntuple(stride, d, "stride"), ntuple(dilation, d, "dilation")
    if any(s <= 0 for s in stride):
        raise TorshRuntimeError("non-positive stride is not supported")
    if any(v <= 0 for v in dilation):
        raise TorshRuntimeError("non-positive dilation is not supported")
    if groups <= 0:
        raise TorshRuntimeError("non-positive groups is not supported")
    return stride, dilation


def _check_bias(weight, bias, channels):
    if bias is not None and (bias.ndim != 1 or bias.shape[0] != channels):
        raise TorshRuntimeError(f"Given weight of size {list(weight.shape)}, expected bias to be 1-dimensional with "
                                f"{channels} elements, but got bias of size {list(bias.shape)} instead")


def _padding(padding, d, kernel, stride, dilation):
    """(lo, hi) per axis from an int, a tuple or 'valid' / 'same' (extra padding goes on the high side)."""
    if isinstance(padding, str):
        if padding == "valid":
            return (0,) * d, (0,) * d
        if padding != "same":
            raise TorshRuntimeError(f"Invalid padding string: '{padding}'")
        if any(s != 1 for s in stride):
            raise TorshRuntimeError("padding='same' is not supported for strided convolutions")
        total = tuple(dl * (k - 1) for k, dl in zip(kernel, dilation))
        lo = tuple(t // 2 for t in total)
        return lo, tuple(t - p for t, p in zip(total, lo))
    pad = ntuple(padding, d, "padding")
    if any(p < 0 for p in pad):
        raise TorshRuntimeError("negative padding is not supported")
    return pad, pad


def _batched(input, d):
    return input if input.ndim == d + 2 else input.unsqueeze(0)


# -- public API -----------------------------------------------------------------------------------------------
def _convnd(d, name, input, weight, bias, stride, padding, dilation, groups):
    input, weight, bias = cast_inputs(name, input, weight, bias)
    stride, dilation = _check_common(name, input, weight, bias, d, stride, dilation, groups)
    x = _batched(input, d)
    kernel = tuple(weight.shape[2:])
    lo, hi = _padding(padding, d, kernel, stride, dilation)
    o, cg = weight.shape[:2]
    if o % groups:
        raise TorshRuntimeError(f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, "
                                f"but got weight of size [{list(weight.shape)}] instead")
    if x.shape[1] != cg * groups:
        raise TorshRuntimeError(f"Given groups={groups}, weight of size {list(weight.shape)}, expected input"
                                f"{list(x.shape)} to have {cg * groups} channels, but got {x.shape[1]} channels "
                                "instead")
    _check_bias(weight, bias, o)
    size = tuple(x.shape[2:])
    padded = tuple(n + p + q for n, p, q in zip(size, lo, hi))
    if any(p < dl * (k - 1) + 1 for p, k, dl in zip(padded, kernel, dilation)):
        raise TorshRuntimeError(f"Calculated padded input size per channel: ({' x '.join(map(str, padded))}). "
                                f"Kernel size: ({' x '.join(map(str, kernel))}). Kernel size can't be greater than "
                                "actual input size")
    out = tuple(out_size(n, k, s, p, q, dl) for n, k, s, p, q, dl in zip(size, kernel, stride, lo, hi, dilation))
    geo = K.Geometry(kernel, stride, dilation, lo, hi, groups, size, out)
    y = _conv(x, weight, bias, geo)
    return y if input.ndim == d + 2 else y.squeeze(0)


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """1-D cross-correlation of (N, C, L) input with (O, C/groups, k) weight."""
    return _convnd(1, "conv1d", input, weight, bias, stride, padding, dilation, groups)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-D cross-correlation of (N, C, H, W) input with (O, C/groups, kH, kW) weight."""
    return _convnd(2, "conv2d", input, weight, bias, stride, padding, dilation, groups)


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """3-D cross-correlation of (N, C, D, H, W) input with (O, C/groups, kD, kH, kW) weight."""
    return _convnd(3, "conv3d", input, weight, bias, stride, padding, dilation, groups)


def _conv_transpose_nd(d, name, input, weight, bias, stride, padding, output_padding, groups, dilation):
    if isinstance(padding, str):
        raise TypeError(f"{name}(): argument 'padding' must be tuple of ints, not str")
    input, weight, bias = cast_inputs(name, input, weight, bias)
    stride, dilation = _check_common(name, input, weight, bias, d, stride, dilation, groups)
    x = _batched(input, d)
    pad = _padding(padding, d, (), stride, dilation)[0]
    opad = ntuple(output_padding, d, "output_padding")
    if any(p >= s and p >= dl for p, s, dl in zip(opad, stride, dilation)):
        axes = ("depth", "height", "width")[-d:] if d > 1 else ("",)
        detail = " ".join(f"output_padding_{a}: {p}" for a, p in zip(axes, opad)) if d > 1 else f"{opad[0]}"
        raise TorshRuntimeError(f"output padding must be smaller than either stride or dilation, but got {detail}")
    c_in, cg_out = weight.shape[:2]
    if x.shape[1] != c_in:
        raise TorshRuntimeError(f"Given transposed=1, weight of size {list(weight.shape)}, expected input"
                                f"{list(x.shape)} to have {c_in} channels, but got {x.shape[1]} channels instead")
    if c_in % groups:
        raise TorshRuntimeError(f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, "
                                f"but got weight of size [{list(weight.shape)}] instead")
    _check_bias(weight, bias, cg_out * groups)
    kernel = tuple(weight.shape[2:])
    size = tuple(x.shape[2:])
    full = tuple((n - 1) * s - 2 * p + dl * (k - 1) + op + 1
                 for n, s, p, dl, k, op in zip(size, stride, pad, dilation, kernel, opad))
    if any(n <= 0 for n in full):
        raise TorshRuntimeError(f"Given input size per channel: ({' x '.join(map(str, size))}). Calculated output "
                                f"size per channel: ({' x '.join(map(str, full))}). Output size is too small")
    geo = K.Geometry(kernel, stride, dilation, pad, pad, groups, full, size)
    y = _conv_input(x, weight, bias, geo)
    return y if input.ndim == d + 2 else y.squeeze(0)


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """The adjoint (gradient) of conv1d, upsampling (N, C_in, L) with (C_in, C_out/groups, k) weight."""
    return _conv_transpose_nd(1, "conv_transpose1d", input, weight, bias, stride, padding, output_padding, groups,
                              dilation)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """The adjoint (gradient) of conv2d, upsampling (N, C_in, H, W) with (C_in, C_out/groups, kH, kW) weight."""
    return _conv_transpose_nd(2, "conv_transpose2d", input, weight, bias, stride, padding, output_padding, groups,
                              dilation)


def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """The adjoint (gradient) of conv3d."""
    return _conv_transpose_nd(3, "conv_transpose3d", input, weight, bias, stride, padding, output_padding, groups,
                              dilation)
