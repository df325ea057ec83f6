"""Adamax: Adam with the infinity norm in place of the second moment (PyTorch's update rule)."""

from torsh_tensor import maximum

from . import _common as c
from .optimizer import Optimizer, _evaluate, _use_grad_for_differentiable


class Adamax(Optimizer):
    """m = lerp(m, g, 1-b1); u = max(b2*u, |g| + eps); p -= lr/(1-b1^t) * m / u."""

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, foreach=None, *,
                 maximize=False, differentiable=False, capturable=False):
        c.check_lr(lr)
        c.check_at_least_zero("epsilon", eps)
        c.check_betas(betas)
        c.check_at_least_zero("weight_decay", weight_decay)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, foreach=foreach, maximize=maximize,
                        differentiable=differentiable, capturable=capturable)
        super().__init__(params, defaults)

    def __setstate__(self, state):
        super().__setstate__(state)
        c.tensor_steps(self)

    @_use_grad_for_differentiable
    def step(self, closure=None):
        loss = _evaluate(closure)
        for group in self.param_groups:
            beta1, beta2 = group["betas"]
            lr, eps, weight_decay = c.value(group["lr"]), group["eps"], group["weight_decay"]
            for p, g in c.grads(group):
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = c.new_step(p, group["capturable"])
                    state["exp_avg"] = c.zeros_like(p)
                    state["exp_inf"] = c.zeros_like(p)
                exp_avg, exp_inf = state["exp_avg"], state["exp_inf"]
                state["step"].add_(1)
                if weight_decay != 0:
                    g = g.add(p, alpha=weight_decay)
                exp_avg.lerp_(g, 1 - beta1)
                exp_inf.copy_(maximum(exp_inf.mul_(beta2), g.abs().add_(eps)))
                clr = lr / (1 - beta1 ** state["step"].item())
                p.addcdiv_(exp_avg, exp_inf, value=-clr)
        return loss
