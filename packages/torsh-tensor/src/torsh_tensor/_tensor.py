"""The Tensor type: one backend array plus autograd state. Ops live in ops/ and are bound as methods."""

import numpy as np
from torsh_autograd.engine import backward as _engine_backward
from torsh_autograd.grad_mode import _state as _grad_state
from torsh_autograd.node import AccumulateGrad, Node
from torsh_core import dtypes as _dt
from torsh_core.device import CPU
from torsh_core.device import device as _device
from torsh_core.errors import DeviceError, TorshRuntimeError, TorshTypeError, TorshValueError
from torsh_core.shape import Size

_NP2DT = {d.np: d for d in _dt.ALL}
_new = object.__new__
ndarray = np.ndarray


class Tensor:
    """A multi-dimensional array with PyTorch's API; ``_data`` is a numpy.ndarray (CPU) or cupy.ndarray (CUDA)."""

    __array_priority__ = 1000
    _rg = False
    grad_fn = None
    _output_nr = 0
    _base = None
    _grad_edge = None  # a leaf's edge (AccumulateGrad, 0), made once: every op on the leaf uses it
    _retains_grad = False
    _hooks_handles = None
    _post_accumulate_hooks = None
    grad = None
    is_sparse = False
    is_quantized = False
    is_meta = False

    def __new__(cls, *args, **kwargs):
        from .creation import _legacy_constructor

        return _legacy_constructor(cls, *args, **kwargs)

    # -- basic attributes ----------------------------------------------------------------------------------
    @property
    def dtype(self):
        return _NP2DT[self._data.dtype]

    @property
    def shape(self):
        return Size(self._data.shape)

    def size(self, dim=None):
        if dim is None:
            return Size(self._data.shape)
        from torsh_core.shape import normalize_dim

        return self._data.shape[normalize_dim(dim, self._data.ndim)]

    @property
    def device(self):
        d = self._data
        if type(d) is ndarray:
            return CPU
        return _device("cuda", d.device.id)

    @property
    def is_cuda(self):
        return type(self._data) is not ndarray

    @property
    def is_cpu(self):
        return type(self._data) is ndarray

    @property
    def ndim(self):
        return self._data.ndim

    def dim(self):
        return self._data.ndim

    ndimension = dim

    def numel(self):
        return self._data.size

    nelement = numel

    def element_size(self):
        return self._data.itemsize

    @property
    def itemsize(self):
        return self._data.itemsize

    @property
    def nbytes(self):
        return self._data.nbytes

    def stride(self, dim=None):
        st = tuple(s // self._data.itemsize for s in self._data.strides)
        if dim is None:
            return st
        from torsh_core.shape import normalize_dim

        return st[normalize_dim(dim, self._data.ndim)]

    def storage_offset(self):
        base = self._base
        if base is None:
            return 0
        return (_address(self._data) - _address(base._data)) // self._data.itemsize

    def data_ptr(self):
        return _address(self._data)

    def is_contiguous(self, memory_format=None):
        return bool(self._data.flags.c_contiguous)

    def is_floating_point(self):
        return self._data.dtype.kind == "f" or self._data.dtype == _dt.bfloat16.np

    def is_complex(self):
        return self._data.dtype.kind == "c"

    def is_signed(self):
        return self.dtype.is_signed

    @property
    def is_leaf(self):
        return self.grad_fn is None

    # -- autograd state ------------------------------------------------------------------------------------
    @property
    def requires_grad(self):
        return self._rg

    @requires_grad.setter
    def requires_grad(self, value):
        self.requires_grad_(value)

    def requires_grad_(self, requires_grad=True):
        if self.grad_fn is not None:
            if not requires_grad:
                raise TorshRuntimeError(
                    "you can only change requires_grad flags of leaf variables. If you want to use a computed "
                    "variable in a subgraph that doesn't require differentiation use var_no_grad = var.detach()."
                )
            return self
        if requires_grad and not (self.is_floating_point() or self.is_complex()):
            raise TorshRuntimeError(
                f"only Tensors of floating point dtype can require gradients (got {self.dtype})"
            )
        self._rg = bool(requires_grad)
        return self

    @property
    def data(self):
        """The same memory without autograd history (like ``detach()``)."""
        return self.detach()

    @data.setter
    def data(self, other):
        if not isinstance(other, Tensor):
            raise TorshTypeError(f"data must be a Tensor, got {type(other).__name__}")
        self._data = other._data
        self._version = [0]

    def detach(self):
        t = _new(Tensor)
        t._data = self._data
        t._version = self._version
        t._base = self
        return t

    def detach_(self):
        if self._base is not None and self._base._rg:
            raise TorshRuntimeError("Can't detach views in-place. Use detach() instead.")
        self.grad_fn = None
        self._rg = False
        return self

    def _grad_accumulator(self):
        return self._leaf_edge()[0]

    def _leaf_edge(self):
        edge = self._grad_edge
        if edge is None:
            edge = self._grad_edge = (AccumulateGrad(self), 0)
        return edge

    def _set_grad_fn(self, node, output_nr=0):
        self.grad_fn = node
        self._output_nr = output_nr
        self._rg = True

    def retain_grad(self):
        if self.grad_fn is None:
            if not self._rg:
                raise TorshRuntimeError("can't retain_grad on Tensor that has requires_grad=False")
            return
        if self._retains_grad:
            return
        import weakref

        ref = weakref.ref(self)

        def store(g):
            t = ref()
            if t is not None:
                t.grad = g.detach().clone() if t.grad is None else t.grad + g.detach()

        self.grad_fn._set_retain_hook(self._output_nr, store)
        self._retains_grad = True

    @property
    def retains_grad(self):
        return self._retains_grad

    def register_hook(self, hook):
        """``hook(grad)`` runs when this tensor's gradient is computed; it may return a replacement."""
        if not self._rg:
            raise TorshRuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is not None:
            return self.grad_fn._add_output_hook(self._output_nr, hook)
        return self._grad_accumulator()._add_output_hook(0, hook)

    def register_post_accumulate_grad_hook(self, hook):
        if self.grad_fn is not None:
            raise TorshRuntimeError("post accumulate grad hooks cannot be registered on non-leaf tensors")
        from torsh_autograd.node import RemovableHandle

        if self._post_accumulate_hooks is None:
            self._post_accumulate_hooks = {}
        handle = RemovableHandle(self._post_accumulate_hooks)
        self._post_accumulate_hooks[handle.id] = hook
        self._grad_accumulator()
        return handle

    @property
    def _post_accumulate_hooks_list(self):
        return list((self._post_accumulate_hooks or {}).values())

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Accumulate the gradient of this tensor into the leaves' ``.grad`` (``torch.Tensor.backward``)."""
        _engine_backward(self, gradient, retain_graph, create_graph, inputs=inputs)

    # -- python protocol -----------------------------------------------------------------------------------
    def __len__(self):
        if self._data.ndim == 0:
            raise TorshTypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TorshTypeError("iteration over a 0-d tensor")
        return iter(self.unbind(0))

    def __bool__(self):
        n = self._data.size
        if n != 1:
            raise TorshRuntimeError(
                f"Boolean value of Tensor with {'no values' if n == 0 else 'more than one value'} is ambiguous"
            )
        return bool(self.item())

    def _python_scalar(self):
        if self._data.size != 1:
            raise TorshValueError("only one element tensors can be converted to Python scalars")
        return self.item()

    def __float__(self):
        return float(self._python_scalar())

    def __int__(self):
        return int(self._python_scalar())

    def __complex__(self):
        return complex(self._python_scalar())

    def __index__(self):
        if self._data.dtype.kind not in "biu" or self._data.size != 1:
            raise TorshTypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    def __hash__(self):
        return id(self)

    def __array__(self, dtype=None, copy=None):
        """NumPy's view of the data (shared on CPU); refused while the tensor requires grad, as in PyTorch."""
        if self._rg:
            raise TorshRuntimeError("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() "
                                    "instead.")
        arr = self._cpu_array()
        if dtype is not None and arr.dtype != dtype:
            if copy is False:
                raise TorshValueError(f"can't view a {self.dtype} tensor as {np.dtype(dtype)} without a copy")
            return arr.astype(dtype)
        return arr.copy() if copy else arr

    def __repr__(self):
        from .printing import tensor_repr

        return tensor_repr(self)

    __str__ = __repr__

    def __format__(self, spec):
        if self._data.ndim == 0:
            return format(self.item(), spec)
        return repr(self)

    def __reduce_ex__(self, protocol):
        from .creation import _rebuild

        return _rebuild, (self._cpu_array(), self._rg)

    def __deepcopy__(self, memo):
        if not self.is_leaf:
            raise TorshRuntimeError(
                "Only Tensors created explicitly by the user (graph leaves) support the deepcopy protocol at the "
                "moment."
            )
        new = type(self).__new__(type(self), self._data.copy()) if type(self) is not Tensor else _wrap(
            self._data.copy())
        new._rg = self._rg
        if self.grad is not None:
            new.grad = self.grad.clone()
        memo[id(self)] = new
        return new

    # -- conversion ----------------------------------------------------------------------------------------
    def _cpu_array(self):
        d = self._data
        return d if type(d) is ndarray else d.get()

    def item(self):
        if self._data.size != 1:
            raise TorshRuntimeError(
                f"a Tensor with {self._data.size} elements cannot be converted to Scalar"
            )
        v = self._data.reshape(()).item() if type(self._data) is ndarray else self._cpu_array().item()
        return float(v) if self._data.dtype == _dt.bfloat16.np else v

    def tolist(self):
        arr = self._cpu_array()
        if arr.dtype == _dt.bfloat16.np:
            arr = arr.astype(np.float32)
        return arr.tolist()

    def numpy(self, *, force=False):
        if self._rg and not force:
            raise TorshRuntimeError("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() "
                                    "instead.")
        if type(self._data) is not ndarray:
            if not force:
                raise TorshTypeError(
                    f"can't convert {self.device} device type tensor to numpy. Use Tensor.cpu() to copy the tensor "
                    "to host memory first."
                )
            return self._data.get()
        return self._data


def _address(arr):
    if type(arr) is ndarray:
        return arr.__array_interface__["data"][0]
    return arr.data.ptr


def _wrap(arr):
    """A new Tensor around ``arr`` (no copy, no autograd history)."""
    t = _new(Tensor)
    if type(arr) is not ndarray and not hasattr(arr, "__cuda_array_interface__"):
        arr = np.asarray(arr)
    t._data = arr
    t._version = [0]
    return t


def _view_of(arr, base):
    """A Tensor viewing ``base``'s memory: shares its version counter."""
    t = _new(Tensor)
    t._data = arr
    t._version = base._version
    t._base = base._base if base._base is not None else base
    return t


def _edges(inputs):
    """Each input's edge (None for non-tensors). Every recorded op runs this, so it is one loop."""
    edges = []
    for t in inputs:
        if isinstance(t, Tensor):
            fn = t.grad_fn
            if fn is not None:
                edges.append((fn, t._output_nr))
                continue
            if t._rg:
                edges.append(t._grad_edge or t._leaf_edge())
                continue
        edges.append(None)
    return tuple(edges)


def _edge_pair(x, y):
    """``_edges((x, y))`` unrolled, for the tensor operators (+ - * /): a loop costs them a measurable share."""
    if isinstance(x, Tensor):
        fn = x.grad_fn
        ex = (fn, x._output_nr) if fn is not None else (x._grad_edge or x._leaf_edge()) if x._rg else None
    else:
        ex = None
    if isinstance(y, Tensor):
        fn = y.grad_fn
        ey = (fn, y._output_nr) if fn is not None else (y._grad_edge or y._leaf_edge()) if y._rg else None
    else:
        ey = None
    return ex, ey


def _meta(inputs):
    """Each input's (NumPy dtype, shape), None for non-tensors: what its gradient is fitted to (ops/_graph.py)."""
    return tuple([(t._data.dtype, t._data.shape) if isinstance(t, Tensor) else None for t in inputs])


def record(out, backward_fn, inputs, name):
    """Attach a Node computing ``backward_fn`` to ``out``; ``inputs`` are the differentiable operands (or None)."""
    node = Node(backward_fn, _edges(inputs), name)
    out.grad_fn = node
    out._rg = True
    return node


def needs_grad(*tensors):
    """True when grad mode is on and some operand requires grad (the hot path of every op: kept minimal)."""
    if _grad_state.enabled:
        for t in tensors:
            if isinstance(t, Tensor) and t._rg:
                return True
    return False


def check_same_device(a, b):
    """Raise PyTorch's error for operands on different devices (0-d CPU tensors may join CUDA ones)."""
    da, db = a.device, b.device
    if da != db:
        raise DeviceError(
            f"Expected all tensors to be on the same device, but found at least two devices, {da} and {db}!"
        )
