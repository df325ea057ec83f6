"""Which dtype each op runs in under autocast (PyTorch's per-device op lists), and the casts that apply it."""

from torsh_autograd.grad_mode import _state as _grad_state
from torsh_core import dtypes as _dt
from torsh_core.autocast import state as _state
from torsh_core.errors import TorshValueError

from .._tensor import Tensor

# PyTorch's op lists, restricted to ops torsh has or will have. On the CPU, einsum and tensordot (unless it contracts
# every dim: then it is a dot) reach an autocast mm/bmm inside PyTorch, so they run in lower precision there too.
_LOWER_COMMON = {"matmul", "mm", "bmm", "addmm", "baddbmm", "addbmm", "linear", "einsum", "prelu",
                 "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d",
                 "scaled_dot_product_attention"}
_FP32_LOSSES = {"cross_entropy", "nll_loss", "mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "kl_div",
                "binary_cross_entropy_with_logits", "poisson_nll_loss", "cosine_embedding_loss",
                "hinge_embedding_loss", "margin_ranking_loss", "soft_margin_loss", "triplet_margin_loss",
                "multi_margin_loss", "multilabel_margin_loss", "cdist", "prod"}
POLICY = {
    "cpu": {
        "lower": _LOWER_COMMON | {"tensordot"},
        "fp32": _FP32_LOSSES | {"binary_cross_entropy", "ctc_loss", "trace", "avg_pool3d", "max_pool3d",
                                "adaptive_avg_pool3d"},
        "promote": {"cat", "stack", "index_copy"},
    },
    "cuda": {
        "lower": _LOWER_COMMON | {"mv", "addmv", "addr", "chain_matmul", "multi_dot"},
        "fp32": _FP32_LOSSES | {"softmax", "log_softmax", "softmin", "layer_norm", "group_norm", "norm", "normalize",
                                "cosine_similarity", "softplus", "sum", "cumsum", "cumprod", "logsumexp", "exp",
                                "expm1", "log", "log10", "log2", "log1p", "pow", "reciprocal", "rsqrt", "acos", "asin",
                                "cosh", "sinh", "tan", "erfinv", "dist", "pdist", "renorm"},
        "promote": {"dot", "vdot", "tensordot", "bilinear", "addcdiv", "addcmul", "atan2", "cross", "index_put",
                    "scatter_add", "grid_sample", "cat", "stack", "index_copy"},
    },
}
# op name -> kind, per device type
_KIND = {dev: {op: kind for kind, ops in lists.items() for op in ops} for dev, lists in POLICY.items()}
_KNOWN = set().union(*(k.keys() for k in _KIND.values()))


def cast_inputs(op, *tensors):
    """``tensors`` cast to the dtype autocast runs ``op`` in (a PyTorch op name, e.g. 'mm' or 'softmax').

    Returns ``tensors`` untouched, after one attribute read, when autocast is off. Casts are differentiable, so
    gradients come back in each input's own dtype. Non-tensors, non-floating tensors and float64 pass through.
    """
    if not _state.active:
        return tensors
    return _autocast(op, tensors)


def _autocast(op, tensors):
    if op not in _KNOWN:
        raise TorshValueError(f"cast_inputs(): no autocast policy for op {op!r}")
    device_type = next((t.device.type for t in tensors if isinstance(t, Tensor)), None)
    if device_type is None or not _state.enabled[device_type]:
        return tensors
    kind = _KIND[device_type].get(op)
    if kind is None:
        return tensors
    lower = _state.dtype[device_type]
    if kind == "lower":
        target = lower
    elif kind == "fp32":
        target = _dt.float32
    else:
        target = lower
        for t in tensors:
            if _eligible(t, device_type):
                target = _dt.promote_types(target, t.dtype)
    return tuple(_cast(t, target, lower) if _eligible(t, device_type) else t for t in tensors)


def _eligible(t, device_type):
    """Floating tensors on the autocast device, except float64 (PyTorch leaves double alone)."""
    return (isinstance(t, Tensor) and t.is_floating_point() and t.dtype is not _dt.float64
            and t.device.type == device_type)


def _cast(t, target, lower):
    """``t.to(target)``; float32 leaf weights cast to the lower dtype are cached until the outermost region ends."""
    if t.dtype is target:
        return t
    cacheable = (_state.cache_enabled and target is lower and t._rg and t.grad_fn is None and t._base is None
                 and t.dtype is _dt.float32 and _grad_state.enabled)
    if not cacheable:
        return t.to(target)
    hit = _state.cache.get(id(t))
    if hit is not None and hit[0] is t and hit[1] is t._data and hit[2] == t._version[0] and hit[3].dtype is target:
        return hit[3]
    out = t.to(target)
    _state.cache[id(t)] = (t, t._data, t._version[0], out)
    return out
