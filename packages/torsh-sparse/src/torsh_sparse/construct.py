"""sparse_coo_tensor, sparse_csr_tensor, sparse_csc_tensor: build sparse tensors, checking every index.

PyTorch checks most invariants only with ``check_invariants=True``; torsh always checks what memory safety needs
(index dtype and bounds, lengths, a monotone compressed index), because its C kernels trust their input.
``check_invariants=True`` also requires sorted, distinct indices within each compressed row or column.
"""

import numpy as np
from torsh_backend import module_of
from torsh_core.errors import TorshNotImplementedError, TorshRuntimeError, TorshTypeError, TorshValueError
from torsh_tensor import tensor
from torsh_tensor._tensor import Tensor

from ._groups import linearize
from ._tensor import SparseTensor, make_compressed, make_coo
from .layouts import sparse_csc, sparse_csr

INT64 = np.dtype(np.int64)


def _values(values, dtype, device):
    """``values`` as a Tensor of at least one dim (kept as is, so gradients flow back to it)."""
    if isinstance(values, SparseTensor):
        raise TorshTypeError("values must be a dense (strided) tensor, got a sparse one")
    v = values if isinstance(values, Tensor) else tensor(values, dtype=dtype, device=device)
    if dtype is not None or device is not None:
        v = v.to(dtype=dtype, device=device)
    if v.ndim == 0:
        raise TorshRuntimeError("values must have at least one dimension (nnz, *dense_size), got a 0-d tensor")
    return v


def _index_array(x, name, vals):
    """``x`` as an int64 array on the values' device; RuntimeError (like PyTorch) for non-integer dtypes."""
    if isinstance(x, SparseTensor):
        raise TorshTypeError(f"{name} must be a dense (strided) tensor, got a sparse one")
    arr = x._data if isinstance(x, Tensor) else np.asarray(x)
    if arr.dtype.kind not in "iu":
        if arr.size or arr.dtype.kind not in "f":  # an empty list becomes float64: let it through as empty
            raise TorshRuntimeError(f"{name} must be an int64 tensor, got dtype {arr.dtype}")
    if arr.dtype != INT64:
        arr = arr.astype(INT64)
    xp = module_of(vals._data)
    if module_of(arr) is not xp:
        arr = xp.asarray(arr)
    return arr


def _size(size, name="size"):
    try:
        shape = tuple(int(s.__index__()) for s in size)
    except (TypeError, AttributeError):
        raise TorshTypeError(f"{name} must be a sequence of ints, got {size!r}") from None
    if any(s < 0 for s in shape):
        raise TorshRuntimeError(f"{name} {list(shape)} has a negative dimension")
    return shape


def _leaf(vals, requires_grad):
    return vals.detach().requires_grad_() if requires_grad else vals


def sparse_coo_tensor(indices, values, size=None, *, dtype=None, device=None, pin_memory=False, requires_grad=False,
                      check_invariants=None, is_coalesced=None):
    """A COO tensor: ``indices`` (sparse_dim, nnz), ``values`` (nnz, *dense_size); size inferred when omitted."""
    vals = _values(values, dtype, device)
    idx = _index_array(indices, "indices", vals)
    if idx.ndim != 2:
        raise TorshRuntimeError(f"indices must be sparse_dim x nnz, but got: {list(idx.shape)}")
    sparse_dim, nnz = idx.shape
    if vals.shape[0] != nnz:
        raise TorshRuntimeError(f"indices and values must have same nnz, but got nnz from indices: {nnz}, nnz from "
                                f"values: {vals.shape[0]}")
    dense_size = tuple(vals.shape[1:])
    low = idx.min(axis=1).tolist() if nnz else [0] * sparse_dim
    high = idx.max(axis=1).tolist() if nnz else [-1] * sparse_dim
    for d, v in enumerate(low):
        if v < 0:
            raise TorshRuntimeError(f"found negative index {v} for dim {d}")
    if size is None:
        shape = tuple(h + 1 for h in high) + dense_size
    else:
        shape = _size(size)
        if len(shape) != sparse_dim + len(dense_size):
            raise TorshRuntimeError(f"number of dimensions must be sparse_dim ({sparse_dim}) + dense_dim "
                                    f"({len(dense_size)}), but got {len(shape)}")
        if shape[sparse_dim:] != dense_size:
            raise TorshRuntimeError(f"values has incorrect size, expected {[nnz, *shape[sparse_dim:]]}, got "
                                    f"{list(vals.shape)}")
        for d, (h, s) in enumerate(zip(high, shape)):
            if h >= s:
                raise TorshRuntimeError(f"size is inconsistent with indices: for dim {d}, size is {s} but found "
                                        f"index {h}")
    if is_coalesced and not _strictly_sorted(idx, shape[:sparse_dim]):
        raise TorshValueError("is_coalesced=True, but the indices are not sorted lexicographically and unique")
    return make_coo(idx, _leaf(vals, requires_grad), shape, coalesced=bool(is_coalesced))


def _strictly_sorted(idx, sizes):
    key = linearize(idx, sizes)
    return key.shape[0] < 2 or bool((key[1:] > key[:-1]).all())


def sparse_csr_tensor(crow_indices, col_indices, values, size=None, *, dtype=None, device=None, pin_memory=False,
                      requires_grad=False, check_invariants=None):
    """A CSR matrix: row pointer ``crow_indices`` (rows + 1), ``col_indices`` and ``values`` (nnz, ...)."""
    return _compressed(sparse_csr, crow_indices, col_indices, values, size, dtype, device, requires_grad,
                       check_invariants)


def sparse_csc_tensor(ccol_indices, row_indices, values, size=None, *, dtype=None, device=None, pin_memory=False,
                      requires_grad=False, check_invariants=None):
    """A CSC matrix: column pointer ``ccol_indices`` (cols + 1), ``row_indices`` and ``values`` (nnz, ...)."""
    return _compressed(sparse_csc, ccol_indices, row_indices, values, size, dtype, device, requires_grad,
                       check_invariants)


def sparse_compressed_tensor(compressed_indices, plain_indices, values, size=None, *, dtype=None, layout=None,
                             device=None, pin_memory=False, requires_grad=False, check_invariants=None):
    """CSR or CSC, chosen by ``layout`` (BSR/BSC blocks are not supported)."""
    if layout not in (sparse_csr, sparse_csc):
        raise TorshNotImplementedError(f"sparse_compressed_tensor(layout={layout!r}): torsh supports sparse_csr and "
                                       "sparse_csc (no block layouts)")
    return _compressed(layout, compressed_indices, plain_indices, values, size, dtype, device, requires_grad,
                       check_invariants)


def _compressed(layout, compressed, plain, values, size, dtype, device, requires_grad, check_invariants):
    csr = layout is sparse_csr
    cname, pname = ("crow_indices", "col_indices") if csr else ("ccol_indices", "row_indices")
    axis, what = ("nrows", "ncols") if csr else ("ncols", "nrows")
    vals = _values(values, dtype, device)
    c = _index_array(compressed, cname, vals)
    p = _index_array(plain, pname, vals)
    if c.ndim > 1 or p.ndim > 1:
        raise TorshNotImplementedError(f"batched {layout} tensors ({cname} of shape {list(c.shape)}) are not "
                                       "supported by torsh")
    if c.ndim != 1 or c.shape[0] < 1 or p.ndim != 1:
        raise TorshRuntimeError(f"{cname} and {pname} must be 1-D and {cname} must have {axis} + 1 >= 1 entries, "
                                f"got shapes {list(c.shape)} and {list(p.shape)}")
    nnz = p.shape[0]
    if vals.shape[0] != nnz:
        raise TorshRuntimeError(f"`{pname}.shape[-1] == values.shape[0]` is not satisfied: {nnz} != "
                                f"{vals.shape[0]}")
    dense_size = tuple(vals.shape[1:])
    n_compressed = c.shape[0] - 1
    if size is None:
        n_plain = int(p.max()) + 1 if nnz else 0
        shape = ((n_compressed, n_plain) if csr else (n_plain, n_compressed)) + dense_size
    else:
        shape = _size(size)
        if len(shape) != 2 + len(dense_size) or shape[2:] != dense_size:
            raise TorshRuntimeError(f"size {list(shape)} does not match a 2-D {layout} tensor with values of shape "
                                    f"{list(vals.shape)} (expected [rows, cols, *values.shape[1:]])")
        if shape[0 if csr else 1] != n_compressed:
            raise TorshRuntimeError(f"`{cname}.shape[-1] == {axis} + 1` is not satisfied: {c.shape[0]} != "
                                    f"{shape[0 if csr else 1]} + 1")
        n_plain = shape[1 if csr else 0]
    _check_compressed(c, p, nnz, n_plain, cname, pname, what, check_invariants)
    return make_compressed(layout, c, p, _leaf(vals, requires_grad), shape)


def _check_compressed(c, p, nnz, n_plain, cname, pname, what, check_invariants):
    if int(c[0]) != 0:
        raise TorshRuntimeError(f"`{cname}[..., 0] == 0` is not satisfied.")
    if int(c[-1]) != nnz:
        raise TorshRuntimeError(f"`{cname}[..., -1] == nnz` is not satisfied ({int(c[-1])} != {nnz}).")
    steps = c[1:] - c[:-1]
    if steps.shape[0] and (bool((steps < 0).any()) or int(steps.max()) > n_plain):
        raise TorshRuntimeError(f"`0 <= {cname}[..., 1:] - {cname}[..., :-1] <= {what}` is not satisfied.")
    if nnz and (int(p.min()) < 0 or int(p.max()) >= n_plain):
        raise TorshRuntimeError(f"`0 <= {pname} < {what}` is not satisfied.")
    if check_invariants and nnz > 1:
        xp = module_of(p)
        starts = xp.zeros(nnz, bool)
        starts[c[:-1][steps > 0]] = True
        if bool((~starts[1:] & (p[1:] <= p[:-1])).any()):
            raise TorshRuntimeError(f"`{pname}[..., {cname}[..., i - 1]:{cname}[..., i]] for all i = 1, ..., "
                                    f"{'nrows' if cname == 'crow_indices' else 'ncols'} are sorted and distinct "
                                    "along the last dimension values` is not satisfied.")
