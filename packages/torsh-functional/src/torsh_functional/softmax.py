"""softmax / log_softmax / softmin: fused, max-shifted forwards with the closed-form backward beside them."""

import warnings

import numpy as np
import torsh_tensor
from torsh_backend import softmax as kernels
from torsh_core.errors import TorshNotImplementedError
from torsh_core.shape import normalize_dim
from torsh_tensor.amp import cast_inputs

from ._fastpath import fast
from ._op import check_tensor, dtype_name, is_grad_enabled, result, save_output, saved_output, wrap, xp_of


def _implicit_dim(ndim, stacklevel):
    """The legacy choice when ``dim`` is omitted (PyTorch warns about it too)."""
    warnings.warn("Implicit dimension choice for softmax has been deprecated. Change the call to include dim=X as an "
                  "argument.", stacklevel=stacklevel)
    return 0 if ndim in (0, 1, 3) else 1


def _prepare(input, dim, dtype, stacklevel, name):
    check_tensor(input, "input", name)
    if dtype is not None:
        input = input.to(dtype)
    else:
        (input,) = cast_inputs(name, input)
    if not input.is_floating_point():
        raise TorshNotImplementedError(f'"{name}_lastdim_kernel_impl" not implemented for \'{dtype_name(input)}\'')
    if dim is None:
        dim = _implicit_dim(input.ndim, stacklevel + 1)
    return input, normalize_dim(dim, input.ndim)


def _shifted(xp, a, d):
    """``a - max(a, d)`` with all -inf slices left as they are (their softmax is NaN, as in PyTorch)."""
    m = a.max(axis=d, keepdims=True)
    m = xp.where(xp.isfinite(m), m, xp.zeros_like(m))
    return a - m


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    """exp(x) / sum(exp(x)) along ``dim``."""
    input, d = _prepare(input, dim, dtype, _stacklevel, "softmax")
    if input.ndim == 0:
        return _softmax_0d(input, log=False)
    if fast(input):
        e = kernels.softmax(input._data, d)
    else:
        xp = xp_of(input)
        e = xp.exp(_shifted(xp, input._data, d))
        with np.errstate(invalid="ignore"):  # an all -inf slice is 0/0: NaN, as in PyTorch
            e /= e.sum(axis=d, keepdims=True)
    out = result(e, (input,), _softmax_backward, "SoftmaxBackward0", save=(input,), dim=d)
    if out.grad_fn is not None:
        save_output(out.grad_fn, out)
    return out


def _softmax_backward(node, g):
    (x,) = node.saved_tensors
    y = saved_output(node, lambda: softmax(x, node.dim))
    if not is_grad_enabled() and fast(y, g):
        return wrap(kernels.softmax_backward(y._data, g._data, node.dim))
    return y * (g - (g * y).sum(node.dim, keepdim=True))


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    """x - logsumexp(x) along ``dim``, computed without overflow."""
    input, d = _prepare(input, dim, dtype, _stacklevel, "log_softmax")
    if input.ndim == 0:
        return _softmax_0d(input, log=True)
    if fast(input):
        z = kernels.softmax(input._data, d, log=True)
    else:
        xp = xp_of(input)
        z = _shifted(xp, input._data, d)
        with np.errstate(invalid="ignore", divide="ignore"):
            z -= xp.log(xp.exp(z).sum(axis=d, keepdims=True))
    out = result(z, (input,), _log_softmax_backward, "LogSoftmaxBackward0", save=(input,), dim=d)
    if out.grad_fn is not None:
        save_output(out.grad_fn, out)
    return out


def _log_softmax_backward(node, g):
    (x,) = node.saved_tensors
    y = saved_output(node, lambda: log_softmax(x, node.dim))
    if not is_grad_enabled() and fast(y, g):
        return wrap(kernels.softmax_backward(y._data, g._data, node.dim, log=True))
    return g - y.exp() * g.sum(node.dim, keepdim=True)


def _softmax_0d(input, log):
    """A single element is its own slice: softmax 1, log_softmax 0 (with a zero gradient)."""
    return input * 0 + (0 if log else 1)


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    """softmax(-x)."""
    input, d = _prepare(input, dim, dtype, _stacklevel, "softmin")
    return softmax(-input, d)


def gumbel_softmax(logits, tau=1.0, hard=False, eps=1e-10, dim=-1):
    """A differentiable sample from the categorical distribution of ``logits`` (straight-through when ``hard``)."""
    if eps != 1e-10:
        warnings.warn("`eps` parameter is deprecated and has no effect.", stacklevel=2)
    gumbels = -torsh_tensor.empty_like(logits).exponential_().log()
    y = softmax((logits + gumbels) / tau, dim)
    if not hard:
        return y
    index = y.argmax(dim, keepdim=True)
    y_hard = torsh_tensor.zeros_like(logits).scatter(dim, index, 1.0)
    return y_hard - y.detach() + y
