"""Adadelta (PyTorch's update rule)."""

from torsh_core.errors import TorshValueError

from . import _common as c
from .optimizer import Optimizer, _evaluate, _use_grad_for_differentiable


class Adadelta(Optimizer):
    """v = rho*v + (1-rho)*g^2; d = sqrt(u + eps)/sqrt(v + eps) * g; u = rho*u + (1-rho)*d^2; p -= lr*d."""

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, foreach=None, *, capturable=False,
                 maximize=False, differentiable=False):
        c.check_lr(lr)
        if not 0.0 <= rho <= 1.0:
            raise TorshValueError(f"Invalid rho value: {rho}")
        c.check_at_least_zero("epsilon", eps)
        c.check_at_least_zero("weight_decay", weight_decay)
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize, capturable=capturable,
                        foreach=foreach, differentiable=differentiable)
        super().__init__(params, defaults)

    def __setstate__(self, state):
        super().__setstate__(state)
        c.tensor_steps(self)

    @_use_grad_for_differentiable
    def step(self, closure=None):
        loss = _evaluate(closure)
        for group in self.param_groups:
            lr, rho, eps, weight_decay = c.value(group["lr"]), group["rho"], group["eps"], group["weight_decay"]
            for p, g in c.grads(group):
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = c.new_step(p, group["capturable"])
                    state["square_avg"] = c.zeros_like(p)
                    state["acc_delta"] = c.zeros_like(p)
                square_avg, acc_delta = state["square_avg"], state["acc_delta"]
                state["step"].add_(1)
                if weight_decay != 0:
                    g = g.add(p, alpha=weight_decay)
                square_avg.mul_(rho).addcmul_(g, g, value=1 - rho)
                std = square_avg.add(eps).sqrt_()
                delta = acc_delta.add(eps).sqrt_().div_(std).mul_(g)
                acc_delta.mul_(rho).addcmul_(delta, delta, value=1 - rho)
                p.add_(delta, alpha=-lr)
        return loss
