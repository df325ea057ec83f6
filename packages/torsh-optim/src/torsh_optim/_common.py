"""Helpers the update rules share: hyperparameter checks, step counters, gradients, the fused-kernel path."""

from torsh_core import config, float32, float64
from torsh_core.errors import TorshNotImplementedError, TorshRuntimeError, TorshValueError
from torsh_tensor import Tensor, tensor, zeros


def value(x):
    """A hyperparameter as a Python number (a 1-element tensor lr/beta is read with ``item()``, as torch does)."""
    return x.item() if isinstance(x, Tensor) else x


def check_lr(lr):
    if isinstance(lr, Tensor) and lr.numel() != 1:
        raise TorshValueError("Tensor lr must be 1-element")
    if not 0.0 <= value(lr):
        raise TorshValueError(f"Invalid learning rate: {lr}")


def check_at_least_zero(name, x):
    if not 0.0 <= value(x):
        raise TorshValueError(f"Invalid {name} value: {x}")


def check_betas(betas):
    for i, beta in enumerate(betas):
        if not 0.0 <= value(beta) < 1.0:
            raise TorshValueError(f"Invalid beta parameter at index {i}: {beta}")


def check_fused(fused, foreach, differentiable):
    if fused:
        if differentiable:
            raise TorshRuntimeError("`fused` does not support `differentiable`")
        if foreach:
            raise TorshRuntimeError("`fused` and `foreach` cannot be `True` together.")


def scalar_dtype(fused=False):
    """PyTorch's dtype for step counters: float32, or float64 when that is the default dtype (never for fused)."""
    if fused:
        return float32
    return float64 if config.get_default_dtype() is float64 else float32


def new_step(param, on_param_device=False, fused=False, start=0.0):
    """A 0-d step counter: on the CPU, or beside the parameter for capturable/fused groups."""
    device = param.device if on_param_device else None
    return tensor(start, dtype=scalar_dtype(fused), device=device)


def grads(group, check_fused_params=False):
    """(param, grad) for the group's params that have a gradient; the gradient is negated for maximize=True."""
    out = []
    for p in group["params"]:
        g = p.grad
        if g is None:
            continue
        if g.is_sparse:
            raise TorshNotImplementedError("torsh optimizers do not support sparse gradients yet")
        if check_fused_params and not p.is_floating_point():
            raise TorshRuntimeError("`fused=True` requires all the params to be floating point Tensors, but got "
                                    f"{p.dtype}")
        out.append((p, -g if group.get("maximize", False) else g))
    return out


def tensor_steps(optimizer, fused_key="fused", capturable_key="capturable"):
    """Turn plain-number 'step' entries (old state_dicts) into 0-d tensors, as PyTorch's __setstate__ does."""
    for group in optimizer.param_groups:
        fused, capturable = group.get(fused_key) or False, group.get(capturable_key) or False
        for p in group["params"]:
            state = optimizer.state.get(p)
            if state and "step" in state and not isinstance(state["step"], Tensor):
                state["step"] = new_step(p, fused or capturable, fused, float(state["step"]))


def axpby_(x, alpha, y, beta):
    """``x <- alpha * x + beta * y`` in place: one pass with torsh-backend's fused C kernel for CPU float arrays."""
    if (x.is_cpu and y.is_cpu and x.dtype is y.dtype and x.dtype in (float32, float64)
            and tuple(x.shape) == tuple(y.shape)):
        from torsh_backend import cpu_kernels

        out = x.detach().numpy()
        cpu_kernels.axpby(alpha, out, beta, y.detach().numpy(), out=out)
        x._version[0] += 1  # the version counter torsh-autograd checks for saved tensors (ARCHITECTURE.md)
        return x
    return x.mul_(alpha).add_(y, alpha=beta)


def zeros_like(p):
    return zeros(tuple(p.shape), dtype=p.dtype, device=p.device)
