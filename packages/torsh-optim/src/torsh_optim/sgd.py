"""SGD with momentum, dampening, Nesterov momentum, weight decay and maximize (PyTorch's update rule)."""

from torsh_backend import optim as kernels
from torsh_core.errors import TorshValueError

from . import _common as c
from . import _fused
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
            fast, slow = _fused.split(group, check_fused_params=group["fused"])
            for p in self._fused_update(group, fast):
                slow.append((p, -p.grad if group["maximize"] else p.grad))
            for p, g in slow:
                self._update(group, p, g)
        return loss

    def _fused_update(self, group, params):
        """One C call for ``params``; returns those whose momentum buffer C cannot take (left to ``_update``)."""
        momentum = group["momentum"]
        taken, bufs, fresh, rest = [], [], [], []
        for p in params:
            buf = None
            if momentum != 0:
                state = self.state[p]
                buf = state.get("momentum_buffer")
                if buf is not None and not _fused.ready(p._data, buf._data):
                    rest.append(p)
                    continue
                if buf is None:
                    buf = state["momentum_buffer"] = c.zeros_like(p)
                    fresh.append(True)
                else:
                    fresh.append(False)
                bufs.append(buf)
            taken.append(p)
        if not taken:
            return rest
        kernels.sgd_([p._data for p in taken], [p.grad._data for p in taken], [b._data for b in bufs], fresh,
                     lr=c.value(group["lr"]), momentum=momentum, dampening=group["dampening"],
                     weight_decay=group["weight_decay"], nesterov=group["nesterov"], maximize=group["maximize"])
        _fused.touched(*taken, *bufs)
        return rest

    def _update(self, group, p, g):
        """The reference update of one parameter with tensor ops (any dtype, device, or differentiable)."""
        lr, momentum, dampening = c.value(group["lr"]), group["momentum"], group["dampening"]
        if group["weight_decay"] != 0:
            g = g.add(p, alpha=group["weight_decay"])
        if momentum != 0:
            state = self.state[p]
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = state["momentum_buffer"] = g.detach().clone()
            else:
                buf.mul_(momentum).add_(g, alpha=1 - dampening)
            g = g.add(buf, alpha=momentum) if group["nesterov"] else buf
        p.add_(g, alpha=-lr)
