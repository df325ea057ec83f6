"""batch/layer/group/instance/RMS normalisation, local response norm and normalize.

Batch, layer, group and instance norm share one fused op, ``_normalize_affine``: the statistics are computed once
on arrays and the backward uses the closed form
    dx = rstd * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat)),  dxhat = g * weight
written with Tensor ops, so it is also differentiable (double backward) when a graph of the gradient is asked for.
"""

import math

import numpy as np
from torsh_autograd.grad_mode import no_grad
from torsh_backend import norm as kernels
from torsh_core.errors import TorshRuntimeError, TorshTypeError, TorshValueError
from torsh_tensor.amp import cast_inputs

from ._fastpath import fast
from ._op import check_float, check_param_dtypes, is_grad_enabled, needs_grad, result, wrap, xp_of


def _normalize_affine(x, axes, weight, bias, eps):
    """((x - mean) / sqrt(var + eps)) * weight + bias over ``axes``; returns (out, mean, biased var) arrays too.

    ``weight`` and ``bias`` (or None) are already shaped to broadcast against ``x``.
    """
    xp = xp_of(x)
    a = x._data
    mean = a.mean(axis=axes, keepdims=True)
    xc = a - mean
    var = (xc * xc).mean(axis=axes, keepdims=True)
    rstd = 1.0 / xp.sqrt(var + eps)
    y = xc * rstd
    if weight is not None:
        y *= weight._data
    if bias is not None:
        y += bias._data
    out = result(y, (x, weight, bias), _normalize_affine_backward, "NativeNormBackward0", save=(x, weight),
                 axes=axes, eps=eps, mean=mean, rstd=rstd, bias_shape=None if bias is None else tuple(bias.shape))
    return out, mean, var


def _normalize_affine_backward(node, g):
    x, weight = node.saved_tensors
    need = tuple(e is not None for e in node.next_functions)
    if not is_grad_enabled():
        return _backward_arrays(node, x, weight, g, *need)
    return _graph_backward(x, weight, g, node.axes, node.eps, node.bias_shape, need)


def _graph_backward(x, weight, g, axes, eps, bias_shape, need):
    """The closed form with the statistics recomputed from x in Tensor ops, so the gradient has a graph too."""
    xc = x - x.mean(axes, keepdim=True)
    rstd = ((xc * xc).mean(axes, keepdim=True) + eps).rsqrt()
    xhat = xc * rstd
    gx = gw = gb = None
    if need[0]:
        gxhat = g * weight if weight is not None else g
        gx = rstd * (gxhat - gxhat.mean(axes, keepdim=True) - xhat * (gxhat * xhat).mean(axes, keepdim=True))
    if need[1]:
        gw = (g * xhat).sum_to_size(tuple(weight.shape))
    if need[2]:
        gb = g.sum_to_size(bias_shape)
    return gx, gw, gb


def _backward_arrays(node, x, weight, g, need_x, need_w, need_b):
    """The same closed form on arrays, reusing temporaries in place (the usual backward: no graph recorded)."""
    axes, ga = node.axes, g._data
    xhat = x._data - node.mean
    xhat *= node.rstd
    g_xhat = ga * xhat
    gw = wrap(_sum_to(g_xhat, weight.shape)) if need_w else None
    gb = wrap(_sum_to(ga, node.bias_shape)) if need_b else None
    if not need_x:
        return None, gw, gb
    gxhat = ga * weight._data if weight is not None else ga
    if weight is not None:
        g_xhat *= weight._data  # now gxhat * xhat
    gx = gxhat - gxhat.mean(axis=axes, keepdims=True)
    xhat *= g_xhat.mean(axis=axes, keepdims=True)
    gx -= xhat
    gx *= node.rstd
    return wrap(gx), gw, gb


def _sum_to(a, shape):
    """Sum the broadcast dims of ``a`` away so it has ``shape``."""
    lead = a.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(lead + i for i, n in enumerate(shape) if n == 1 and a.shape[lead + i] != 1)
    return a.sum(axis=axes, keepdims=True).reshape(tuple(shape)) if axes else a


def _channel_view(t, ndim):
    """A per-channel (C,) parameter shaped (1, C, 1, ...) to broadcast over (N, C, ...)."""
    return None if t is None else t.reshape((1, -1) + (1,) * (ndim - 2))


def _check_param(t, size, what, name):
    if t is not None and t.numel() != size:
        raise TorshRuntimeError(f"{name}: expected {what} to have {size} elements, but got {t.numel()} "
                                f"(shape {list(t.shape)})")


def _update_running(running, value, momentum):
    """running = (1 - momentum) * running + momentum * value, in place and outside the graph."""
    if running is not None:
        with no_grad():
            running.mul_(1 - momentum).add_(wrap(value.astype(running._data.dtype, copy=False)) * momentum)


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1, eps=1e-05):
    """Normalise each channel (dim 1) over the batch and spatial dims; training updates the running statistics."""
    check_float(input, "batch_norm")
    if input.ndim < 2:
        raise TorshValueError(f"expected 2D or higher input (got {input.ndim}D input)")
    c = input.shape[1]
    for t, what in ((running_mean, "running_mean"), (running_var, "running_var"), (weight, "weight"),
                    (bias, "bias")):
        _check_param(t, c, what, "batch_norm")
    check_param_dtypes(input, running_mean, running_var, weight, bias)
    if not training and (running_mean is None or running_var is None):
        raise TorshRuntimeError("running_mean and running_var must be defined in evaluation mode")
    count = input.numel() // c if c else 0
    if training and count <= 1:
        raise TorshValueError(f"Expected more than 1 value per channel when training, got input size "
                              f"{list(input.shape)}")
    if fast(input, weight, bias) and eps >= 0 and not needs_grad(running_mean, running_var):
        if training:
            out, mean, var = _fused_batch_norm_train(input, weight, bias, eps)
            _update_running(running_mean, mean, momentum)
            _update_running(running_var, var * (count / (count - 1)), momentum)
            return out
        if fast(input, running_mean, running_var):
            return _fused_batch_norm_eval(input, running_mean._data, running_var._data, weight, bias, eps)
    w, b = _channel_view(weight, input.ndim), _channel_view(bias, input.ndim)
    if not training:
        scale = (_channel_view(running_var, input.ndim) + eps).rsqrt()
        out = (input - _channel_view(running_mean, input.ndim)) * scale
        if w is not None:
            out = out * w
        return out + b if b is not None else out
    axes = (0,) + tuple(range(2, input.ndim))
    out, mean, var = _normalize_affine(input, axes, w, b, eps)
    _update_running(running_mean, mean.reshape(c), momentum)
    _update_running(running_var, var.reshape(c) * (count / (count - 1)), momentum)
    return out


def _folded(rstd, weight, bias, mean):
    """Per-channel (scale, shift) with (x - mean) * rstd * weight + bias == x * scale + shift, as PyTorch's CPU
    batch norm applies it."""
    scale = rstd if weight is None else rstd * weight._data.reshape(-1)
    shift = -mean * scale
    if bias is not None:
        shift += bias._data.reshape(-1)
    return scale, shift


def _fused_batch_norm_train(x, weight, bias, eps):
    """Training batch norm by the C kernels: (out, batch mean, biased batch variance), mean/rstd kept for backward."""
    a = x._data
    mean, var = kernels.batch_norm_stats(a)
    rstd = 1 / np.sqrt(var + a.dtype.type(eps))
    y = kernels.channel_affine(a, *_folded(rstd, weight, bias, mean))
    out = result(y, (x, weight, bias), _fused_batch_norm_backward, "NativeBatchNormBackward0", save=(x, weight),
                 eps=eps, mean=mean, rstd=rstd, has_bias=bias is not None)
    return out, mean, var


def _fused_batch_norm_backward(node, g):
    x, weight = node.saved_tensors
    need = tuple(e is not None for e in node.next_functions)
    if is_grad_enabled() or not fast(x, g, weight):
        axes = (0,) + tuple(range(2, x.ndim))
        bias_shape = (1, x.shape[1]) + (1,) * (x.ndim - 2) if node.has_bias else None
        gx, gw, gb = _graph_backward(x, _channel_view(weight, x.ndim), g, axes, node.eps, bias_shape, need)
        return gx, None if gw is None else gw.reshape(-1), None if gb is None else gb.reshape(-1)
    dx, dw, db = kernels.batch_norm_backward(x._data, g._data, node.mean, node.rstd,
                                             None if weight is None else weight._data, need[0])
    return (None if dx is None else wrap(dx), wrap(dw) if need[1] else None, wrap(db) if need[2] else None)


def _fused_batch_norm_eval(x, running_mean, running_var, weight, bias, eps):
    """Evaluation batch norm by the C kernels: one pass of x * scale + shift with the running statistics folded."""
    a = x._data
    rstd = 1 / np.sqrt(running_var + a.dtype.type(eps))
    scale, shift = _folded(rstd, weight, bias, running_mean)
    return result(kernels.channel_affine(a, scale, shift), (x, weight, bias), _fused_batch_norm_eval_backward,
                  "NativeBatchNormBackward0", save=(x, weight), mean=running_mean.copy(), rstd=rstd, scale=scale,
                  has_bias=bias is not None)


def _fused_batch_norm_eval_backward(node, g):
    x, weight = node.saved_tensors
    need = tuple(e is not None for e in node.next_functions)
    if is_grad_enabled() or not fast(x, g, weight):
        view = (1, x.shape[1]) + (1,) * (x.ndim - 2)
        rstd = wrap(node.rstd.reshape(view))
        gx = g * (rstd if weight is None else rstd * weight.reshape(view)) if need[0] else None
        gw = (g * ((x - wrap(node.mean.reshape(view))) * rstd)).sum_to_size(view) if need[1] else None
        gb = g.sum_to_size(view) if need[2] else None
        return gx, None if gw is None else gw.reshape(-1), None if gb is None else gb.reshape(-1)
    dx = kernels.channel_affine(g._data, node.scale, np.zeros_like(node.scale)) if need[0] else None
    _, dw, db = kernels.batch_norm_backward(x._data, g._data, node.mean, node.rstd, None, need_x=False)
    return (None if dx is None else wrap(dx), wrap(dw) if need[1] else None, wrap(db) if need[2] else None)


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None, use_input_stats=True,
                  momentum=0.1, eps=1e-05):
    """Normalise each (sample, channel) slice over its spatial dims."""
    check_float(input, "instance_norm")
    if input.ndim < 3:
        raise TorshValueError(f"expected 3D or higher input (got {input.ndim}D input)")
    n, c = input.shape[:2]
    for t, what in ((running_mean, "running_mean"), (running_var, "running_var"), (weight, "weight"),
                    (bias, "bias")):
        _check_param(t, c, what, "instance_norm")
    check_param_dtypes(input, running_mean, running_var, weight, bias)
    if not use_input_stats:
        return batch_norm(input, running_mean, running_var, weight, bias, False, momentum, eps)
    spatial = input.numel() // (n * c) if n * c else 0
    if spatial <= 1:
        raise TorshValueError(f"Expected more than 1 spatial element when training, got input size "
                              f"{list(input.shape)}")
    axes = tuple(range(2, input.ndim))
    out, mean, var = _normalize_affine(input, axes, _channel_view(weight, input.ndim),
                                       _channel_view(bias, input.ndim), eps)
    _update_running(running_mean, mean.reshape(n, c).mean(axis=0), momentum)
    _update_running(running_var, (var.reshape(n, c) * (spatial / (spatial - 1))).mean(axis=0), momentum)
    return out


def _shape_arg(normalized_shape, name):
    """PyTorch's functional norms take a list or tuple of ints (modules accept an int; functions do not)."""
    if not isinstance(normalized_shape, (list, tuple)) and not hasattr(normalized_shape, "__len__"):
        raise TorshTypeError(f"{name}(): argument 'normalized_shape' (position 2) must be tuple of ints, not "
                             f"{type(normalized_shape).__name__}")
    return tuple(int(n) for n in normalized_shape)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-05):
    """Normalise over the trailing ``normalized_shape`` dims of each sample."""
    check_float(input, "layer_norm")
    input, weight, bias = cast_inputs("layer_norm", input, weight, bias)
    shape = _shape_arg(normalized_shape, "layer_norm")
    k = len(shape)
    if k == 0 or input.ndim < k or tuple(input.shape[input.ndim - k:]) != shape:
        raise TorshRuntimeError(f"Given normalized_shape={list(shape)}, expected input with shape "
                                f"[*, {', '.join(map(str, shape))}], but got input of size{list(input.shape)}")
    for t, what in ((weight, "weight"), (bias, "bias")):
        if t is not None and tuple(t.shape) != shape:
            raise TorshRuntimeError(f"Expected {what} to be of same shape as normalized_shape, but got {what} of "
                                    f"shape {list(t.shape)} and normalized_shape = {list(shape)}")
    check_param_dtypes(input, weight, bias)
    axes = tuple(range(input.ndim - k, input.ndim))
    if fast(input, weight, bias) and eps >= 0:
        return _fused_layer_norm(input, axes, weight, bias, eps, rms=False)
    return _normalize_affine(input, axes, weight, bias, eps)[0]


def _fused_layer_norm(x, axes, weight, bias, eps, rms):
    """Layer (or RMS) norm by the C kernels; the statistics are kept for the C backward."""
    cols = math.prod(x.shape[a] for a in axes)
    y, mean, rstd = kernels.layer_norm(x._data, cols, None if weight is None else weight._data,
                                       None if bias is None else bias._data, eps, rms)
    return result(y, (x, weight, bias), _fused_layer_norm_backward, "NativeLayerNormBackward0", save=(x, weight),
                  axes=axes, eps=eps, mean=mean, rstd=rstd, cols=cols, rms=rms,
                  bias_shape=None if bias is None else tuple(bias.shape))


def _fused_layer_norm_backward(node, g):
    x, weight = node.saved_tensors
    need = tuple(e is not None for e in node.next_functions)
    if is_grad_enabled() or not fast(x, g, weight):
        if node.rms:
            return _rms_graph_backward(node, x, weight, g, need) + (None,)
        return _normalize_affine_backward(node, g)
    dx, dw, db = kernels.layer_norm_backward(x._data, g._data, node.mean, node.rstd, node.cols,
                                             None if weight is None else weight._data, node.rms, need)
    return (None if dx is None else wrap(dx), None if dw is None else wrap(dw),
            None if db is None else wrap(db.reshape(node.bias_shape)))


def _rms_graph_backward(node, x, weight, g, need):
    """RMS norm's gradients in Tensor ops (differentiable again)."""
    rstd = ((x * x).mean(node.axes, keepdim=True) + node.eps).rsqrt()
    xhat = x * rstd
    gx = gw = None
    if need[0]:
        gxhat = g * weight if weight is not None else g
        gx = rstd * (gxhat - xhat * (gxhat * xhat).mean(node.axes, keepdim=True))
    if need[1]:
        gw = (g * xhat).sum_to_size(tuple(weight.shape))
    return gx, gw


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-05):
    """Normalise each sample over groups of channels (and all spatial dims)."""
    check_float(input, "group_norm")
    input, weight, bias = cast_inputs("group_norm", input, weight, bias)
    if input.ndim < 2:
        raise TorshRuntimeError(f"Expected at least 2 dimensions for input tensor but received {input.ndim}")
    n, c = input.shape[:2]
    if num_groups <= 0 or c % num_groups:
        raise TorshRuntimeError(f"Expected number of channels in input to be divisible by num_groups, but got input "
                                f"of shape {list(input.shape)} and num_groups={num_groups}")
    _check_param(weight, c, "weight", "group_norm")
    _check_param(bias, c, "bias", "group_norm")
    check_param_dtypes(input, weight, bias)
    spatial = tuple(input.shape[2:])
    x = input.reshape((n, num_groups, c // num_groups) + spatial)
    view = (1, num_groups, c // num_groups) + (1,) * len(spatial)
    w = None if weight is None else weight.reshape(view)
    b = None if bias is None else bias.reshape(view)
    out = _normalize_affine(x, tuple(range(2, x.ndim)), w, b, eps)[0]
    return out.reshape(tuple(input.shape))


def rms_norm(input, normalized_shape, weight=None, eps=None):
    """x / sqrt(mean(x^2) + eps) * weight over the trailing ``normalized_shape`` dims."""
    check_float(input, "rms_norm")
    shape = _shape_arg(normalized_shape, "rms_norm")
    k = len(shape)
    if input.ndim < k or tuple(input.shape[input.ndim - k:]) != shape:
        raise TorshRuntimeError(f"Given normalized_shape={list(shape)}, expected input with shape "
                                f"[*, {', '.join(map(str, shape))}], but got input of size{list(input.shape)}")
    if eps is None:
        eps = float(np.finfo(input._data.dtype).eps)
    axes = tuple(range(input.ndim - k, input.ndim))
    if k and fast(input, weight) and (weight is None or tuple(weight.shape) == shape):
        return _fused_layer_norm(input, axes, weight, None, eps, rms=True)
    out = input * ((input * input).mean(axes, keepdim=True) + eps).rsqrt()
    return out * weight if weight is not None else out


def local_response_norm(input, size, alpha=1e-4, beta=0.75, k=1.0):
    """x / (k + alpha * mean of x^2 over ``size`` neighbouring channels)^beta."""
    from .padding import pad
    from .pooling import avg_pool2d, avg_pool3d

    if input.ndim < 3:
        raise TorshValueError(f"Expected 3D or higher dimensionality input (got {input.ndim} dimensions)")
    if input.numel() == 0:
        return input
    div = (input * input).unsqueeze(1)
    if input.ndim == 3:
        div = avg_pool2d(pad(div, (0, 0, size // 2, (size - 1) // 2)), (size, 1), stride=1).squeeze(1)
    else:
        shape = tuple(input.shape)
        div = div.reshape(shape[0], 1, shape[1], shape[2], -1)
        div = avg_pool3d(pad(div, (0, 0, 0, 0, size // 2, (size - 1) // 2)), (size, 1, 1), stride=1).squeeze(1)
        div = div.reshape(shape)
    return input / (div * alpha + k).pow(beta)


def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    """input / max(||input||_p over ``dim``, eps)."""
    denom = input.norm(p, dim, keepdim=True).clamp_min(eps).expand_as(input)
    res = input / denom
    return res if out is None else out.copy_(res)

