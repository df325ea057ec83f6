"""``torsh.autograd.Function``: user-defined ops with their own forward and backward, as in PyTorch."""

import functools

from torsh_core.errors import TorshRuntimeError, TorshTypeError

from . import tensor_api
from .engine import gradient_edge
from .grad_mode import is_grad_enabled, no_grad
from .node import Node


class FunctionCtx(Node):
    """The ``ctx`` given to forward and backward; it is also the graph node of the call."""

    def __init__(self):
        super().__init__(None, ())
        self.needs_input_grad = ()
        self.materialize_grads = True
        self._non_differentiable = set()
        self._dirty = set()

    def save_for_backward(self, *tensors):
        """Keep tensors (or None) for backward; anything else is a TypeError, as in PyTorch."""
        api = tensor_api.get()
        for i, t in enumerate(tensors):
            if t is not None and not api.is_tensor(t):
                raise TorshTypeError(
                    f"save_for_backward can only save variables, but argument {i} is of type {type(t).__name__}"
                )
        super().save_for_backward(*tensors)

    def mark_non_differentiable(self, *tensors):
        self._non_differentiable.update(id(t) for t in tensors)

    def mark_dirty(self, *tensors):
        self._dirty.update(id(t) for t in tensors)

    def set_materialize_grads(self, value):
        self.materialize_grads = bool(value)


class _FunctionMeta(type):
    def __init__(cls, name, bases, attrs):
        super().__init__(name, bases, attrs)
        cls._backward_name = name + "Backward"


class Function(metaclass=_FunctionMeta):
    """Subclass with static ``forward(ctx, *args)`` and ``backward(ctx, *grads)``, then call ``.apply``."""

    def __init__(self, *args, **kwargs):
        raise TorshRuntimeError(
            "Legacy autograd function with non-static forward method is deprecated. Please use new-style autograd "
            "function with static forward method."
        )

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("You must implement the forward function for custom autograd.Function.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("You must implement the backward function for custom autograd.Function.")

    @staticmethod
    def setup_context(ctx, inputs, output):
        raise NotImplementedError

    @classmethod
    def apply(cls, *args, **kwargs):
        api = tensor_api.get()
        ctx = FunctionCtx()
        ctx._name = cls._backward_name
        tensor_args = [a for a in args if api.is_tensor(a)]
        ctx.needs_input_grad = tuple(api.is_tensor(a) and a.requires_grad for a in args)
        record = is_grad_enabled() and any(ctx.needs_input_grad)
        uses_setup = cls.setup_context is not Function.setup_context
        with no_grad():
            if uses_setup:
                outputs = cls.forward(*args, **kwargs)
                cls.setup_context(ctx, args, outputs)
            else:
                outputs = cls.forward(ctx, *args, **kwargs)
        if not record:
            return outputs
        single = not isinstance(outputs, tuple)
        outs = (outputs,) if single else outputs
        input_ids = {id(a) for a in tensor_args}
        wrapped = []
        meta = []
        for o in outs:
            if api.is_tensor(o):
                if id(o) in ctx._dirty and o.grad_fn is None and o.requires_grad:
                    raise TorshRuntimeError(
                        "a leaf Variable that requires grad is being used in an in-place operation."
                    )
                if id(o) in input_ids and id(o) not in ctx._dirty:
                    o = o.view_as(o)
                meta.append((tuple(o.shape), o.dtype, o.device))
            else:
                meta.append(None)
            wrapped.append(o)
        ctx.next_functions = tuple(gradient_edge(a) if api.is_tensor(a) else None for a in args)
        ctx._out_meta = meta if ctx.materialize_grads else [None] * len(meta)
        ctx._n_args = len(args)
        ctx._arg_shapes = tuple(tuple(a.shape) if api.is_tensor(a) else None for a in args)
        ctx.backward_fn = _make_backward(cls)
        for i, o in enumerate(wrapped):
            if api.is_tensor(o) and id(o) not in ctx._non_differentiable and (o.dtype.is_floating_point
                                                                            or o.dtype.is_complex):
                o._set_grad_fn(ctx, i)
        return wrapped[0] if single else tuple(wrapped)


def _make_backward(cls):
    def backward_fn(ctx, *grads):
        result = cls.backward(ctx, *grads)
        if not isinstance(result, tuple):
            result = (result,)
        n = ctx._n_args
        if len(result) < n:
            raise TorshRuntimeError(
                f"function {ctx.name()} returned an incorrect number of gradients (expected {n}, got {len(result)})"
            )
        result = result[:n] if all(r is None for r in result[n:]) else result
        if len(result) != n:
            raise TorshRuntimeError(
                f"function {ctx.name()} returned an incorrect number of gradients (expected {n}, got {len(result)})"
            )
        fixed = []
        for i, (g, shape) in enumerate(zip(result, ctx._arg_shapes)):
            if g is not None and shape is not None and tuple(g.shape) != shape:
                if not _expandable(tuple(g.shape), shape):
                    raise TorshRuntimeError(
                        f"Function {ctx.name()} returned an invalid gradient at index {i} - got {list(g.shape)} but "
                        f"expected shape compatible with {list(shape)}"
                    )
                g = g.sum_to_size(shape)
            fixed.append(g)
        result = tuple(fixed)
        return result

    return backward_fn


def _expandable(src, dst):
    """True when ``dst`` broadcasts to ``src`` (a grad that must be summed back)."""
    if len(dst) > len(src):
        return False
    for s, d in zip(reversed(src), reversed(dst)):
        if d != s and d != 1:
            return False
    return True


class once_differentiable:
    """Decorator for a backward that cannot itself be differentiated: it runs under no_grad, and differentiating
    its result again (create_graph=True) raises at that second backward, as in PyTorch."""

    def __new__(cls, fn):
        @functools.wraps(fn)
        def wrapper(ctx, *grads):
            with no_grad():
                result = fn(ctx, *grads)
            api = tensor_api.get()
            edges = tuple(gradient_edge(g) for g in grads if api.is_tensor(g) and g.requires_grad)
            if not is_grad_enabled() or not edges:
                return result
            node = Node(_delayed_error, edges, "Error")
            single = not isinstance(result, tuple)
            outs = [r.detach() if api.is_tensor(r) else r for r in ((result,) if single else result)]
            for r in outs:
                if api.is_tensor(r) and (r.dtype.is_floating_point or r.dtype.is_complex):
                    r._set_grad_fn(node, 0)
            return outs[0] if single else tuple(outs)

        return wrapper


def _delayed_error(node, *grads):
    raise TorshRuntimeError("trying to differentiate twice a function that was marked with @once_differentiable")
