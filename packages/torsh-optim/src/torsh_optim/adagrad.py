"""Adagrad with learning-rate decay and an initial accumulator value (PyTorch's update rule)."""

from torsh_tensor import full

from . import _common as c
from .optimizer import Optimizer, _evaluate, _use_grad_for_differentiable


class Adagrad(Optimizer):
    """s += g^2; p -= lr / (1 + (t-1)*lr_decay) * g / (sqrt(s) + eps)."""

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10,
                 foreach=None, *, maximize=False, differentiable=False, fused=None):
        c.check_lr(lr)
        c.check_at_least_zero("lr_decay", lr_decay)
        c.check_at_least_zero("weight_decay", weight_decay)
        c.check_at_least_zero("initial_accumulator_value", initial_accumulator_value)
        c.check_at_least_zero("epsilon", eps)
        defaults = dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, foreach=foreach, maximize=maximize,
                        differentiable=differentiable, fused=fused)
        super().__init__(params, defaults)
        c.check_fused(fused, foreach, differentiable)
        for group in self.param_groups:  # unlike the others, Adagrad's state exists before the first step
            for p in group["params"]:
                self._init_state(p, bool(group["fused"]), initial_accumulator_value)

    def _init_state(self, p, fused, initial_accumulator_value):
        state = self.state[p]
        state["step"] = c.new_step(p, fused, fused)
        state["sum"] = full(tuple(p.shape), initial_accumulator_value, dtype=p.dtype, device=p.device)

    def __setstate__(self, state):
        super().__setstate__(state)
        c.tensor_steps(self)

    def share_memory(self):
        """Kept for PyTorch compatibility; torsh state tensors are ordinary process memory."""
        for group in self.param_groups:
            for p in group["params"]:
                self.state[p]["sum"].share_memory_()

    @_use_grad_for_differentiable
    def step(self, closure=None):
        loss = _evaluate(closure)
        for group in self.param_groups:
            lr, lr_decay, eps = c.value(group["lr"]), group["lr_decay"], group["eps"]
            weight_decay, fused = group["weight_decay"], bool(group["fused"])
            for p, g in c.grads(group, check_fused_params=fused):
                state = self.state[p]
                if len(state) == 0:
                    self._init_state(p, fused, self.defaults["initial_accumulator_value"])
                step = state["step"].add_(1).item()
                if weight_decay != 0:
                    g = g.add(p, alpha=weight_decay)
                clr = lr / (1 + (step - 1) * lr_decay)
                state_sum = state["sum"]
                if fused:
                    c.axpby_(state_sum, 1.0, g * g, 1.0)
                    c.axpby_(p, 1.0, g / state_sum.sqrt().add_(eps), -clr)
                else:
                    state_sum.addcmul_(g, g, value=1)
                    p.addcdiv_(g, state_sum.sqrt().add_(eps), value=-clr)
        return loss
