"""RMSprop, optionally centered and with momentum (PyTorch's update rule)."""

from . import _common as c
from .optimizer import Optimizer, _evaluate, _use_grad_for_differentiable


class RMSprop(Optimizer):
    """v = a*v + (1-a)*g^2; avg = sqrt(v - mean_g^2 if centered) + eps; p -= lr*g/avg (or via a momentum buffer)."""

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False,
                 capturable=False, foreach=None, maximize=False, differentiable=False):
        c.check_lr(lr)
        c.check_at_least_zero("epsilon", eps)
        c.check_at_least_zero("momentum", momentum)
        c.check_at_least_zero("weight_decay", weight_decay)
        c.check_at_least_zero("alpha", alpha)
        defaults = dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered, weight_decay=weight_decay,
                        capturable=capturable, foreach=foreach, maximize=maximize, differentiable=differentiable)
        super().__init__(params, defaults)

    def __setstate__(self, state):
        super().__setstate__(state)
        c.tensor_steps(self)

    @_use_grad_for_differentiable
    def step(self, closure=None):
        loss = _evaluate(closure)
        for group in self.param_groups:
            lr, alpha, eps = c.value(group["lr"]), group["alpha"], group["eps"]
            weight_decay, momentum, centered = group["weight_decay"], group["momentum"], group["centered"]
            for p, g in c.grads(group):
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = c.new_step(p, group["capturable"])
                    state["square_avg"] = c.zeros_like(p)
                    if momentum > 0:
                        state["momentum_buffer"] = c.zeros_like(p)
                    if centered:
                        state["grad_avg"] = c.zeros_like(p)
                square_avg = state["square_avg"]
                state["step"].add_(1)
                if weight_decay != 0:
                    g = g.add(p, alpha=weight_decay)
                square_avg.mul_(alpha).addcmul_(g, g, value=1 - alpha)
                if centered:
                    grad_avg = state["grad_avg"]
                    grad_avg.lerp_(g, 1 - alpha)
                    avg = square_avg.addcmul(grad_avg, grad_avg, value=-1).sqrt_()
                else:
                    avg = square_avg.sqrt()
                avg = avg.add_(eps)
                if momentum > 0:
                    buf = state["momentum_buffer"]
                    buf.mul_(momentum).addcdiv_(g, avg)
                    p.add_(buf, alpha=-lr)
                else:
                    p.addcdiv_(g, avg, value=-lr)
        return loss
