"""Graph nodes: one per recorded op, holding its backward function, input edges and saved tensors."""

import weakref

from torsh_core.errors import TorshRuntimeError

from . import anomaly, tensor_api


class Node:
    """A recorded op. ``backward_fn(node, *grads)`` returns one gradient per entry of ``next_functions``.

    Extra state an op's backward needs is set as plain attributes on the node (like PyTorch's ``ctx``).
    """

    # Defaults live on the class so that recording a node (once per op call) sets only what it must.
    _name = None
    _saved = None
    _pre_hooks = None
    _hooks = None
    _retain_hooks = None
    _out_meta = None

    def __init__(self, backward_fn, edges, name=None):
        self.backward_fn = backward_fn
        self.next_functions = edges
        if name is not None:
            self._name = name
        if anomaly._enabled:
            self._trace = anomaly.current_trace()

    def name(self):
        return self._name or type(self).__name__

    def __repr__(self):
        return f"<{self.name()} object at {id(self):#x}>"

    # saved tensors ------------------------------------------------------------------------------------------
    def save_for_backward(self, *tensors):
        """Keep tensors for backward and remember their versions to detect later in-place changes."""
        self._saved = tuple([(t, t._version[0]) if t is not None else (None, 0) for t in tensors])

    @property
    def saved_tensors(self):
        saved = self._saved
        if saved is None:
            return ()
        if saved is _FREED:
            raise TorshRuntimeError(
                "Trying to backward through the graph a second time (or directly access saved tensors after they "
                "have already been freed). Saved intermediate values of the graph are freed when you call "
                ".backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the "
                "graph a second time or if you need to access saved tensors after calling backward."
            )
        for i, (t, version) in enumerate(saved):
            if t is not None and t._version[0] != version:
                raise TorshRuntimeError(
                    f"one of the variables needed for gradient computation has been modified by an inplace "
                    f"operation: [{t.dtype} {list(t.shape)}], which is saved tensor {i} of {self.name()}, is at "
                    f"version {t._version[0]}; expected version {version} instead."
                )
        return tuple(t for t, _ in saved)

    def release(self):
        """Drop saved tensors once backward has used them (unless the graph is retained)."""
        if self._saved is not None:
            self._saved = _FREED

    # hooks ------------------------------------------------------------------------------------------------
    def register_hook(self, fn):
        """``fn(grad_inputs, grad_outputs)`` runs after this node's backward; may return new grad_inputs."""
        if self._hooks is None:
            self._hooks = {}
        return _add_hook(self._hooks, fn)

    def register_prehook(self, fn):
        """``fn(grad_outputs)`` runs before this node's backward; may return new grad_outputs."""
        return self._add_output_hook(None, fn)

    def _add_output_hook(self, index, fn):
        """A hook on one output's incoming gradient (``index``), or on all of them (None)."""
        if self._pre_hooks is None:
            self._pre_hooks = {}
        return _add_hook(self._pre_hooks, (index, fn))

    def _set_retain_hook(self, index, fn):
        """``fn(grad)`` stores output ``index``'s gradient after every other hook ran (``retain_grad``)."""
        if self._retain_hooks is None:
            self._retain_hooks = {}
        self._retain_hooks[index] = fn

    @property
    def metadata(self):
        md = self.__dict__.get("_metadata")
        if md is None:
            md = self._metadata = {}
        return md


class _Freed:
    __slots__ = ()


_FREED = _Freed()


class AccumulateGrad(Node):
    """The sink for a leaf tensor: adds the incoming gradient into ``leaf.grad``."""

    _name = "AccumulateGrad"

    def __init__(self, leaf):
        super().__init__(None, ())
        self._leaf_ref = weakref.ref(leaf)

    @property
    def variable(self):
        return self._leaf_ref()

    def accumulate(self, grad, create_graph, steal=False):
        leaf = self._leaf_ref()
        if leaf is None:
            return
        accumulate_into(leaf, grad, create_graph, steal)
        hooks = getattr(leaf, "_post_accumulate_hooks", None)
        if hooks:
            for hook in list(hooks.values()):
                hook(leaf)


def accumulate_into(t, grad, create_graph, steal=False):
    """Add ``grad`` into ``t.grad``: a fresh copy the first time (``grad`` itself when building a graph, or when
    ``steal`` says nothing else references it), in place afterwards unless building a graph."""
    current = t.grad
    if current is None:
        t.grad = grad if create_graph or steal else tensor_api.get().detached_copy(grad)
    elif create_graph or current.grad_fn is not None:
        t.grad = current + grad
    else:
        tensor_api.get().add_into(current, grad)


class RemovableHandle:
    """Returned by register_*hook; ``remove()`` unregisters the hook."""

    _next_id = 0

    def __init__(self, table):
        self._table = table
        RemovableHandle._next_id += 1
        self.id = RemovableHandle._next_id

    def remove(self):
        self._table.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


def _add_hook(table, fn):
    handle = RemovableHandle(table)
    table[handle.id] = fn
    return handle
