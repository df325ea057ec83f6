"""scaled_dot_product_attention, PyTorch's math path: softmax(q k^T * scale + mask) v with optional dropout."""

import math

import torsh_tensor
from torsh_core import dtypes
from torsh_core.errors import TorshRuntimeError

from ._op import check_tensor
from .dropout import dropout
from .softmax import softmax


def _safe_softmax(scores):
    """Softmax over the last dim whose fully masked rows (all -inf) give zeros instead of NaN, as in PyTorch."""
    probs = softmax(scores, -1)
    dead = (scores == float("-inf")).all(-1, keepdim=True)
    if bool(dead.any()):
        probs = probs.masked_fill(dead, 0.0)
    return probs


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None,
                                 enable_gqa=False):
    """Attention of (..., L, E) queries over (..., S, E) keys and (..., S, Ev) values -> (..., L, Ev)."""
    for t, name in ((query, "query"), (key, "key"), (value, "value")):
        check_tensor(t, name, "scaled_dot_product_attention")
    if query.ndim < 2 or key.ndim < 2 or value.ndim < 2:
        raise TorshRuntimeError("scaled_dot_product_attention: query, key and value must be at least 2-D")
    if not (query.dtype == key.dtype == value.dtype):
        raise TorshRuntimeError(f"Expected query, key, and value to have the same dtype, but got query.dtype: "
                                f"{query.dtype} key.dtype: {key.dtype} and value.dtype: {value.dtype} instead.")
    n_q, n_k = query.shape[-2], key.shape[-2]
    if key.shape[-2] != value.shape[-2]:
        raise TorshRuntimeError(f"scaled_dot_product_attention: key and value must have the same sequence length, "
                                f"got {key.shape[-2]} and {value.shape[-2]}")
    if enable_gqa and query.ndim >= 3 and key.shape[-3] != query.shape[-3]:
        heads_q, heads_k = query.shape[-3], key.shape[-3]
        if heads_q % heads_k:
            raise TorshRuntimeError(f"number of heads in key/value must divide number of heads in query, got "
                                    f"{heads_k} and {heads_q}")
        key = key.repeat_interleave(heads_q // heads_k, -3)
        value = value.repeat_interleave(heads_q // heads_k, -3)
    factor = 1.0 / math.sqrt(query.shape[-1]) if scale is None else scale
    scores = (query @ key.transpose(-2, -1)) * factor
    if is_causal:
        causal = torsh_tensor.ones(n_q, n_k, dtype=dtypes.bool, device=query.device).tril(0)
        scores = scores.masked_fill(~causal, float("-inf"))
    if attn_mask is not None:
        if attn_mask.dtype == dtypes.bool:
            scores = scores.masked_fill(~attn_mask, float("-inf"))
        else:
            scores = scores + attn_mask
    probs = _safe_softmax(scores)
    if dropout_p > 0.0:
        probs = dropout(probs, dropout_p, training=True)
    return probs @ value
