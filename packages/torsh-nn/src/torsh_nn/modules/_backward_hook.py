"""Full backward hooks: identity autograd nodes around a module's inputs and outputs catch their gradients."""

from torsh_autograd import Function
from torsh_autograd.grad_mode import is_grad_enabled
from torsh_core.errors import TorshRuntimeError
from torsh_tensor import Tensor


class _BackwardHookIdentity(Function):
    """Passes tensors through; its graph node is where the module-level hooks attach."""

    @staticmethod
    def forward(ctx, *tensors):
        return tensors

    @staticmethod
    def backward(ctx, *grads):
        return grads


def _split(value):
    """(tensors, positions, rebuild) for a single tensor or the top level of a tuple/list."""
    if isinstance(value, Tensor):
        return [value], [0], lambda new: new[0]
    if isinstance(value, (tuple, list)):
        positions = [i for i, v in enumerate(value) if isinstance(v, Tensor)]

        def rebuild(new):
            out = list(value)
            for i, t in zip(positions, new):
                out[i] = t
            return type(value)(out) if isinstance(value, list) else tuple(out)

        return [value[i] for i in positions], positions, rebuild
    return [], [], lambda new: value


class BackwardHook:
    """One forward call's worth of state for ``register_full_backward_hook``/``_pre_hook``."""

    def __init__(self, module, hooks, pre_hooks):
        self.module = module
        self.hooks = hooks
        self.pre_hooks = pre_hooks
        self.grad_outputs = None
        self.n_inputs = 0
        self.input_needs_grad = ()

    def _wrap(self, tensors):
        """Run tensors that require grad through one identity node; returns (new tensors, node or None)."""
        mask = [t.requires_grad for t in tensors]
        if not is_grad_enabled() or not any(mask):
            return tensors, None
        picked = _BackwardHookIdentity.apply(*[t for t, m in zip(tensors, mask) if m])
        out, it = [], iter(picked)
        for t, m in zip(tensors, mask):
            out.append(next(it) if m else t)
        return out, picked[0].grad_fn

    def setup_input_hook(self, args):
        tensors, _, rebuild = _split(args)
        self.n_inputs = len(tensors)
        self.input_needs_grad = [t.requires_grad for t in tensors]
        new, node = self._wrap(tensors)
        if node is None:
            return args
        node.register_hook(self._input_hook)
        return rebuild(new)

    def setup_output_hook(self, result):
        tensors, _, rebuild = _split(result)
        self.output_needs_grad = [t.requires_grad for t in tensors]
        new, node = self._wrap(tensors)
        if node is None:
            return result
        node.register_prehook(self._output_hook)
        return rebuild(new)

    @staticmethod
    def _spread(grads, mask):
        """Grads of the wrapped tensors, back at their positions among all tensors (None elsewhere)."""
        it = iter(grads)
        return tuple(next(it) if m else None for m in mask)

    @staticmethod
    def _gather(grads, mask):
        return tuple(g for g, m in zip(grads, mask) if m)

    def _output_hook(self, grads):
        grad_outputs = self._spread(grads, self.output_needs_grad)
        for hook in list(self.pre_hooks.values()):
            new = hook(self.module, grad_outputs)
            if new is not None:
                grad_outputs = _check_count(new, len(grad_outputs), "Backward pre hook", "grad_output")
        self.grad_outputs = grad_outputs
        if not any(self.input_needs_grad):
            for hook in list(self.hooks.values()):
                if hook(self.module, (None,) * self.n_inputs, grad_outputs) is not None:
                    raise TorshRuntimeError(
                        "Backward hook for Modules where no input requires gradient should always return None or "
                        "None for all gradients."
                    )
        return self._gather(grad_outputs, self.output_needs_grad)

    def _input_hook(self, grad_inputs, _grads_from_outputs):
        grad_input = self._spread(grad_inputs, self.input_needs_grad)
        for hook in list(self.hooks.values()):
            new = hook(self.module, grad_input, self.grad_outputs)
            if new is not None:
                grad_input = _check_count(new, len(grad_input), "Backward hook", "grad_input")
        return self._gather(grad_input, self.input_needs_grad)


def _check_count(new, expected, what, name):
    new = tuple(new) if isinstance(new, (tuple, list)) else (new,)
    if len(new) != expected:
        raise TorshRuntimeError(f"{what} returned an invalid number of {name}, got {len(new)}, but expected {expected}")
    return new
