"""cross_entropy (fused log_softmax + NLL, class indices or probabilities, label smoothing) and nll_loss.

The fused op computes log-probabilities once and differentiates in closed form: with q the per-class target
weights of a sample (one-hot times class weight, smoothed, or the given probabilities),
    loss = -sum_c q_c log p_c      d loss / d x = p * sum_c q_c - q
so the backward is one pass over the logits with no (N, C) one-hot matrix for index targets.
"""

import numpy as np
from torsh_backend import softmax as kernels
from torsh_core.errors import TorshIndexError, TorshNotImplementedError, TorshRuntimeError, TorshValueError
from torsh_tensor.amp import cast_inputs

from . import _reduction
from ._fastpath import fast
from ._op import check_tensor, class_index, dtype_name, is_grad_enabled, result, wrap, xp_of
from .softmax import log_softmax


def _log_softmax_array(xp, a):
    if xp is np and a.dtype in (np.float32, np.float64):
        return kernels.softmax(a, 1, log=True)
    z = a - a.max(axis=1, keepdims=True)
    e = xp.exp(z)
    z -= xp.log(e.sum(axis=1, keepdims=True))
    return z


def _class_shape(ndim, c):
    """(1, C, 1, ...): a per-class vector broadcast over (N, C, d1, ...)."""
    return (1, c) + (1,) * (ndim - 2)


def _check_targets(input, target):
    """Index targets: Long/Byte, shaped like input without the class dim."""
    if target._data.dtype not in (np.int64, np.uint8):
        raise TorshRuntimeError(f"expected target dtype to be Long or Byte, but got {dtype_name(target)}")
    if target.shape[:1] != input.shape[:1]:
        raise TorshValueError(f"Expected input batch_size ({input.shape[0]}) to match target batch_size "
                              f"({target.shape[0] if target.ndim else 1}).")
    expected = (input.shape[0],) + tuple(input.shape[2:])
    if tuple(target.shape) != expected:
        raise TorshRuntimeError(f"Expected target size {list(expected)}, got {list(target.shape)}")


def _check_weight(weight, c):
    if weight is not None and (weight.ndim != 1 or weight.shape[0] != c):
        raise TorshRuntimeError(f"weight tensor should be defined either for all {c} classes or no classes but got "
                                f"weight tensor of shape: {list(weight.shape)}")


def _valid_targets(xp, target, ignore_index, c):
    """(targets with ignored ones replaced by 0, mask of the non-ignored); IndexError for out-of-range classes."""
    t = target._data.astype(np.int64, copy=False)
    valid = t != ignore_index
    bad = valid & ((t < 0) | (t >= c))
    if bool(bad.any()):
        raise TorshIndexError(f"Target {int(t[bad][0])} is out of bounds.")
    return xp.where(valid, t, 0), valid


# -- fused cross entropy with class-index targets ---------------------------------------------------------------
def _index_ce(x, t, valid, w, eps):
    """Per-sample loss of logits (N, C, ...) against class indices, with class weights ``w`` (array or None)."""
    xp = xp_of(x)
    c = x.shape[1]
    logp = _log_softmax_array(xp, x._data)
    wt = (w[t] if w is not None else xp.ones(t.shape, dtype=logp.dtype)) * valid
    loss = -(1 - eps) * wt * logp[class_index(xp, t)]
    if eps:
        weighted = logp * w.reshape(_class_shape(logp.ndim, c)) if w is not None else logp
        loss -= (eps / c) * valid * weighted.sum(axis=1)
    out = result(loss.astype(logp.dtype, copy=False), (x,), _index_ce_backward, "CrossEntropyLossBackward0",
                 save=(x,), logp=logp, t=t, valid=valid, w=w, wt=wt, eps=eps)
    return out, wt


def _index_ce_backward(node, g):
    (x,) = node.saved_tensors
    if is_grad_enabled():
        return _dense_ce_backward(x, wrap(_dense_targets(xp_of(x), node)), g)
    xp = xp_of(x)
    c = x.shape[1]
    ga = g._data
    eps, w, wt, valid = node.eps, node.w, node.wt, node.valid
    total_w = float(w.sum()) if w is not None else float(c)
    qsum = (1 - eps) * wt + (eps / c) * total_w * valid
    if xp is np and node.logp.ndim == 2 and node.logp.dtype in (np.float32, np.float64):
        grad = kernels.exp_scale_rows(node.logp, (ga * qsum).astype(node.logp.dtype, copy=False))
    else:
        grad = xp.exp(node.logp)
        grad *= (ga * qsum)[:, None]
    if eps:
        per_class = w.reshape(_class_shape(grad.ndim, c)) if w is not None else 1.0
        grad -= (eps / c) * (ga * valid)[:, None] * per_class
    grad[class_index(xp, node.t)] -= (1 - eps) * ga * wt
    return wrap(grad.astype(x._data.dtype, copy=False))


def _dense_targets(xp, node):
    """The (N, C, ...) target weights q of an index-target cross entropy (only for double backward)."""
    logp = node.logp
    c = logp.shape[1]
    q = xp.zeros_like(logp)
    q[class_index(xp, node.t)] = (1 - node.eps) * node.wt
    if node.eps:
        per_class = node.w.reshape(_class_shape(q.ndim, c)) if node.w is not None else 1.0
        q += (node.eps / c) * node.valid[:, None] * per_class
    return q


def _dense_ce_backward(x, q, g):
    """d/dx of -sum_c q_c log_softmax(x)_c, built from Tensor ops (differentiable again)."""
    p = log_softmax(x, 1).exp()
    return (p * q.sum(1, keepdim=True) - q) * g.unsqueeze(1)


# -- one C pass each way for the common case: (N, C) logits, class indices, no weights or smoothing ----------
def _fused_index_ce(x, t, ignore_index, reduction):
    """The reduced (or per-row) loss as one node; log-probabilities are never stored, only each row's lse."""
    target = t._data.astype(np.int64, copy=False)
    loss, lse = kernels.cross_entropy(x._data, target, ignore_index)
    count = int((target != ignore_index).sum())
    if reduction != "none":
        with np.errstate(invalid="ignore", divide="ignore"):  # no valid row: 0 / 0 = NaN, as PyTorch
            total = loss.sum(dtype=loss.dtype)
            loss = np.asarray(total / loss.dtype.type(count) if reduction == "mean" else total)
    return result(loss, (x,), _fused_index_ce_backward, "NllLossBackward0", save=(x,), target=target, lse=lse,
                  count=count, reduction=reduction, ignore_index=ignore_index)


def _fused_index_ce_backward(node, g):
    (x,) = node.saved_tensors
    n = x.shape[0]
    if is_grad_enabled():  # a graph of the gradient: the closed form in Tensor ops
        valid = node.target != node.ignore_index
        q = np.zeros(tuple(x.shape), x._data.dtype)
        q[np.nonzero(valid)[0], node.target[valid]] = 1
        rows = g if node.reduction == "none" else (g / node.count if node.reduction == "mean" else g).expand(n)
        return _dense_ce_backward(x, wrap(q), rows)
    ga = g._data
    if node.reduction == "none":
        scale = ga.astype(x._data.dtype, copy=False)
    else:
        per_row = ga / node.count if node.reduction == "mean" else ga
        scale = np.full(n, per_row, x._data.dtype)
    return wrap(kernels.cross_entropy_backward(x._data, node.target, node.lse, scale, node.ignore_index))


# -- fused cross entropy with probability targets -----------------------------------------------------------
def _soft_ce(x, q):
    """Per-sample -sum_c q_c log_softmax(x)_c; ``q`` may itself require grad."""
    xp = xp_of(x)
    logp = _log_softmax_array(xp, x._data)
    loss = -(q._data * logp).sum(axis=1)
    return result(loss, (x, q), _soft_ce_backward, "CrossEntropyLossBackward0", save=(x, q), logp=logp)


def _soft_ce_backward(node, g):
    x, q = node.saved_tensors
    need_x, need_q = (e is not None for e in node.next_functions)
    if is_grad_enabled():
        gx = _dense_ce_backward(x, q, g) if need_x else None
        gq = -log_softmax(x, 1) * g.unsqueeze(1) if need_q else None
        return gx, gq
    xp = xp_of(x)
    ga = g._data[:, None]
    gx = gq = None
    if need_x:
        gx = wrap((xp.exp(node.logp) * q._data.sum(axis=1, keepdims=True) - q._data) * ga)
    if need_q:
        gq = wrap(-node.logp * ga)
    return gx, gq


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean",
                  label_smoothing=0.0):
    """Cross entropy of logits (N, C, d1, ...) against class indices (N, d1, ...) or class probabilities."""
    check_tensor(input, "input", "cross_entropy")
    check_tensor(target, "target", "cross_entropy")
    input, target, weight = cast_inputs("cross_entropy", input, target, weight)
    reduction = _reduction.check(_reduction.legacy(size_average, reduce, reduction))
    if not 0.0 <= label_smoothing <= 1.0:
        raise TorshRuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    if not input.is_floating_point():
        raise TorshNotImplementedError(f'"log_softmax_lastdim_kernel_impl" not implemented for '
                                       f"'{dtype_name(input)}'")
    if input.ndim == 0:
        raise TorshRuntimeError("cross_entropy: input must have at least 1 dimension (the classes)")
    unbatched = input.ndim == 1
    x = input.unsqueeze(0) if unbatched else input
    c = x.shape[1]
    _check_weight(weight, c)
    xp = xp_of(x)
    w = None if weight is None else weight._data.astype(x._data.dtype, copy=False)
    if target.is_floating_point():
        if tuple(target.shape) != tuple(input.shape):
            raise TorshRuntimeError(f"expected target dtype to be Long or Byte, but got {dtype_name(target)}")
        if ignore_index != -100:
            raise TorshRuntimeError("ignore_index is not supported for floating point target")
        q = (target.unsqueeze(0) if unbatched else target).to(x.dtype)
        if label_smoothing:
            q = q * (1 - label_smoothing) + label_smoothing / c
        if weight is not None:
            q = q * wrap(w.reshape(_class_shape(x.ndim, c)))
        loss = _soft_ce(x, q)
        if reduction == "mean":
            return loss.sum() / (x.numel() // c) if x.numel() else loss.sum() * float("nan")
    else:
        t = target.unsqueeze(0) if unbatched else target
        _check_targets(x, t)
        if x.ndim == 2 and weight is None and not label_smoothing and fast(x):
            loss = _fused_index_ce(x, t, ignore_index, reduction)
            return loss.squeeze(0) if unbatched and reduction == "none" else loss
        idx, valid = _valid_targets(xp, t, ignore_index, c)
        loss, wt = _index_ce(x, idx, valid, w, label_smoothing)
        if reduction == "mean":
            return loss.sum() / wrap(xp.asarray(wt.sum(), dtype=wt.dtype))
    if reduction == "sum":
        return loss.sum()
    return loss.squeeze(0) if unbatched else loss


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean"):
    """Negative log likelihood of log-probabilities (N, C, d1, ...) at class indices (N, d1, ...)."""
    check_tensor(input, "input", "nll_loss")
    check_tensor(target, "target", "nll_loss")
    input, target, weight = cast_inputs("nll_loss", input, target, weight)
    reduction = _reduction.check(_reduction.legacy(size_average, reduce, reduction))
    if input.ndim == 0:
        raise TorshValueError("Expected 1 or more dimensions (got 0)")
    unbatched = input.ndim == 1
    x = input.unsqueeze(0) if unbatched else input
    t = target.unsqueeze(0) if unbatched else target
    c = x.shape[1]
    _check_targets(x, t)
    _check_weight(weight, c)
    xp = xp_of(x)
    idx, valid = _valid_targets(xp, t, ignore_index, c)
    wt = (weight._data.astype(x._data.dtype)[idx] if weight is not None else xp.ones(idx.shape, x._data.dtype)) * valid
    picked = x.gather(1, wrap(idx).unsqueeze(1)).squeeze(1)
    loss = -picked * wrap(wt.astype(x._data.dtype, copy=False))
    if reduction == "mean":
        return loss.sum() / wrap(xp.asarray(wt.sum(), dtype=x._data.dtype))
    if reduction == "sum":
        return loss.sum()
    return loss.squeeze(0) if unbatched else loss

