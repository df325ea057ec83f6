"""embedding (a row lookup whose gradient adds rows back, skipping padding_idx) and one_hot."""

import numpy as np
from torsh_autograd.grad_mode import no_grad
from torsh_backend import embedding as kernels
from torsh_core.errors import TorshIndexError, TorshNotImplementedError, TorshRuntimeError, TorshValueError

from ._fastpath import fast
from ._op import check_tensor, result, wrap, xp_of


def _take_rows(weight, index, padding_idx, counts, zero_padding):
    """weight[index]; as the adjoint of ``_add_rows`` the padding rows are zero and frequencies divide."""
    xp = xp_of(weight)
    if fast(weight) and type(index._data) is np.ndarray and not zero_padding:
        rows = kernels.embedding(weight._data, index._data)
    else:
        rows = weight._data[index._data]
    if zero_padding:
        if padding_idx is not None:
            rows = xp.where((index._data == padding_idx)[..., None], xp.zeros_like(rows), rows)
        if counts is not None:
            rows = rows / counts[index._data][..., None]
    return result(rows, (weight,), _take_rows_backward, "EmbeddingBackward0", index=index, padding_idx=padding_idx,
                  counts=counts, num_rows=weight.shape[0])


def _take_rows_backward(node, g):
    return _add_rows(g, node.index, node.num_rows, node.padding_idx, node.counts)


def _add_rows(g, index, num_rows, padding_idx, counts):
    """Sum the rows of ``g`` into a (num_rows, D) gradient at ``index`` (the embedding weight gradient)."""
    xp = xp_of(g)
    if fast(g) and counts is None and type(index._data) is np.ndarray:
        out = kernels.embedding_backward(g._data, index._data, num_rows, padding_idx)
        return result(out, (g,), lambda node, gg: _take_rows(gg, index, padding_idx, counts, True),
                      "EmbeddingDenseBackward0")
    dim = g.shape[-1]
    idx = index._data.reshape(-1)
    vals = g._data.reshape(-1, dim)
    if padding_idx is not None:
        keep = idx != padding_idx
        idx, vals = idx[keep], vals[keep]
    if counts is not None:
        vals = vals / counts[idx][:, None]
    out = xp.zeros((num_rows, dim), dtype=g._data.dtype)
    if xp is np:
        np.add.at(out, idx, vals)
    else:
        import cupyx

        cupyx.scatter_add(out, idx, vals)
    return result(out, (g,), lambda node, gg: _take_rows(gg, index, padding_idx, counts, True),
                  "EmbeddingDenseBackward0")


def _renorm_(weight, index, max_norm, norm_type):
    """Rescale, in place, the looked-up rows whose norm exceeds ``max_norm`` (PyTorch's embedding_renorm_)."""
    xp = xp_of(weight)
    rows = xp.unique(index._data.reshape(-1))
    with no_grad():
        w = weight._data
        norms = (xp.abs(w[rows]) ** norm_type).sum(axis=1) ** (1.0 / norm_type)
        scale = xp.where(norms > max_norm, max_norm / (norms + 1e-7), 1.0).astype(w.dtype)
        w[rows] *= scale[:, None]
        weight._version[0] += 1


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0, scale_grad_by_freq=False, sparse=False):
    """Look up rows of ``weight`` (num_embeddings, embedding_dim) at the integer indices ``input``."""
    check_tensor(input, "input", "embedding")
    check_tensor(weight, "weight", "embedding")
    if input._data.dtype.kind not in "iu":
        raise TorshRuntimeError(f"Expected tensor for argument #1 'indices' to have one of the following scalar types: "
                                f"Long, Int; but got {input.dtype} instead (while checking arguments for embedding)")
    if weight.ndim != 2:
        raise TorshRuntimeError(f"'weight' must be 2-D, got {weight.ndim}-D")
    n = weight.shape[0]
    if padding_idx is not None:
        if not -n <= padding_idx < n:
            raise TorshValueError("Padding_idx must be within num_embeddings")
        padding_idx = padding_idx % n
    if sparse:
        raise TorshNotImplementedError("embedding(sparse=True) is not supported by torsh yet: sparse gradients need "
                                       "torsh-sparse; use sparse=False")
    if input.numel() and (int(input._data.min()) < 0 or int(input._data.max()) >= n):
        raise TorshIndexError("index out of range in self")
    if max_norm is not None:
        _renorm_(weight, input, max_norm, norm_type)
    counts = None
    if scale_grad_by_freq:
        xp = xp_of(weight)
        counts = xp.bincount(input._data.reshape(-1), minlength=n).astype(weight._data.dtype)
    return _take_rows(weight, input, padding_idx, counts, False)


def one_hot(tensor, num_classes=-1):
    """int64 one-hot encoding with a new last dim of size ``num_classes`` (max + 1 when -1)."""
    check_tensor(tensor, "tensor", "one_hot")
    if tensor.dtype.name != "int64":
        raise TorshRuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    xp = xp_of(tensor)
    a = tensor._data
    if num_classes == -1:
        if a.size == 0:
            raise TorshRuntimeError("Can not infer total number of classes from empty tensor.")
        num_classes = int(a.max()) + 1
    elif num_classes < -1:
        raise TorshRuntimeError("num_classes should be positive")
    if a.size:
        if int(a.min()) < 0:
            raise TorshRuntimeError("Class values must be non-negative.")
        if int(a.max()) >= num_classes:
            raise TorshRuntimeError("Class values must be smaller than num_classes.")
    return wrap((a[..., None] == xp.arange(num_classes)).astype(np.int64))
