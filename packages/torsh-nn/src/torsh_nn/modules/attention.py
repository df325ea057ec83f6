"""MultiheadAttention with PyTorch's parameters (in_proj_weight/bias or q/k/v_proj_weight, out_proj, bias_k/v)."""

import math

import torsh_functional as F
from torsh_core.errors import TorshRuntimeError, TorshValueError
from torsh_tensor import cat, empty, zeros, zeros_like

from .. import init
from .._errors import TorshAssertionError
from ..parameter import Parameter
from .linear import NonDynamicallyQuantizableLinear
from .module import Module


def _float_mask(mask, name, dtype):
    """Bool masks (True = may not attend) become additive float masks of 0 / -inf; float masks pass through."""
    if mask is None:
        return None
    if mask.dtype.name == "bool":
        return zeros_like(mask, dtype=dtype).masked_fill(mask, float("-inf"))
    if not mask.is_floating_point():
        raise TorshAssertionError(f"only bool and floating types of {name} are supported")
    return mask


def _pad_last(mask):
    """One more (allowed) key position at the end, for bias_k/bias_v or the zero attention slot."""
    if mask is None:
        return None
    return cat([mask, zeros(mask.shape[:-1] + (1,), dtype=mask.dtype, device=mask.device)], -1)


class MultiheadAttention(Module):
    """Attention over ``num_heads`` subspaces of size embed_dim // num_heads, joined by ``out_proj``."""

    def __init__(self, embed_dim, num_heads, dropout=0.0, bias=True, add_bias_kv=False, add_zero_attn=False,
                 kdim=None, vdim=None, batch_first=False, device=None, dtype=None):
        if embed_dim <= 0 or num_heads <= 0:
            raise TorshValueError(f"embed_dim and num_heads must be greater than 0, got embed_dim={embed_dim} and "
                                  f"num_heads={num_heads} instead")
        super().__init__()
        kw = {"device": device, "dtype": dtype}
        self.embed_dim = embed_dim
        self.kdim = kdim if kdim is not None else embed_dim
        self.vdim = vdim if vdim is not None else embed_dim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.num_heads = num_heads
        self.dropout = dropout
        self.batch_first = batch_first
        self.head_dim = embed_dim // num_heads
        if self.head_dim * num_heads != embed_dim:
            raise TorshAssertionError("embed_dim must be divisible by num_heads")
        if not self._qkv_same_embed_dim:
            self.q_proj_weight = Parameter(empty((embed_dim, embed_dim), **kw))
            self.k_proj_weight = Parameter(empty((embed_dim, self.kdim), **kw))
            self.v_proj_weight = Parameter(empty((embed_dim, self.vdim), **kw))
            self.register_parameter("in_proj_weight", None)
        else:
            self.in_proj_weight = Parameter(empty((3 * embed_dim, embed_dim), **kw))
            self.register_parameter("q_proj_weight", None)
            self.register_parameter("k_proj_weight", None)
            self.register_parameter("v_proj_weight", None)
        if bias:
            self.in_proj_bias = Parameter(empty(3 * embed_dim, **kw))
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = NonDynamicallyQuantizableLinear(embed_dim, embed_dim, bias=bias, **kw)
        if add_bias_kv:
            self.bias_k = Parameter(empty((1, 1, embed_dim), **kw))
            self.bias_v = Parameter(empty((1, 1, embed_dim), **kw))
        else:
            self.bias_k = self.bias_v = None
        self.add_zero_attn = add_zero_attn
        self._reset_parameters()

    def _reset_parameters(self):
        if self._qkv_same_embed_dim:
            init.xavier_uniform_(self.in_proj_weight)
        else:
            init.xavier_uniform_(self.q_proj_weight)
            init.xavier_uniform_(self.k_proj_weight)
            init.xavier_uniform_(self.v_proj_weight)
        if self.in_proj_bias is not None:
            init.constant_(self.in_proj_bias, 0.0)
            init.constant_(self.out_proj.bias, 0.0)
        if self.bias_k is not None:
            init.xavier_normal_(self.bias_k)
        if self.bias_v is not None:
            init.xavier_normal_(self.bias_v)

    def forward(self, query, key, value, key_padding_mask=None, need_weights=True, attn_mask=None,
                average_attn_weights=True, is_causal=False):
        """(attn_output, attn_weights or None); weights are averaged over heads unless average_attn_weights=False."""
        is_batched = query.dim() == 3
        if self.batch_first and is_batched:
            query, key, value = (x.transpose(1, 0) for x in (query, key, value))
        out, weights = self._attend(query, key, value, key_padding_mask, need_weights, attn_mask,
                                    average_attn_weights, is_causal)
        if self.batch_first and is_batched:
            out = out.transpose(1, 0)
        return out, weights

    def _projections(self, query, key, value):
        e = self.embed_dim
        if self._qkv_same_embed_dim:
            w_q, w_k, w_v = self.in_proj_weight.chunk(3)
        else:
            w_q, w_k, w_v = self.q_proj_weight, self.k_proj_weight, self.v_proj_weight
        b_q = b_k = b_v = None
        if self.in_proj_bias is not None:
            b_q, b_k, b_v = self.in_proj_bias[:e], self.in_proj_bias[e:2 * e], self.in_proj_bias[2 * e:]
        return F.linear(query, w_q, b_q), F.linear(key, w_k, b_k), F.linear(value, w_v, b_v)

    def _attend(self, query, key, value, key_padding_mask, need_weights, attn_mask, average_attn_weights,
                is_causal):
        """Time-major (L, N, E) attention, as F.multi_head_attention_forward computes it."""
        is_batched = _check_shapes(query, key, value, key_padding_mask, attn_mask)
        if not is_batched:
            query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
            if key_padding_mask is not None:
                key_padding_mask = key_padding_mask.unsqueeze(0)
        tgt_len, bsz, embed_dim = query.shape
        src_len = key.shape[0]
        heads, head_dim = self.num_heads, self.head_dim
        if embed_dim != self.embed_dim:
            raise TorshAssertionError(f"was expecting embedding dimension of {self.embed_dim}, but got {embed_dim}")
        if is_causal and attn_mask is None:
            raise TorshRuntimeError("Need attn_mask if specifying the is_causal hint. You may use the Transformer "
                                    "module method `generate_square_subsequent_mask` to create this mask.")
        key_padding_mask = _float_mask(key_padding_mask, "key_padding_mask", query.dtype)
        attn_mask = _float_mask(attn_mask, "attn_mask", query.dtype)
        if self._qkv_same_embed_dim and key.shape != value.shape:
            raise TorshAssertionError(f"key shape {key.shape} does not match value shape {value.shape}")
        q, k, v = self._projections(query, key, value)
        if attn_mask is not None:
            if attn_mask.dim() == 2:
                if tuple(attn_mask.shape) != (tgt_len, src_len):
                    raise TorshRuntimeError(f"The shape of the 2D attn_mask is {attn_mask.shape}, but should be "
                                            f"{(tgt_len, src_len)}.")
                attn_mask = attn_mask.unsqueeze(0)
            elif attn_mask.dim() == 3:
                if tuple(attn_mask.shape) != (bsz * heads, tgt_len, src_len):
                    raise TorshRuntimeError(f"The shape of the 3D attn_mask is {attn_mask.shape}, but should be "
                                            f"{(bsz * heads, tgt_len, src_len)}.")
            else:
                raise TorshRuntimeError(f"attn_mask's dimension {attn_mask.dim()} is not supported")
        if self.bias_k is not None and self.bias_v is not None:
            k = cat([k, self.bias_k.repeat(1, bsz, 1)])
            v = cat([v, self.bias_v.repeat(1, bsz, 1)])
            attn_mask, key_padding_mask = _pad_last(attn_mask), _pad_last(key_padding_mask)
        q = q.reshape((tgt_len, bsz * heads, head_dim)).transpose(0, 1)
        k = k.reshape((k.shape[0], bsz * heads, head_dim)).transpose(0, 1)
        v = v.reshape((v.shape[0], bsz * heads, head_dim)).transpose(0, 1)
        if self.add_zero_attn:
            k = cat([k, zeros((bsz * heads, 1, head_dim), dtype=k.dtype, device=k.device)], 1)
            v = cat([v, zeros((bsz * heads, 1, head_dim), dtype=v.dtype, device=v.device)], 1)
            attn_mask, key_padding_mask = _pad_last(attn_mask), _pad_last(key_padding_mask)
        src_len = k.shape[1]
        if key_padding_mask is not None:
            if tuple(key_padding_mask.shape) != (bsz, src_len):
                raise TorshAssertionError(f"expecting key_padding_mask shape of {(bsz, src_len)}, but got "
                                          f"{key_padding_mask.shape}")
            kpm = key_padding_mask.reshape((bsz, 1, 1, src_len)).expand(-1, heads, -1, -1)
            kpm = kpm.reshape((bsz * heads, 1, src_len))
            attn_mask = kpm if attn_mask is None else attn_mask + kpm
        scores = (q * math.sqrt(1.0 / head_dim)) @ k.transpose(-2, -1)
        if attn_mask is not None:
            scores = scores + attn_mask
        weights = F.softmax(scores, dim=-1)
        if self.dropout > 0.0 and self.training:
            weights = F.dropout(weights, p=self.dropout)
        out = (weights @ v).transpose(0, 1).reshape((tgt_len * bsz, embed_dim))
        out = F.linear(out, self.out_proj.weight, self.out_proj.bias).reshape((tgt_len, bsz, embed_dim))
        if not is_batched:
            out = out.squeeze(1)
        if not need_weights:
            return out, None
        weights = weights.reshape((bsz, heads, tgt_len, src_len))
        if average_attn_weights:
            weights = weights.mean(dim=1)
        if not is_batched:
            weights = weights.squeeze(0)
        return out, weights


def _check_shapes(query, key, value, key_padding_mask, attn_mask):
    """True for batched (3-D) inputs; errors for inconsistent ranks, worded as PyTorch's _mha_shape_check."""
    if query.dim() not in (2, 3):
        raise TorshAssertionError(f"query should be unbatched 2D or batched 3D tensor but received {query.dim()}-D "
                                  "query tensor")
    batched = query.dim() == 3
    kind, rank = ("batched (3-D)", 3) if batched else ("unbatched (2-D)", 2)
    if key.dim() != rank or value.dim() != rank:
        raise TorshAssertionError(f"For {kind} `query`, expected `key` and `value` to be {rank}-D but found "
                                  f"{key.dim()}-D and {value.dim()}-D tensors respectively")
    if key_padding_mask is not None and key_padding_mask.dim() != rank - 1:
        raise TorshAssertionError(f"For {kind} `query`, expected `key_padding_mask` to be `None` or {rank - 1}-D "
                                  f"but found {key_padding_mask.dim()}-D tensor instead")
    if attn_mask is not None and attn_mask.dim() not in (2, 3):
        raise TorshAssertionError(f"For {kind} `query`, expected `attn_mask` to be `None`, 2-D or 3-D "
                                  f"but found {attn_mask.dim()}-D tensor instead")
    return batched
