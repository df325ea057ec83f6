"""Elementwise activations: the forward on arrays in one pass, the derivative beside it in Tensor ops.

Writing each derivative with Tensor ops keeps double backward (create_graph=True) exact for free: the engine
runs it without recording unless a graph of the gradient is asked for.
"""

import math

import numpy as np
import torsh_tensor
from torsh_backend import activation as kernels
from torsh_core.errors import TorshRuntimeError, TorshValueError
from torsh_core.shape import normalize_dim

from ._fastpath import fast
from ._op import check_float, check_tensor, is_grad_enabled, maybe_inplace, result, wrap, xp_of

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946
_INV_SQRT2 = 1.0 / math.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)


def _pointwise(input, name, forward, derivative, inplace=False, floats_only=True):
    """Apply ``forward(array)``; the gradient is ``g * derivative(x)`` with ``derivative`` built from Tensor ops."""
    if floats_only:
        check_float(input, name)
    else:
        check_tensor(input, "input", name)

    def apply(x):
        with np.errstate(all="ignore"):
            arr = forward(x._data)
        return result(arr, (x,), _pointwise_backward, f"{name.title().replace('_', '')}Backward0", save=(x,),
                      derivative=derivative)

    return maybe_inplace(apply, input, inplace)


def _pointwise_backward(node, g):
    (x,) = node.saved_tensors
    d = node.derivative(x)
    if d._data.dtype == np.bool_ and not is_grad_enabled():
        # a mask (relu, hardtanh, threshold): pass or zero the gradient in one pass, as PyTorch's where() does
        return wrap(xp_of(g).where(d._data, g._data, g._data.dtype.type(0)))
    return g * d


def _sigmoid_array(xp, a):
    """Overflow-free logistic function."""
    e = xp.exp(-xp.abs(a))
    return xp.where(a >= 0, 1 / (1 + e), e / (1 + e))


def _log1p_exp_neg_abs(xp, a):
    """log(1 + exp(-|a|)), the stable part of softplus and logsigmoid."""
    return xp.log1p(xp.exp(-xp.abs(a)))


def _select(cond, a, b, like):
    """``where(cond, a, b)`` for two numbers, in ``like``'s dtype (no float32 rounding of float64 constants)."""
    xp = xp_of(like)
    return wrap(xp.where(cond._data, xp.asarray(a, dtype=like._data.dtype), xp.asarray(b, dtype=like._data.dtype)))


# -- ReLU family ----------------------------------------------------------------------------------------------
def _threshold(input, limit, value, inplace):
    xp = xp_of(input)
    return _pointwise(input, "threshold", lambda a: xp.where(a > limit, a, xp.asarray(value, dtype=a.dtype)),
                      lambda x: x > limit, inplace, floats_only=False)


def threshold(input, threshold, value, inplace=False):
    """``value`` where input <= threshold, else input."""
    return _threshold(input, threshold, value, inplace)


def threshold_(input, threshold, value):
    return _threshold(input, threshold, value, True)


def relu(input, inplace=False):
    """max(0, x); the gradient at 0 is 0, as in PyTorch."""
    if fast(input):
        return _fused(input, "relu", kernels.relu, kernels.relu_backward, lambda x: (x <= 0).logical_not(), inplace)
    xp = xp_of(input)
    return _pointwise(input, "relu", lambda a: xp.maximum(a, 0).astype(a.dtype, copy=False), lambda x: x > 0,
                      inplace, floats_only=False)


def relu_(input):
    return relu(input, inplace=True)


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    """Clamp to [min_val, max_val]; the gradient passes strictly inside."""
    if min_val > max_val:
        raise TorshValueError("min_val cannot be greater than max_val")
    xp = xp_of(input)
    return _pointwise(input, "hardtanh", lambda a: xp.clip(a, min_val, max_val).astype(a.dtype, copy=False),
                      lambda x: (x > min_val) & (x < max_val), inplace, floats_only=False)


def hardtanh_(input, min_val=-1.0, max_val=1.0):
    return hardtanh(input, min_val, max_val, inplace=True)


def relu6(input, inplace=False):
    return hardtanh(input, 0.0, 6.0, inplace)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    xp = xp_of(input)
    return _pointwise(input, "leaky_relu", lambda a: xp.where(a > 0, a, a * negative_slope),
                      lambda x: _select(x > 0, 1.0, negative_slope, x), inplace)


def leaky_relu_(input, negative_slope=0.01):
    return leaky_relu(input, negative_slope, inplace=True)


def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, inplace=False):
    """Leaky ReLU with a random slope in [lower, upper] per element while training, their mean otherwise."""
    if not training:
        return leaky_relu(input, (lower + upper) / 2, inplace)
    check_float(input, "rrelu_with_noise")
    slope = torsh_tensor.rand(input.shape, dtype=input.dtype, device=input.device) * (upper - lower) + lower
    slope = torsh_tensor.where(input > 0, 1.0, slope)
    return maybe_inplace(lambda x: x * slope, input, inplace)


def rrelu_(input, lower=1.0 / 8, upper=1.0 / 3, training=False):
    return rrelu(input, lower, upper, training, inplace=True)


def prelu(input, weight):
    """Leaky ReLU with a learned slope per channel (dim 1), or one shared slope."""
    check_float(input, "prelu")
    if weight.numel() != 1:
        channels = input.shape[1] if input.ndim >= 2 else input.shape[0] if input.ndim == 1 else 1
        if weight.ndim != 1 or weight.numel() != channels:
            raise TorshRuntimeError(f"Mismatch of parameter numbers and input channel size. Found parameter "
                                    f"numbers = {weight.numel()} and channel size = {channels}.")
        if input.ndim >= 2:
            weight = weight.reshape((1, channels) + (1,) * (input.ndim - 2))
    elif input.ndim > 0:
        weight = weight.reshape(())
    return torsh_tensor.where(input > 0, input, input * weight)


# -- exponential family --------------------------------------------------------------------------------------
def elu(input, alpha=1.0, inplace=False):
    xp = xp_of(input)
    return _pointwise(input, "elu", lambda a: xp.where(a > 0, a, alpha * xp.expm1(a)),
                      lambda x: torsh_tensor.where(x > 0, 1.0, x.exp() * alpha), inplace)


def elu_(input, alpha=1.0):
    return elu(input, alpha, inplace=True)


def selu(input, inplace=False):
    """scale * elu(x, alpha) with the self-normalising constants."""
    xp = xp_of(input)
    a_, s_ = SELU_ALPHA, SELU_SCALE
    return _pointwise(input, "elu", lambda a: s_ * xp.where(a > 0, a, a_ * xp.expm1(a)),
                      lambda x: torsh_tensor.where(x > 0, s_, x.exp() * (a_ * s_)), inplace)


def selu_(input):
    return selu(input, inplace=True)


def celu(input, alpha=1.0, inplace=False):
    if alpha == 0:
        raise TorshRuntimeError("ZeroDivisionError")
    xp = xp_of(input)
    return _pointwise(input, "elu", lambda a: xp.where(a > 0, a, alpha * xp.expm1(a / alpha)),
                      lambda x: torsh_tensor.where(x > 0, 1.0, (x / alpha).exp()), inplace)


def celu_(input, alpha=1.0):
    return celu(input, alpha, inplace=True)


def softplus(input, beta=1.0, threshold=20.0):
    """log(1 + exp(beta x)) / beta, linear once beta x exceeds ``threshold`` (for stability, as PyTorch)."""
    xp = xp_of(input)

    def forward(a):
        bx = a * beta
        return xp.where(bx > threshold, a, (xp.maximum(bx, 0) + _log1p_exp_neg_abs(xp, bx)) / beta).astype(a.dtype)

    return _pointwise(input, "softplus", forward,
                      lambda x: torsh_tensor.where(x * beta > threshold, 1.0, (x * beta).sigmoid()))


def logsigmoid(input):
    """log(sigmoid(x)) without overflow."""
    xp = xp_of(input)
    return _pointwise(input, "log_sigmoid", lambda a: xp.minimum(a, 0) - _log1p_exp_neg_abs(xp, a),
                      lambda x: (-x).sigmoid())


# -- smooth gates -------------------------------------------------------------------------------------------
def sigmoid(input):
    return input.sigmoid()


def tanh(input):
    return input.tanh()


def _fused(input, name, forward, backward, derivative, inplace, **kw):
    """A C forward; the backward is the C one, or ``g * derivative(x)`` in Tensor ops when recording a graph."""
    check_float(input, name)

    def apply(x):
        return result(forward(x._data, **kw), (x,), _fused_backward, f"{name.title()}Backward0", save=(x,),
                      kernel_backward=backward, derivative=derivative, kw=kw)

    return maybe_inplace(apply, input, inplace)


def _fused_backward(node, g):
    (x,) = node.saved_tensors
    if not is_grad_enabled() and fast(x, g):
        return wrap(node.kernel_backward(x._data, g._data, **node.kw))
    return g * node.derivative(x)


def silu(input, inplace=False):
    """x * sigmoid(x) (swish)."""
    def derivative(x):
        s = x.sigmoid()
        return s * (1 + x * (1 - s))

    if fast(input):
        return _fused(input, "silu", kernels.silu, kernels.silu_backward, derivative, inplace)
    xp = xp_of(input)
    return _pointwise(input, "silu", lambda a: a * _sigmoid_array(xp, a), derivative, inplace)


def mish(input, inplace=False):
    """x * tanh(softplus(x))."""
    xp = xp_of(input)

    def derivative(x):
        t = softplus(x).tanh()
        return t + x * x.sigmoid() * (1 - t * t)

    return _pointwise(input, "mish", lambda a: a * xp.tanh(xp.maximum(a, 0) + _log1p_exp_neg_abs(xp, a)), derivative,
                      inplace)


def gelu(input, approximate="none"):
    """x * Phi(x), exactly (erf) or with the tanh approximation."""
    if approximate not in ("none", "tanh"):
        raise TorshRuntimeError("approximate argument must be either none or tanh.")
    if fast(input):
        return _fused(input, "gelu", kernels.gelu, kernels.gelu_backward, _gelu_derivative(approximate), False,
                      approximate=approximate)
    if approximate == "none":
        return _gelu_erf(input)
    xp = xp_of(input)

    def forward(a):
        return 0.5 * a * (1 + xp.tanh(_SQRT_2_OVER_PI * (a + 0.044715 * a ** 3)))

    return _pointwise(input, "gelu", forward, _gelu_derivative("tanh"))


def _gelu_derivative(approximate):
    """gelu'(x) in Tensor ops (differentiable again)."""
    if approximate == "none":
        return lambda x: 0.5 * (1 + (x * _INV_SQRT2).erf()) + x * (x * x * -0.5).exp() * _INV_SQRT_2PI

    def derivative(x):
        t = ((x + 0.044715 * x ** 3) * _SQRT_2_OVER_PI).tanh()
        return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * (_SQRT_2_OVER_PI * (1 + 3 * 0.044715 * x * x))

    return derivative


def _gelu_erf(input):
    """Exact GELU; the normal CDF from the forward is kept for the backward (erf is the expensive part)."""
    check_float(input, "gelu")
    a = input._data
    cdf = 0.5 * (1 + wrap(a * _INV_SQRT2).erf()._data)
    return result((a * cdf).astype(a.dtype, copy=False), (input,), _gelu_erf_backward, "GeluBackward0",
                  save=(input,), cdf=cdf)


def _gelu_erf_backward(node, g):
    (x,) = node.saved_tensors
    cdf = 0.5 * (1 + (x * _INV_SQRT2).erf()) if is_grad_enabled() else wrap(node.cdf)
    return g * (cdf + x * (x * x * -0.5).exp() * _INV_SQRT_2PI)


def hardswish(input, inplace=False):
    """x * relu6(x + 3) / 6."""
    xp = xp_of(input)
    return _pointwise(input, "hardswish", lambda a: a * xp.clip(a + 3, 0, 6) / 6,
                      lambda x: torsh_tensor.where(x < -3, 0.0, torsh_tensor.where(x <= 3, x / 3 + 0.5, 1.0)),
                      inplace)


def hardsigmoid(input, inplace=False):
    """relu6(x + 3) / 6."""
    xp = xp_of(input)
    return _pointwise(input, "hardsigmoid", lambda a: xp.clip(a + 3, 0, 6) / 6,
                      lambda x: ((x > -3) & (x < 3)).to(x.dtype) / 6, inplace)


def softsign(input):
    return input / (input.abs() + 1)


def tanhshrink(input):
    return input - input.tanh()


def hardshrink(input, lambd=0.5):
    xp = xp_of(input)
    return _pointwise(input, "hardshrink", lambda a: xp.where(xp.abs(a) > lambd, a, xp.zeros_like(a)),
                      lambda x: x.abs() > lambd)


def softshrink(input, lambd=0.5):
    if lambd < 0:
        raise TorshRuntimeError(f"lambda must be greater or equal to 0, but found to be {lambd}.")
    xp = xp_of(input)
    return _pointwise(input, "softshrink", lambda a: xp.where(a > lambd, a - lambd,
                                                             xp.where(a < -lambd, a + lambd, xp.zeros_like(a))),
                      lambda x: x.abs() > lambd)


def glu(input, dim=-1):
    """First half of ``dim`` gated by the sigmoid of the second half."""
    check_float(input, "glu")
    if input.ndim == 0:
        raise TorshRuntimeError("glu does not support scalars because halving size must be even")
    d = normalize_dim(dim, input.ndim)
    if input.shape[d] % 2:
        raise TorshRuntimeError(f"Halving dimension must be even, but dimension {d} is size {input.shape[d]}")
    a, b = input.chunk(2, d)
    return a * b.sigmoid()
