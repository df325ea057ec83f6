"""SGD with momentum, dampening, Nesterov momentum, weight decay and maximize (PyTorch's update rule)."""

from torsh_core.errors import TorshValueError

from . import _common as c
from .optimizer import Optimizer, _evaluate, _use_grad_for_differentiable


class SGD(Optimizer):
    """buf = momentum*buf + (1-dampening)*g (buf = g at the first step); p -= lr * (g + momentum*buf if nesterov)."""

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False, *, maximize=False,
                 foreach=None, differentiable=False, fused=None):
        c.check_lr(lr)
        if momentum < 0.0:
            raise TorshValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise TorshValueError(f"Invalid weight_decay value: {weight_decay}")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise TorshValueError("Nesterov momentum requires a momentum and zero dampening")
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay, nesterov=nesterov,
                        maximize=maximize, foreach=foreach, differentiable=differentiable, fused=fused)
        super().__init__(params, defaults)
        c.check_fused(fused, foreach, differentiable)

    @_use_grad_for_differentiable
    def step(self, closure=None):
        loss = _evaluate(closure)
        for group in self.param_groups:
            lr, momentum, dampening = c.value(group["lr"]), group["momentum"], group["dampening"]
            weight_decay, fused = group["weight_decay"], group["fused"]
            for p, g in c.grads(group, check_fused_params=fused):
                if weight_decay != 0:
                    g = g.add(p, alpha=weight_decay)
                if momentum != 0:
                    state = self.state[p]
                    buf = state.get("momentum_buffer")
                    if buf is None:
                        buf = state["momentum_buffer"] = g.detach().clone()
                    elif fused:
                        c.axpby_(buf, momentum, g, 1 - dampening)
                    else:
                        buf.mul_(momentum).add_(g, alpha=1 - dampening)
                    g = g.add(buf, alpha=momentum) if group["nesterov"] else buf
                if fused:
                    c.axpby_(p, 1.0, g, -lr)
                else:
                    p.add_(g, alpha=-lr)
        return loss
