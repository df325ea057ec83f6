"""Regression, binary, divergence and margin losses, composed from differentiable Tensor ops.

(The fused classification losses live in cross_entropy.py.)
"""

import functools
import math
import warnings

import torsh_tensor
from torsh_core import dtypes
from torsh_core.errors import TorshIndexError, TorshNotImplementedError, TorshRuntimeError, TorshValueError
from torsh_core.shape import broadcast_shapes
from torsh_tensor.amp import cast_inputs

from . import _reduction
from ._op import check_tensor
from .activation import logsigmoid
from .distance import pairwise_distance


def _float32_under_autocast(fn):
    """Losses run in float32 under autocast (PyTorch's op lists); one attribute read when autocast is off."""
    name = fn.__name__

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        return fn(*cast_inputs(name, *args), **kwargs)

    return wrapper

def _size_warning(input, target):
    if tuple(target.shape) != tuple(input.shape):
        warnings.warn(f"Using a target size ({target.shape}) that is different to the input size ({input.shape}). "
                      "This will likely lead to incorrect results due to broadcasting. Please ensure they have the "
                      "same size.", stacklevel=3)


def _pointwise_loss(input, target, elementwise, reduction, weight, name, weighted_mean="sum"):
    """Shared path of l1/mse/huber: broadcast, weight, reduce (weighted mean = sum / sum(weight) or mean)."""
    check_tensor(input, "input", name)
    check_tensor(target, "target", name)
    _size_warning(input, target)
    reduction = _reduction.check(reduction)
    loss = elementwise(input - target)
    if weight is None:
        return _reduction.apply(loss, reduction)
    if tuple(weight.shape) != tuple(input.shape):
        raise TorshValueError("Weights and input must have the same size.")
    loss = loss * weight
    if reduction == "mean":
        return loss.sum() / weight.sum() if weighted_mean == "sum" else loss.mean()
    return _reduction.apply(loss, reduction)


@_float32_under_autocast
def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """Mean absolute error."""
    return _pointwise_loss(input, target, lambda d: d.abs(), _reduction.legacy(size_average, reduce, reduction),
                           weight, "l1_loss")


@_float32_under_autocast
def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """Mean squared error."""
    return _pointwise_loss(input, target, lambda d: d * d, _reduction.legacy(size_average, reduce, reduction),
                           weight, "mse_loss")


def _smooth(d, beta):
    """0.5 d^2 / beta inside |d| < beta, |d| - beta / 2 outside."""
    a = d.abs()
    return torsh_tensor.where(a < beta, d * d * (0.5 / beta), a - 0.5 * beta)


@_float32_under_autocast
def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    """L1 loss with a quadratic zone of width ``beta`` around zero."""
    if beta < 0:
        raise TorshRuntimeError("smooth_l1_loss does not support negative values for beta.")
    fn = (lambda d: d.abs()) if beta == 0 else (lambda d: _smooth(d, beta))
    return _pointwise_loss(input, target, fn, _reduction.legacy(size_average, reduce, reduction), None,
                           "smooth_l1_loss")


@_float32_under_autocast
def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    """Quadratic inside |d| < delta, linear (slope delta) outside: delta * smooth_l1 with beta = delta."""
    if delta <= 0:
        raise TorshRuntimeError("huber_loss does not support non-positive values for delta.")
    return _pointwise_loss(input, target, lambda d: _smooth(d, delta) * delta, reduction, weight, "huber_loss",
                           weighted_mean="mean")


def _expand_weight(weight, target):
    return None if weight is None else weight.expand(broadcast_shapes(tuple(weight.shape), tuple(target.shape)))


@_float32_under_autocast
def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    """-w (t log x + (1 - t) log(1 - x)) for probabilities x, logs clamped at -100 as in PyTorch."""
    check_tensor(input, "input", "binary_cross_entropy")
    check_tensor(target, "target", "binary_cross_entropy")
    reduction = _reduction.check(_reduction.legacy(size_average, reduce, reduction))
    if tuple(target.shape) != tuple(input.shape):
        raise TorshValueError(f"Using a target size ({target.shape}) that is different to the input size "
                              f"({input.shape}) is deprecated. Please ensure they have the same size.")
    if input.numel() and bool(((input < 0) | (input > 1)).any()):
        raise TorshRuntimeError("all elements of input should be between 0 and 1")
    log_x = input.log().clamp_min(-100)
    log_1mx = (1 - input).log().clamp_min(-100)
    loss = -(target * log_x + (1 - target) * log_1mx)
    weight = _expand_weight(weight, target)
    if weight is not None:
        loss = loss * weight
    return _reduction.apply(loss, reduction)


@_float32_under_autocast
def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None, reduction="mean",
                                     pos_weight=None):
    """Sigmoid + binary cross entropy in one stable formula: (1 - t) x - (1 + (pw - 1) t) logsigmoid(x)."""
    check_tensor(input, "input", "binary_cross_entropy_with_logits")
    check_tensor(target, "target", "binary_cross_entropy_with_logits")
    reduction = _reduction.check(_reduction.legacy(size_average, reduce, reduction))
    if tuple(target.shape) != tuple(input.shape):
        raise TorshValueError(f"Target size ({target.shape}) must be the same as input size ({input.shape})")
    log_weight = 1 if pos_weight is None else (pos_weight - 1) * target + 1
    loss = (1 - target) * input - log_weight * logsigmoid(input)
    if weight is not None:
        loss = loss * weight
    return _reduction.apply(loss, reduction)


def _xlogx(t):
    """t log t with 0 log 0 = 0 and a finite gradient at 0."""
    positive = t > 0
    return torsh_tensor.where(positive, t * torsh_tensor.where(positive, t, 1.0).log(), 0.0)


@_float32_under_autocast
def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    """KL(target || exp(input)) pointwise: target (log target - input); input holds log-probabilities."""
    check_tensor(input, "input", "kl_div")
    check_tensor(target, "target", "kl_div")
    reduction = _reduction.legacy(size_average, reduce, reduction)
    if reduction == "mean":
        warnings.warn("reduction: 'mean' divides the total loss by both the batch size and the support size."
                      "'batchmean' divides only by the batch size, and aligns with the KL div math definition."
                      "'mean' will be changed to behave the same as 'batchmean' in the next major release.",
                      stacklevel=2)
    loss = target.exp() * (target - input) if log_target else _xlogx(target) - target * input
    if reduction == "batchmean":
        return loss.sum() / input.shape[0] if input.ndim else loss.sum()
    return _reduction.apply(loss, reduction)


@_float32_under_autocast
def poisson_nll_loss(input, target, log_input=True, full=False, size_average=None, eps=1e-8, reduce=None,
                     reduction="mean"):
    """Poisson negative log likelihood of ``target`` counts with rate exp(input) (or input)."""
    reduction = _reduction.check(_reduction.legacy(size_average, reduce, reduction))
    loss = input.exp() - target * input if log_input else input - target * (input + eps).log()
    if full:
        t = torsh_tensor.where(target > 1, target, 2.0)
        stirling = t * t.log() - t + 0.5 * (2 * math.pi * t).log()
        loss = loss + stirling.masked_fill(target <= 1, 0)
    return _reduction.apply(loss, reduction)


def gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction="mean"):
    """Gaussian negative log likelihood: 0.5 (log var + (input - target)^2 / var), var clamped at eps."""
    if isinstance(var, (int, float)):
        if var < 0:
            raise TorshValueError("var has negative entry/entries")
        var = torsh_tensor.ones_like(input) * var
    if tuple(var.shape) != tuple(input.shape):
        if tuple(input.shape[:-1]) == tuple(var.shape):
            var = var.unsqueeze(-1)
        elif not (tuple(input.shape[:-1]) == tuple(var.shape[:-1]) and var.shape[-1] == 1):
            raise TorshValueError("var is of incorrect size")
    if reduction not in ("none", "mean", "sum"):
        raise TorshValueError(reduction + " is not valid")
    if bool((var < 0).any()):
        raise TorshValueError("var has negative entry/entries")
    var = var + (var.detach().clamp_min(eps) - var.detach())  # clamped value, gradient of the unclamped var
    loss = 0.5 * (var.log() + (input - target) ** 2 / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduction.apply(loss, reduction)


@_float32_under_autocast
def margin_ranking_loss(input1, input2, target, margin=0, size_average=None, reduce=None, reduction="mean"):
    """max(0, -target * (input1 - input2) + margin)."""
    reduction = _reduction.check(_reduction.legacy(size_average, reduce, reduction))
    if not input1.ndim == input2.ndim == target.ndim:
        raise TorshRuntimeError(f"margin_ranking_loss : All input tensors should have same dimension but got sizes: "
                                f"input1: {input1.shape}, input2: {input2.shape}, target: {target.shape} ")
    return _reduction.apply((-target * (input1 - input2) + margin).clamp_min(0), reduction)


@_float32_under_autocast
def hinge_embedding_loss(input, target, margin=1.0, size_average=None, reduce=None, reduction="mean"):
    """input where target is 1, max(0, margin - input) where target is -1."""
    reduction = _reduction.check(_reduction.legacy(size_average, reduce, reduction))
    zeros = torsh_tensor.zeros_like(input)
    loss = torsh_tensor.where(target != 1, (margin - input).clamp_min(0), zeros) + torsh_tensor.where(
        target != -1, input, zeros)
    return _reduction.apply(loss, reduction)


@_float32_under_autocast
def soft_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """log(1 + exp(-target * input))."""
    reduction = _reduction.check(_reduction.legacy(size_average, reduce, reduction))
    return _reduction.apply(-logsigmoid(target * input), reduction)


@_float32_under_autocast
def cosine_embedding_loss(input1, input2, target, margin=0, size_average=None, reduce=None, reduction="mean"):
    """1 - cos(x1, x2) for target 1, max(0, cos(x1, x2) - margin) for target -1."""
    reduction = _reduction.check(_reduction.legacy(size_average, reduce, reduction))
    d = target.ndim
    if d not in (0, 1):
        raise TorshRuntimeError("0D or 1D target tensor expected, multi-target not supported")
    if d == 1 and not (input1.ndim == 2 and input2.ndim == 2):
        raise TorshRuntimeError(f"1D target tensor expects 2D input tensors, but found inputs with sizes "
                                f"{list(input1.shape)} and {list(input2.shape)}.")
    if d == 0 and not (input1.ndim == 1 and input2.ndim == 1):
        raise TorshRuntimeError(f"0D target tensor expects 1D input tensors, but found inputs with sizes "
                                f"{list(input1.shape)} and {list(input2.shape)}.")
    prod = (input1 * input2).sum(d)
    mag = (((input1 * input1).sum(d) + 1e-12) * ((input2 * input2).sum(d) + 1e-12)).sqrt()
    cos = prod / mag
    zeros = torsh_tensor.zeros_like(cos)
    loss = torsh_tensor.where(target == 1, 1 - cos, zeros) + torsh_tensor.where(target == -1,
                                                                                (cos - margin).clamp_min(0), zeros)
    return _reduction.apply(loss, reduction)


@_float32_under_autocast
def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-6, swap=False, size_average=None,
                        reduce=None, reduction="mean"):
    """max(0, margin + d(a, p) - d(a, n)) with p-norm distances (and the distance swap of Balntas et al.)."""
    reduction = _reduction.check(_reduction.legacy(size_average, reduce, reduction))
    if not anchor.ndim == positive.ndim == negative.ndim:
        raise TorshRuntimeError(f"The anchor, positive, and negative tensors are expected to have the same number of "
                                f"dimensions, but got: anchor {anchor.ndim}D, positive {positive.ndim}D, and negative "
                                f"{negative.ndim}D inputs")
    return _triplet(anchor, positive, negative, lambda x, y: pairwise_distance(x, y, p, eps), margin, swap,
                    reduction)


def triplet_margin_with_distance_loss(anchor, positive, negative, *, distance_function=None, margin=1.0, swap=False,
                                      reduction="mean"):
    """Triplet loss with any distance function (pairwise_distance by default)."""
    if margin <= 0:
        raise TorshValueError(f"TripletMarginWithDistanceLoss: expected margin to be greater than 0, got {margin} "
                              "instead")
    return _triplet(anchor, positive, negative, distance_function or pairwise_distance, margin, swap,
                    _reduction.check(reduction))


def _triplet(anchor, positive, negative, dist, margin, swap, reduction):
    d_pos = dist(anchor, positive)
    d_neg = dist(anchor, negative)
    if swap:
        d_neg = torsh_tensor.minimum(d_neg, dist(positive, negative))
    return _reduction.apply((margin + d_pos - d_neg).clamp_min(0), reduction)


def multilabel_soft_margin_loss(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    """Per-class logistic loss averaged over classes: one loss per sample."""
    reduction = _reduction.check(_reduction.legacy(size_average, reduce, reduction))
    loss = -(target * logsigmoid(input) + (1 - target) * logsigmoid(-input))
    if weight is not None:
        loss = loss * weight
    class_dim = input.ndim - 1
    loss = loss.sum(class_dim) / input.shape[class_dim]
    return _reduction.apply(loss, reduction)


@_float32_under_autocast
def multi_margin_loss(input, target, p=1, margin=1.0, weight=None, size_average=None, reduce=None, reduction="mean"):
    """Multi-class hinge loss: sum over j != y of max(0, margin - x_y + x_j)^p / C."""
    reduction = _reduction.check(_reduction.legacy(size_average, reduce, reduction))
    if p not in (1, 2):
        raise TorshValueError("only p == 1 and p == 2 supported")
    if input.ndim not in (1, 2):
        raise TorshRuntimeError(f"Expected non-empty vector or matrix with optional 0-dim batch size, but got: "
                                f"{list(input.shape)}")
    x = input if input.ndim == 2 else input.unsqueeze(0)
    t = target.reshape(-1)
    n, c = x.shape
    if t.shape[0] != n:
        raise TorshRuntimeError(f"inconsistent target size, expected {n} but got {list(target.shape)}")
    if t.numel() and (int(t.min()) < 0 or int(t.max()) >= c):
        bad = int(t.max()) if int(t.max()) >= c else int(t.min())
        raise TorshIndexError(f"target out of range: {bad} (number of classes: {c})")
    x_y = x.gather(1, t.unsqueeze(1))
    terms = (margin - x_y + x).clamp_min(0)
    if p == 2:
        terms = terms * terms
    if weight is not None:
        terms = terms * weight.gather(0, t).unsqueeze(1)
    own = torsh_tensor.zeros(n, c, dtype=dtypes.bool, device=x.device).scatter(1, t.unsqueeze(1), True)
    loss = terms.masked_fill(own, 0).sum(1) / c
    if input.ndim == 1 and reduction == "none":
        loss = loss.squeeze(0)
    return _reduction.apply(loss, reduction)


def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction="mean", zero_infinity=False):
    """Connectionist temporal classification loss: not implemented in torsh yet."""
    raise TorshNotImplementedError("ctc_loss is not implemented by torsh yet")
