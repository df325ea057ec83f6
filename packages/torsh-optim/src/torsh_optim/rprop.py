"""Rprop: per-element step sizes grown or shrunk by the sign agreement of successive gradients."""

from torsh_core.errors import TorshValueError
from torsh_tensor import full

from . import _common as c
from .optimizer import Optimizer, _evaluate, _use_grad_for_differentiable


class Rprop(Optimizer):
    """Step sizes x eta+ where g*g_prev > 0, x eta- (and skip the update) where < 0; p -= sign(g) * step_size."""

    def __init__(self, params, lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50), *, capturable=False, foreach=None,
                 maximize=False, differentiable=False):
        c.check_lr(lr)
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise TorshValueError(f"Invalid eta values: {etas[0]}, {etas[1]}")
        defaults = dict(lr=lr, etas=etas, step_sizes=step_sizes, foreach=foreach, maximize=maximize,
                        differentiable=differentiable, capturable=capturable)
        super().__init__(params, defaults)

    def __setstate__(self, state):
        super().__setstate__(state)
        c.tensor_steps(self)

    @_use_grad_for_differentiable
    def step(self, closure=None):
        loss = _evaluate(closure)
        for group in self.param_groups:
            etaminus, etaplus = group["etas"]
            step_size_min, step_size_max = group["step_sizes"]
            for p, g in c.grads(group):
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = c.new_step(p, group["capturable"])
                    state["prev"] = c.zeros_like(p)
                    state["step_size"] = full(tuple(g.shape), c.value(group["lr"]), dtype=g.dtype, device=g.device)
                prev, step_size = state["prev"], state["step_size"]
                state["step"].add_(1)
                sign = g.mul(prev).sign()
                grows, shrinks, ties = sign.gt(0), sign.lt(0), sign.eq(0)
                sign.masked_fill_(grows, etaplus).masked_fill_(shrinks, etaminus).masked_fill_(ties, 1)
                step_size.mul_(sign).clamp_(step_size_min, step_size_max)
                g = g.clone().masked_fill_(shrinks, 0)  # where the sign flipped, skip this update
                p.addcmul_(g.sign(), step_size, value=-1)
                prev.copy_(g)
        return loss
