"""SciPy interop (the optional ``scipy`` extra): torsh sparse tensors to and from scipy.sparse arrays, sharing
memory where the formats agree (values always; int64 indices too). CUDA tensors map to cupyx.scipy.sparse."""

import importlib

import numpy as np
from torsh_core.errors import TorshNotImplementedError, TorshTypeError
from torsh_tensor._tensor import _wrap

from ._tensor import SparseTensor
from .construct import sparse_coo_tensor, sparse_csc_tensor, sparse_csr_tensor
from .layouts import sparse_coo, sparse_csr


def _scipy_sparse(cuda):
    name = "cupyx.scipy.sparse" if cuda else "scipy.sparse"
    try:
        return importlib.import_module(name)
    except ImportError as e:
        hint = "pip install torsh[cuda]" if cuda else "pip install torsh-sparse[scipy]"
        raise ImportError(f"{name} is needed for this conversion ({hint})") from e


def to_scipy(input):
    """A scipy.sparse ``coo_array``/``csr_array``/``csc_array`` viewing this tensor's values and indices.

    Like ``Tensor.numpy()`` it refuses a tensor that requires grad (call ``.detach()`` first). CUDA tensors give
    cupyx.scipy.sparse matrices.
    """
    if not isinstance(input, SparseTensor):
        raise TorshTypeError(f"to_scipy(): expected a sparse tensor, got {type(input).__name__}")
    if input.ndim != 2 or input.dense_dim():
        raise TorshNotImplementedError(f"to_scipy(): SciPy holds 2-D matrices with scalar values; got shape "
                                       f"{list(input.shape)} with dense_dim={input.dense_dim()}")
    data = input._vals.numpy() if input.is_cpu else _require_no_grad(input)._vals._data
    mod = _scipy_sparse(not input.is_cpu)
    if input.layout is sparse_coo:
        row, col = input._indices_arr
        cls = mod.coo_array if hasattr(mod, "coo_array") else mod.coo_matrix
        out = cls((data, (row, col)), shape=input.shape, copy=False)
        if input.is_coalesced() and hasattr(out, "has_canonical_format"):
            out.has_canonical_format = True
        return out
    kind = "csr" if input.layout is sparse_csr else "csc"
    cls = getattr(mod, f"{kind}_array", None) or getattr(mod, f"{kind}_matrix")
    return cls((data, input._plain, input._compressed), shape=input.shape, copy=False)


def _require_no_grad(input):
    if input.requires_grad:
        input._vals.numpy()  # raises PyTorch's "Can't call numpy() on Tensor that requires grad"
    return input


def from_scipy(matrix, *, requires_grad=False):
    """A torsh sparse tensor from a scipy.sparse (or cupyx) matrix/array: CSR and CSC keep their layout, other
    formats become COO. Values are shared without copying; int32 indices are widened to int64 (a copy)."""
    fmt = getattr(matrix, "format", None)
    if fmt is None or not hasattr(matrix, "tocoo"):
        raise TorshTypeError(f"from_scipy(): expected a scipy.sparse matrix or array, got {type(matrix).__name__}")
    shape = tuple(int(n) for n in matrix.shape)
    if fmt in ("csr", "csc"):
        build = sparse_csr_tensor if fmt == "csr" else sparse_csc_tensor
        return build(_wrap(matrix.indptr), _wrap(matrix.indices), _wrap(matrix.data), shape,
                     requires_grad=requires_grad)
    coo = matrix if fmt == "coo" else matrix.tocoo()
    values = _wrap(coo.data)
    row, col = (coo.coords if hasattr(coo, "coords") else (coo.row, coo.col))
    xp = np if type(coo.data) is np.ndarray else importlib.import_module("cupy")
    return sparse_coo_tensor(_wrap(xp.stack([row, col]).astype(np.int64)), values, shape,
                             requires_grad=requires_grad,
                             is_coalesced=bool(getattr(coo, "has_canonical_format", False)))

