"""ASGD: averaged stochastic gradient descent (PyTorch's update rule)."""

from torsh_tensor import tensor

from . import _common as c
from .optimizer import Optimizer, _evaluate, _use_grad_for_differentiable


class ASGD(Optimizer):
    """p = p*(1 - lambd*eta) - eta*g; ax averages p once t > t0; eta = lr/(1 + lambd*lr*t)^alpha."""

    def __init__(self, params, lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0, foreach=None,
                 maximize=False, differentiable=False, capturable=False):
        c.check_lr(lr)
        c.check_at_least_zero("weight_decay", weight_decay)
        defaults = dict(lr=lr, lambd=lambd, alpha=alpha, t0=t0, weight_decay=weight_decay, foreach=foreach,
                        maximize=maximize, differentiable=differentiable, capturable=capturable)
        super().__init__(params, defaults)

    def __setstate__(self, state):
        super().__setstate__(state)
        c.tensor_steps(self)

    @_use_grad_for_differentiable
    def step(self, closure=None):
        loss = _evaluate(closure)
        for group in self.param_groups:
            lr, lambd, alpha = c.value(group["lr"]), group["lambd"], group["alpha"]
            t0, weight_decay = group["t0"], group["weight_decay"]
            for p, g in c.grads(group):
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = c.new_step(p, True)
                    state["eta"] = tensor(lr, dtype=c.scalar_dtype(), device=p.device)
                    state["mu"] = c.new_step(p, True, start=1.0)
                    state["ax"] = c.zeros_like(p)
                mu, ax, eta = state["mu"], state["ax"], state["eta"]
                step = state["step"].add_(1).item()
                if weight_decay != 0:
                    g = g.add(p, alpha=weight_decay)
                eta_value = eta.item()
                p.mul_(1 - lambd * eta_value)
                p.add_(g, alpha=-eta_value)
                if mu.item() != 1:
                    ax.add_(p.sub(ax).mul_(mu))
                else:
                    ax.copy_(p)
                eta.fill_(lr / ((1 + lambd * lr * step) ** alpha))
                mu.fill_(1 / max(1, step - t0))
        return loss
