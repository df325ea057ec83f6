"""NAdam: Adam with Nesterov momentum and momentum decay (PyTorch's update rule, optional decoupled decay)."""

from . import _common as c
from .optimizer import Optimizer, _evaluate, _use_grad_for_differentiable


class NAdam(Optimizer):
    """mu_t = b1*(1 - 0.5*0.96^(t*psi)); p -= lr*(1-mu_t)/(1-prod mu) * g/d + lr*mu_{t+1}/(1-prod mu*mu_{t+1}) * m/d."""

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, momentum_decay=4e-3,
                 decoupled_weight_decay=False, *, foreach=None, maximize=False, capturable=False,
                 differentiable=False):
        c.check_lr(lr)
        c.check_at_least_zero("epsilon", eps)
        c.check_betas(betas)
        c.check_at_least_zero("weight_decay", weight_decay)
        c.check_at_least_zero("momentum_decay", momentum_decay)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, momentum_decay=momentum_decay,
                        decoupled_weight_decay=decoupled_weight_decay, maximize=maximize, foreach=foreach,
                        capturable=capturable, differentiable=differentiable)
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
            momentum_decay = group["momentum_decay"]
            for p, g in c.grads(group):
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = c.new_step(p, group["capturable"])
                    state["mu_product"] = c.new_step(p, group["capturable"], start=1.0)
                    state["exp_avg"] = c.zeros_like(p)
                    state["exp_avg_sq"] = c.zeros_like(p)
                exp_avg, exp_avg_sq, mu_product = state["exp_avg"], state["exp_avg_sq"], state["mu_product"]
                step = state["step"].add_(1).item()
                bias_correction2 = 1 - beta2**step
                if weight_decay != 0:
                    if group["decoupled_weight_decay"]:
                        p.mul_(1 - lr * weight_decay)
                    else:
                        g = g.add(p, alpha=weight_decay)
                mu = beta1 * (1.0 - 0.5 * (0.96 ** (step * momentum_decay)))
                mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * momentum_decay)))
                mu_product.mul_(mu)
                exp_avg.lerp_(g, 1 - beta1)
                exp_avg_sq.mul_(beta2).addcmul_(g, g, value=1 - beta2)
                denom = exp_avg_sq.div(bias_correction2).sqrt().add_(eps)
                product = mu_product.item()
                p.addcdiv_(g, denom, value=-lr * (1.0 - mu) / (1.0 - product))
                p.addcdiv_(exp_avg, denom, value=(-lr * mu_next) / (1.0 - product * mu_next))
        return loss
