"""Embedding (a lookup table) and EmbeddingBag (sums/means/maxes of bags of lookups)."""

import numpy as np
import torsh_functional as F
from torsh_autograd import no_grad
from torsh_core.errors import TorshIndexError, TorshNotImplementedError, TorshValueError
from torsh_tensor import empty, from_numpy

from .. import init
from .._errors import TorshAssertionError
from ..parameter import Parameter
from .module import Module


def _check_padding_idx(padding_idx, num_embeddings):
    if padding_idx is None:
        return None
    if padding_idx > 0 and padding_idx >= num_embeddings:
        raise TorshAssertionError("Padding_idx must be within num_embeddings")
    if padding_idx < 0:
        if padding_idx < -num_embeddings:
            raise TorshAssertionError("Padding_idx must be within num_embeddings")
        padding_idx += num_embeddings
    return padding_idx


def _make_weight(num_embeddings, embedding_dim, _weight, _freeze, device, dtype):
    """A fresh (N(0, 1)-initialised later) or the given weight Parameter; None means reset_parameters fills it."""
    if _weight is None:
        return Parameter(empty((num_embeddings, embedding_dim), device=device, dtype=dtype),
                         requires_grad=not _freeze), True
    if list(_weight.shape) != [num_embeddings, embedding_dim]:
        raise TorshAssertionError("Shape of weight does not match num_embeddings and embedding_dim")
    return Parameter(_weight, requires_grad=not _freeze), False


def _check_pretrained(embeddings):
    if embeddings.dim() != 2:
        raise TorshAssertionError("Embeddings parameter is expected to be 2-dimensional")
    return embeddings.shape


class Embedding(Module):
    """Row ``i`` of a (num_embeddings, embedding_dim) table for each index ``i``; N(0, 1) initialisation."""

    def __init__(self, num_embeddings, embedding_dim, padding_idx=None, max_norm=None, norm_type=2.0,
                 scale_grad_by_freq=False, sparse=False, _weight=None, _freeze=False, device=None, dtype=None):
        super().__init__()
        if sparse:
            raise TorshNotImplementedError("Embedding(sparse=True): torsh has no sparse gradients; use sparse=False")
        self.num_embeddings = num_embeddings
        self.embedding_dim = embedding_dim
        self.padding_idx = _check_padding_idx(padding_idx, num_embeddings)
        self.max_norm = max_norm
        self.norm_type = norm_type
        self.scale_grad_by_freq = scale_grad_by_freq
        self.sparse = sparse
        self.weight, fresh = _make_weight(num_embeddings, embedding_dim, _weight, _freeze, device, dtype)
        if fresh:
            self.reset_parameters()

    def reset_parameters(self):
        init.normal_(self.weight)
        self._fill_padding_idx_with_zero()

    def _fill_padding_idx_with_zero(self):
        if self.padding_idx is not None:
            with no_grad():
                self.weight[self.padding_idx].fill_(0)

    def forward(self, input):
        return F.embedding(input, self.weight, self.padding_idx, self.max_norm, self.norm_type,
                           self.scale_grad_by_freq, self.sparse)

    def extra_repr(self):
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.padding_idx is not None:
            s += f", padding_idx={self.padding_idx}"
        if self.max_norm is not None:
            s += f", max_norm={self.max_norm}"
        if self.norm_type != 2:
            s += f", norm_type={self.norm_type}"
        if self.scale_grad_by_freq is not False:
            s += f", scale_grad_by_freq={self.scale_grad_by_freq}"
        return s

    @classmethod
    def from_pretrained(cls, embeddings, freeze=True, padding_idx=None, max_norm=None, norm_type=2.0,
                        scale_grad_by_freq=False, sparse=False):
        """An Embedding whose table is ``embeddings`` (frozen by default)."""
        rows, cols = _check_pretrained(embeddings)
        return cls(num_embeddings=rows, embedding_dim=cols, _weight=embeddings, _freeze=freeze,
                   padding_idx=padding_idx, max_norm=max_norm, norm_type=norm_type,
                   scale_grad_by_freq=scale_grad_by_freq, sparse=sparse)


class EmbeddingBag(Module):
    """Reduces (sum, mean or max) the embeddings of each bag of indices without materialising them per bag."""

    def __init__(self, num_embeddings, embedding_dim, max_norm=None, norm_type=2.0, scale_grad_by_freq=False,
                 mode="mean", sparse=False, _weight=None, include_last_offset=False, padding_idx=None, device=None,
                 dtype=None):
        super().__init__()
        if sparse or max_norm is not None or scale_grad_by_freq:
            raise TorshNotImplementedError("EmbeddingBag: sparse, max_norm and scale_grad_by_freq are not supported "
                                           "by torsh")
        if mode not in ("sum", "mean", "max"):
            raise TorshValueError("mode has to be one of sum, mean or max")
        self.num_embeddings = num_embeddings
        self.embedding_dim = embedding_dim
        self.max_norm = max_norm
        self.norm_type = norm_type
        self.scale_grad_by_freq = scale_grad_by_freq
        self.padding_idx = _check_padding_idx(padding_idx, num_embeddings)
        self.weight, fresh = _make_weight(num_embeddings, embedding_dim, _weight, False, device, dtype)
        if fresh:
            self.reset_parameters()
        self.mode = mode
        self.sparse = sparse
        self.include_last_offset = include_last_offset

    reset_parameters = Embedding.reset_parameters
    _fill_padding_idx_with_zero = Embedding._fill_padding_idx_with_zero

    def forward(self, input, offsets=None, per_sample_weights=None):
        return _embedding_bag(input, self.weight, offsets, self.mode, per_sample_weights, self.include_last_offset,
                              self.padding_idx)

    def extra_repr(self):
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.norm_type != 2:
            s += f", norm_type={self.norm_type!r}"
        s += f", mode={self.mode!r}"
        if self.padding_idx is not None:
            s += f", padding_idx={self.padding_idx!r}"
        return s

    @classmethod
    def from_pretrained(cls, embeddings, freeze=True, max_norm=None, norm_type=2.0, scale_grad_by_freq=False,
                        mode="mean", sparse=False, include_last_offset=False, padding_idx=None):
        rows, cols = _check_pretrained(embeddings)
        bag = cls(num_embeddings=rows, embedding_dim=cols, _weight=embeddings, max_norm=max_norm,
                  norm_type=norm_type, scale_grad_by_freq=scale_grad_by_freq, mode=mode, sparse=sparse,
                  include_last_offset=include_last_offset, padding_idx=padding_idx)
        bag.weight.requires_grad = not freeze
        return bag


def _bag_layout(input, offsets, include_last_offset):
    """(flat indices, bag id of each, number of bags) for 2-D fixed-size bags or 1-D input with offsets."""
    if input.dim() == 2:
        if offsets is not None:
            raise TorshValueError("if input is 2D, then offsets has to be None, as input is treated is a mini-batch "
                                  f"of fixed length sequences. However, found offsets of type {type(offsets)}")
        bags, size = input.shape
        return input.reshape(-1).numpy(force=True), np.repeat(np.arange(bags), size), bags
    if input.dim() != 1:
        raise TorshValueError(f"input has to be 1D or 2D Tensor, but got Tensor of dimension {input.dim()}")
    if offsets is None:
        raise TorshValueError("offsets has to be a 1D Tensor but got None")
    if offsets.dim() != 1:
        raise TorshValueError("offsets has to be a 1D Tensor")
    starts = offsets.numpy(force=True).astype(np.int64)
    if include_last_offset:
        starts = starts[:-1]
    n = input.numel()
    if starts.size and (starts[0] != 0 or np.any(np.diff(starts) < 0) or starts[-1] > n):
        raise TorshValueError(f"offsets must start at 0, be non-decreasing and not exceed the input size {n}")
    bag_of = np.searchsorted(starts, np.arange(n), side="right") - 1
    return input.numpy(force=True), bag_of, starts.size


def _embedding_bag(input, weight, offsets, mode, per_sample_weights, include_last_offset, padding_idx):
    """Gather each bag into a padded (bags, longest, dim) block, mask the padding, then reduce over the bag."""
    if weight.dim() != 2:
        raise TorshValueError(f"weight has to be a 2D Tensor, but got Tensor of dimension {weight.dim()}")
    if per_sample_weights is not None:
        if mode != "sum":
            raise TorshNotImplementedError(
                "embedding_bag: per_sample_weights was not None. per_sample_weights is only supported for mode='sum' "
                f"(got mode='{mode}'). Please open a feature request on GitHub."
            )
        if per_sample_weights.shape != input.shape:
            raise TorshValueError(f"embedding_bag: If per_sample_weights ({per_sample_weights.shape}) is not None, "
                                  f"then it must have the same shape as the input ({input.shape})")
    indices, bag_of, bags = _bag_layout(input, offsets, include_last_offset)
    if indices.size and (indices.min() < 0 or indices.max() >= weight.shape[0]):
        raise TorshIndexError(f"index out of range in self (indices must be in [0, {weight.shape[0]}))")
    keep = np.ones(indices.size, dtype=bool) if padding_idx is None else indices != padding_idx
    counts = np.bincount(bag_of[keep], minlength=bags) if bags else np.zeros(0, dtype=np.int64)
    longest = max(int(np.bincount(bag_of, minlength=bags).max()) if indices.size else 0, 1)
    slot = np.arange(indices.size) - np.searchsorted(bag_of, bag_of, side="left")  # position inside its bag
    table = np.zeros((bags, longest), dtype=np.int64)
    mask = np.zeros((bags, longest), dtype=bool)
    table[bag_of, slot] = indices
    mask[bag_of, slot] = keep
    device = weight.device
    rows = weight[from_numpy(table).to(device)]  # (bags, longest, dim)
    mask_t = from_numpy(mask).to(device).unsqueeze(-1)
    if mode == "max":
        picked = rows.masked_fill(~mask_t, float("-inf")).max(dim=1).values
        return picked.masked_fill(from_numpy(counts == 0).to(device).unsqueeze(-1), 0.0)
    scale = mask_t.to(weight.dtype)
    if per_sample_weights is not None:
        flat_w = per_sample_weights.reshape(-1)
        w_table = np.zeros((bags, longest), dtype=np.int64)
        w_table[bag_of, slot] = np.arange(indices.size)
        scale = scale * flat_w[from_numpy(w_table).to(device)].unsqueeze(-1)
    total = (rows * scale).sum(dim=1)
    if mode == "sum":
        return total
    divisor = from_numpy(np.maximum(counts, 1).astype(np.float64)).to(device=device, dtype=weight.dtype)
    return total / divisor.unsqueeze(-1)
