"""Which parameters the fused C updates take: CPU float32/float64 tensors whose arrays C can walk directly.

torsh-backend's ``optim`` kernels round exactly like the reference path's tensor ops, so every optimizer sends
what they take through one C call per group and the rest (other dtypes and devices, strided arrays,
``differentiable=True``) through the reference ops.
"""

import numpy as np
from torsh_core.errors import TorshNotImplementedError, TorshRuntimeError

_FAST = (np.dtype(np.float32), np.dtype(np.float64))


def ready(*arrays):
    """True when C may update these arrays in place: NumPy, one fast dtype, C-contiguous, aligned, writable."""
    dtype = arrays[0].dtype
    for a in arrays:
        if type(a) is not np.ndarray or a.dtype != dtype or dtype not in _FAST:
            return False
        flags = a.flags
        if not (flags.c_contiguous and flags.aligned and flags.writeable):
            return False
    return True


def split(group, check_fused_params=False):
    """The group's params with a gradient, as (params for C, (param, grad) pairs for the reference path).

    Reference-path gradients are negated for maximize=True; the C kernels negate theirs themselves.
    """
    maximize = group.get("maximize", False)
    allowed = not group.get("differentiable", False)
    fast, slow = [], []
    for p in group["params"]:
        g = p.grad
        if g is None:
            continue
        if g.is_sparse:
            raise TorshNotImplementedError("torsh optimizers do not support sparse gradients yet")
        if check_fused_params and not p.is_floating_point():
            raise TorshRuntimeError("`fused=True` requires all the params to be floating point Tensors, but got "
                                    f"{p.dtype}")
        if allowed and ready(p._data, g._data):
            fast.append(p)
        else:
            slow.append((p, -g if maximize else g))
    return fast, slow


def touched(*tensors):
    """Bump the version counters of tensors C wrote in place (torsh-autograd checks them for saved tensors)."""
    for t in tensors:
        t._version[0] += 1
