"""The sparse tensor type: int64 index arrays plus a dense values Tensor that carries all autograd state."""

import math

from torsh_core.errors import TorshNotImplementedError, TorshRuntimeError, TorshTypeError
from torsh_core.shape import Size, normalize_dim
from torsh_tensor._tensor import Tensor, _wrap

from .layouts import KERNEL_NAME, sparse_coo, sparse_csc, sparse_csr

_new = object.__new__


class SparseTensor(Tensor):
    """A COO, CSR or CSC tensor with PyTorch's sparse API.

    ``_vals`` (nnz, *dense_shape) is an ordinary Tensor: gradients reach the values through it, so the autograd
    engine needs nothing sparse-specific. COO keeps ``_indices_arr`` (sparse_dim, nnz); CSR keeps ``_compressed``
    (rows + 1) and ``_plain`` (the column of each entry); CSC the same over columns. Index arrays are int64,
    read-only and on the values' device. Dense Tensor ops that have no sparse version raise
    NotImplementedError through ``_data``, as PyTorch does for the Sparse backends.
    """

    _indices_arr = None
    _compressed = None
    _plain = None
    _coalesced = False
    _pattern_cache = None

    def __new__(cls, *args, **kwargs):
        raise TorshTypeError(
            "create sparse tensors with torsh.sparse_coo_tensor, torsh.sparse_csr_tensor, torsh.sparse_csc_tensor "
            "or Tensor.to_sparse()"
        )

    @property
    def _data(self):
        raise TorshNotImplementedError(
            f"this operation has no implementation for {self._layout} tensors in torsh; "
            "convert with .to_dense() first (see the torsh-sparse README for what is supported)"
        )

    # -- structure ---------------------------------------------------------------------------------------------
    @property
    def layout(self):
        return self._layout

    @property
    def is_sparse(self):
        return self._layout is sparse_coo

    @property
    def is_sparse_csr(self):
        return self._layout is sparse_csr

    @property
    def dtype(self):
        return self._vals.dtype

    @property
    def device(self):
        return self._vals.device

    @property
    def is_cuda(self):
        return self._vals.is_cuda

    @property
    def is_cpu(self):
        return self._vals.is_cpu

    @property
    def shape(self):
        return Size(self._shape)

    def size(self, dim=None):
        if dim is None:
            return Size(self._shape)
        return self._shape[normalize_dim(dim, len(self._shape))]

    @property
    def ndim(self):
        return len(self._shape)

    def dim(self):
        return len(self._shape)

    ndimension = dim

    def numel(self):
        return math.prod(self._shape)

    nelement = numel

    def element_size(self):
        return self._vals.element_size()

    @property
    def itemsize(self):
        return self._vals.element_size()

    def is_floating_point(self):
        return self._vals.is_floating_point()

    def is_complex(self):
        return self._vals.is_complex()

    def is_signed(self):
        return self._vals.is_signed()

    def sparse_dim(self):
        return self._indices_arr.shape[0] if self._layout is sparse_coo else 2

    def dense_dim(self):
        return self._vals.ndim - 1

    def _nnz(self):
        return self._vals.shape[0]

    def is_coalesced(self):
        self._require(sparse_coo, "is_coalesced")
        return self._coalesced

    def __len__(self):
        return self._shape[0]

    def _require(self, layout, op, what="sparse coordinate"):
        if self._layout is not layout:
            raise TorshRuntimeError(f"{op} expected {what} tensor layout but got {KERNEL_NAME[self._layout]}")

    # -- accessors (PyTorch returns aliases; torsh's index tensors are read-only views) --------------------------
    def indices(self):
        self._require(sparse_coo, "indices")
        if not self._coalesced:
            raise TorshRuntimeError("Cannot get indices on an uncoalesced tensor, please call .coalesce() first")
        return _wrap(self._indices_arr)

    def _indices(self):
        self._require(sparse_coo, "_indices")
        return _wrap(self._indices_arr)

    def values(self):
        if self._layout is sparse_coo and not self._coalesced:
            raise TorshRuntimeError("Cannot get values on an uncoalesced tensor, please call .coalesce() first")
        return self._vals

    def _values(self):
        return self._vals.detach()

    def crow_indices(self):
        self._require(sparse_csr, "crow_indices", "sparse row compressed")
        return _wrap(self._compressed)

    def col_indices(self):
        self._require(sparse_csr, "col_indices", "sparse row compressed")
        return _wrap(self._plain)

    def ccol_indices(self):
        self._require(sparse_csc, "ccol_indices", "sparse column compressed")
        return _wrap(self._compressed)

    def row_indices(self):
        self._require(sparse_csc, "row_indices", "sparse column compressed")
        return _wrap(self._plain)

    # -- autograd: all of it lives on the values --------------------------------------------------------------
    @property
    def _rg(self):
        return self._vals._rg

    @property
    def requires_grad(self):
        return self._vals.requires_grad

    @requires_grad.setter
    def requires_grad(self, value):
        self.requires_grad_(value)

    def requires_grad_(self, requires_grad=True):
        self._vals.requires_grad_(requires_grad)
        return self

    @property
    def grad_fn(self):
        return self._vals.grad_fn

    @property
    def is_leaf(self):
        return self._vals.is_leaf

    @property
    def grad(self):
        """The gradient as a sparse tensor on this tensor's (coalesced) pattern, as PyTorch gives it."""
        g = self._vals.grad
        if g is None:
            return None
        from .coalesce import masked_gradient

        return masked_gradient(self, g)

    @grad.setter
    def grad(self, value):
        if value is None:
            self._vals.grad = None
            return
        if not isinstance(value, SparseTensor) or not same_pattern(self, value):
            raise TorshRuntimeError("assigned grad must be a sparse tensor with exactly the indices of this tensor")
        self._vals.grad = value._vals

    def retain_grad(self):
        self._vals.retain_grad()

    def register_hook(self, hook):
        raise TorshNotImplementedError("register_hook on sparse tensors is not supported by torsh; hook the dense "
                                       "result of an op instead")

    def detach(self):
        return with_values(self, self._vals.detach())

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Backward from a sparse result goes through its dense form (``gradient`` dense or sparse)."""
        if isinstance(gradient, SparseTensor):
            gradient = gradient.to_dense()
        self.to_dense().backward(gradient, retain_graph, create_graph, inputs)

    # -- copies, moves, conversions --------------------------------------------------------------------------
    def clone(self, *, memory_format=None):
        out = with_values(self, self._vals.clone())
        out._replace_indices(lambda a: a.copy())
        return out

    def _replace_indices(self, fn):
        """Every index array becomes ``fn(array)``; caches built from the old arrays are dropped."""
        self._indices_arr, self._compressed, self._plain = (
            None if a is None else _read_only(fn(a)) for a in (self._indices_arr, self._compressed, self._plain))
        self.__dict__.pop("_pattern_cache", None)
        self.__dict__.pop("_groups_cache", None)

    def __deepcopy__(self, memo):
        if not self.is_leaf:
            raise TorshRuntimeError("Only Tensors created explicitly by the user (graph leaves) support the deepcopy "
                                    "protocol at the moment.")
        out = self.detach().clone()
        out.requires_grad_(self.requires_grad)
        memo[id(self)] = out
        return out

    def __reduce_ex__(self, protocol):
        arrays = tuple(None if a is None else _host(a) for a in (self._indices_arr, self._compressed, self._plain))
        return _rebuild, (self._layout.name, self._shape, arrays, self._vals.detach().cpu().numpy(),
                          self._coalesced, self.requires_grad)

    def to(self, *args, **kwargs):
        """Cast the values and/or move everything to another device, like ``Tensor.to``."""
        vals = self._vals.to(*args, **kwargs)
        if vals is self._vals:
            return self
        out = with_values(self, vals)
        if vals.device != self._vals.device:
            out._replace_indices(lambda a: _wrap(a).to(vals.device)._data)
        return out

    def cpu(self):
        return self.to("cpu")

    def cuda(self, device=None, non_blocking=False):
        return self.to("cuda" if device is None else (f"cuda:{device}" if isinstance(device, int) else device))

    def double(self):
        return self.to(_dtype("float64"))

    def float(self):
        return self.to(_dtype("float32"))

    def half(self):
        return self.to(_dtype("float16"))

    def long(self):
        return self.to(_dtype("int64"))

    def int(self):
        return self.to(_dtype("int32"))

    def numpy(self, *, force=False):
        raise TorshTypeError(f"can't convert {self._layout} tensor to numpy. Use Tensor.to_dense() first "
                             "(or torsh.sparse.to_scipy).")

    def __array__(self, dtype=None, copy=None):
        self.numpy()

    def __repr__(self):
        from .printing import sparse_repr

        return sparse_repr(self)

    __str__ = __repr__


def _dtype(name):
    from torsh_core import dtypes

    return getattr(dtypes, name)


def _host(a):
    return a if type(a).__module__ == "numpy" else a.get()


def _read_only(a):
    """A view of ``a`` that refuses writes (NumPy), so index tensors handed to users cannot break invariants."""
    if type(a).__module__ != "numpy":
        return a
    view = a.view()
    view.flags.writeable = False
    return view


def make_coo(indices, vals, shape, coalesced=False):
    """A COO tensor around already checked parts (no copy)."""
    t = _new(SparseTensor)
    t._layout, t._shape, t._vals = sparse_coo, tuple(shape), vals
    t._indices_arr = _read_only(indices)
    t._coalesced = bool(coalesced)
    return t


def make_compressed(layout, compressed, plain, vals, shape):
    """A CSR or CSC tensor around already checked parts (no copy)."""
    t = _new(SparseTensor)
    t._layout, t._shape, t._vals = layout, tuple(shape), vals
    t._compressed, t._plain = _read_only(compressed), _read_only(plain)
    return t


def with_values(sp, vals, shape=None, coalesced=None):
    """A tensor with ``sp``'s indices (shared) and new values; the cached mm pattern is shared too."""
    t = _new(SparseTensor)
    t.__dict__.update(sp.__dict__)
    t._vals = vals
    if shape is not None:
        t._shape = tuple(shape)
    if coalesced is not None:
        t._coalesced = coalesced
    return t


def same_pattern(a, b):
    """Both tensors have one layout, shape and set of index arrays (compared by value)."""
    if a._layout is not b._layout or a._shape != b._shape or a._nnz() != b._nnz():
        return False
    pairs = zip((a._indices_arr, a._compressed, a._plain), (b._indices_arr, b._compressed, b._plain))
    return all(x is y or (x is not None and y is not None and bool((x == y).all())) for x, y in pairs)


def _rebuild(layout_name, shape, arrays, vals, coalesced, requires_grad):
    from . import layouts

    lay = getattr(layouts, layout_name)
    v = _wrap(vals)
    if lay is sparse_coo:
        t = make_coo(arrays[0], v, shape, coalesced)
    else:
        t = make_compressed(lay, arrays[1], arrays[2], v, shape)
    return t.requires_grad_(requires_grad) if requires_grad else t
