"""The two differentiable kernels behind every sparse product, each the other's backward:
``pattern_mm`` (sparse @ dense, C spmm/spmv) and ``sampled_dot`` ((a @ b.T) at the pattern's entries, C SDDMM)."""

from torsh_backend import sparse as kernels
from torsh_tensor._tensor import _wrap, needs_grad, record


def pattern_mm(pattern, vals, dense):
    """(matrix with ``vals`` at ``pattern``) @ ``dense`` for a dense matrix or vector; gradients flow to the
    values (sampled at the pattern, as torch.sparse.mm gives them) and to ``dense``."""
    indptr, col, perm = pattern.csr()
    data = vals._data if perm is None else vals._data[perm]
    spmm = kernels.csr_spmv if dense.ndim == 1 else kernels.csr_spmm
    out = _wrap(spmm(indptr, col, data, dense._data))
    if needs_grad(vals, dense):
        node = record(out, _pattern_mm_backward, (vals, dense), "SparseAddmmBackward0")
        node.pattern = pattern
        node.save_for_backward(vals, dense)
    return out


def _pattern_mm_backward(node, g):
    vals, dense = node.saved_tensors
    grad_vals = sampled_dot(node.pattern, g, dense) if node.next_functions[0] is not None else None
    grad_dense = pattern_mm(node.pattern.T, vals, g) if node.next_functions[1] is not None else None
    return grad_vals, grad_dense


def sampled_dot(pattern, a, b):
    """``out[e] = a[row[e]] . b[col[e]]``: the entries of ``a @ b.T`` at the pattern (vectors: ``a[r] * b[c]``)."""
    out = _wrap(kernels.sampled_dot(pattern.row, pattern.col, a._data, b._data))
    if needs_grad(a, b):
        node = record(out, _sampled_dot_backward, (a, b), "SampledDotBackward0")
        node.pattern = pattern
        node.save_for_backward(a, b)
    return out


def _sampled_dot_backward(node, g):
    a, b = node.saved_tensors
    grad_a = pattern_mm(node.pattern, g, b) if node.next_functions[0] is not None else None
    grad_b = pattern_mm(node.pattern.T, g, a) if node.next_functions[1] is not None else None
    return grad_a, grad_b
