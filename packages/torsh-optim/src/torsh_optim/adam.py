"""Adam (optionally AMSGrad, decoupled weight decay) and AdamW, with PyTorch's update rule."""

from torsh_backend import optim as kernels
from torsh_core.errors import TorshValueError
from torsh_tensor import Tensor, maximum

from . import _common as c
from . import _fused
from .optimizer import Optimizer, _evaluate, _use_grad_for_differentiable


class Adam(Optimizer):
    """m = lerp(m, g, 1-b1); v = b2*v + (1-b2)*g^2; p -= lr/(1-b1^t) * m / (sqrt(v)/sqrt(1-b2^t) + eps)."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False, *,
                 foreach=None, maximize=False, capturable=False, differentiable=False, fused=None,
                 decoupled_weight_decay=False):
        c.check_lr(lr)
        if isinstance(lr, Tensor) and foreach and not capturable:
            raise TorshValueError("lr as a Tensor is not supported for capturable=False and foreach=True")
        c.check_at_least_zero("epsilon", eps)
        c.check_betas(betas)
        c.check_at_least_zero("weight_decay", weight_decay)
        if not (all(isinstance(b, float) for b in betas) or all(isinstance(b, Tensor) for b in betas)):
            raise TorshValueError("betas must be either both floats or both Tensors")
        for i, b in enumerate(betas):
            if isinstance(b, Tensor) and b.numel() != 1:
                raise TorshValueError(f"Tensor betas[{i}] must be 1-element")
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                        maximize=maximize, foreach=foreach, capturable=capturable, differentiable=differentiable,
                        fused=fused, decoupled_weight_decay=decoupled_weight_decay)
        super().__init__(params, defaults)
        c.check_fused(fused, foreach, differentiable)

    def __setstate__(self, state):
        super().__setstate__(state)
        c.tensor_steps(self)

    @_use_grad_for_differentiable
    def step(self, closure=None):
        loss = _evaluate(closure)
        for group in self.param_groups:
            fast, slow = _fused.split(group, check_fused_params=bool(group["fused"]))
            for p in self._fused_update(group, fast):
                slow.append((p, -p.grad if group["maximize"] else p.grad))
            for p, g in slow:
                self._update(group, p, g, self._state_of(group, p))
        return loss

    def _state_of(self, group, p):
        """The parameter's state, created at its first step, with the step counter advanced."""
        state = self.state[p]
        if len(state) == 0:
            state["step"] = c.new_step(p, group["capturable"] or bool(group["fused"]), bool(group["fused"]))
            state["exp_avg"] = c.zeros_like(p)
            state["exp_avg_sq"] = c.zeros_like(p)
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = c.zeros_like(p)
        state["step"].add_(1)
        return state

    def _fused_update(self, group, params):
        """One C call for ``params``; returns those whose state C cannot take (left to ``_update``)."""
        amsgrad = group["amsgrad"]
        keys = ("exp_avg", "exp_avg_sq", "max_exp_avg_sq") if amsgrad else ("exp_avg", "exp_avg_sq")
        taken, moments, steps, rest = [], [[] for _ in keys], [], []
        for p in params:
            state = self._state_of(group, p)
            if not _fused.ready(p._data, *(state[k]._data for k in keys)):
                state["step"].sub_(1)  # _update advances it again
                rest.append(p)
                continue
            taken.append(p)
            steps.append(state["step"].item())
            for column, k in zip(moments, keys):
                column.append(state[k])
        if not taken:
            return rest
        beta1, beta2 = (c.value(b) for b in group["betas"])
        arrays = [[t._data for t in column] for column in moments]
        kernels.adam_([p._data for p in taken], [p.grad._data for p in taken], arrays[0], arrays[1],
                      arrays[2] if amsgrad else [], steps, lr=c.value(group["lr"]), beta1=beta1, beta2=beta2,
                      eps=group["eps"], weight_decay=group["weight_decay"],
                      decoupled=group["decoupled_weight_decay"], amsgrad=amsgrad, maximize=group["maximize"])
        _fused.touched(*taken, *(t for column in moments for t in column))
        return rest

    def _update(self, group, p, g, state):
        """The reference update of one parameter with tensor ops (any dtype, device, or differentiable)."""
        beta1, beta2 = (c.value(b) for b in group["betas"])
        lr, eps, weight_decay = c.value(group["lr"]), group["eps"], group["weight_decay"]
        exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
        step = state["step"].item()
        if weight_decay != 0:
            if group["decoupled_weight_decay"]:
                p.mul_(1 - lr * weight_decay)
            else:
                g = g.add(p, alpha=weight_decay)
        exp_avg.lerp_(g, 1 - beta1)
        exp_avg_sq.mul_(beta2).addcmul_(g, g, value=1 - beta2)
        step_size = lr / (1 - beta1**step)
        bias_correction2_sqrt = (1 - beta2**step) ** 0.5
        if group["amsgrad"]:
            state["max_exp_avg_sq"].copy_(maximum(state["max_exp_avg_sq"], exp_avg_sq))
            denom = (state["max_exp_avg_sq"].sqrt() / bias_correction2_sqrt).add_(eps)
        else:
            denom = (exp_avg_sq.sqrt() / bias_correction2_sqrt).add_(eps)
        p.addcdiv_(exp_avg, denom, value=-step_size)


class AdamW(Adam):
    """Adam with decoupled weight decay: p *= 1 - lr*weight_decay before the Adam step (default decay 1e-2)."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False, *,
                 maximize=False, foreach=None, capturable=False, differentiable=False, fused=None):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach, maximize=maximize,
                         capturable=capturable, differentiable=differentiable, fused=fused,
                         decoupled_weight_decay=True)

    def __setstate__(self, state):
        super().__setstate__(state)
        for group in self.param_groups:
            group["decoupled_weight_decay"] = True
