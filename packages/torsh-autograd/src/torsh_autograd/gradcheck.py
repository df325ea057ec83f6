"""Finite-difference checks of analytical gradients (``gradcheck``/``gradgradcheck``), meant for float64."""

import warnings

import numpy as np
from torsh_core.errors import TorshNotImplementedError, TorshRuntimeError

from . import tensor_api
from .engine import grad
from .grad_mode import enable_grad, no_grad


class GradcheckError(TorshRuntimeError):
    """Analytical and numerical gradients disagree."""


def _as_tuple(x):
    return x if isinstance(x, tuple) else (x,)


def _unsupported(**flags):
    """Forward-mode and batched checks need machinery torsh does not have; say so instead of skipping them."""
    for name, value in flags.items():
        if value:
            raise TorshNotImplementedError(f"gradcheck({name}=True) is not supported by torsh yet")


def _outputs_as_arrays(func, inputs):
    with no_grad():
        outs = _as_tuple(func(*inputs))
    api = tensor_api.get()
    return [np.array(o.detach().numpy(), dtype=np.float64, copy=True) for o in outs if api.is_tensor(o)]


def _numerical_jacobians(func, inputs, diff_idx, eps):
    """Central differences: jac[out][inp] has shape (out.numel(), inp.numel())."""
    base = _outputs_as_arrays(func, inputs)
    jacs = [[np.zeros((o.size, inputs[i].numel())) for i in diff_idx] for o in base]
    for col, i in enumerate(diff_idx):
        arr = inputs[i].detach().numpy()
        flat = arr.reshape(-1) if arr.flags.c_contiguous else None
        for j in range(arr.size):
            idx = np.unravel_index(j, arr.shape)
            orig = arr[idx].item() if flat is None else flat[j].item()
            arr[idx] = orig + eps
            plus = _outputs_as_arrays(func, inputs)
            arr[idx] = orig - eps
            minus = _outputs_as_arrays(func, inputs)
            arr[idx] = orig
            for k in range(len(base)):
                jacs[k][col][:, j] = ((plus[k] - minus[k]) / (2 * eps)).reshape(-1)
    return jacs


def _analytical_jacobians(func, inputs, diff_idx, check_grad_dtypes=False):
    api = tensor_api.get()
    outs = [o for o in _as_tuple(func(*inputs)) if api.is_tensor(o)]
    diff_inputs = [inputs[i] for i in diff_idx]
    jacs = [[np.zeros((o.numel(), inputs[i].numel())) for i in diff_idx] for o in outs]
    for k, out in enumerate(outs):
        if not out.requires_grad:
            continue
        for row in range(out.numel()):
            onehot = np.zeros(tuple(out.shape), dtype=out.detach().numpy().dtype)
            onehot.reshape(-1)[row] = 1
            grads = grad(out, diff_inputs, api.from_numpy(onehot), retain_graph=True, allow_unused=True)
            for col, g in enumerate(grads):
                if g is not None and check_grad_dtypes and g.dtype is not diff_inputs[col].dtype:
                    raise GradcheckError(f"Gradient has dtype mismatch: got {g.dtype} for an input of "
                                         f"{diff_inputs[col].dtype}")
                if g is not None:
                    jacs[k][col][row, :] = g.detach().numpy().reshape(-1)
    return jacs


def gradcheck(func, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True, nondet_tol=0.0,
              check_undefined_grad=True, check_grad_dtypes=False, check_batched_grad=False,
              check_batched_forward_grad=False, check_forward_ad=False, check_backward_ad=True, fast_mode=False,
              masked=None):
    """True if ``func``'s backward matches central finite differences at ``inputs``; raises otherwise."""
    _unsupported(check_batched_grad=check_batched_grad, check_batched_forward_grad=check_batched_forward_grad,
                 check_forward_ad=check_forward_ad)
    api = tensor_api.get()
    inputs = _as_tuple(inputs)
    diff_idx = [i for i, x in enumerate(inputs) if api.is_tensor(x) and x.requires_grad]
    if not diff_idx:
        raise ValueError("gradcheck expects at least one input tensor to require gradient, but none of them do.")
    for i in diff_idx:
        if inputs[i].dtype.is_complex:
            raise TorshNotImplementedError("gradcheck of complex inputs is not supported by torsh yet")
        if inputs[i].dtype.name != "float64":
            warnings.warn(f"Input #{i} requires gradient and is not a double precision floating point. "
                          "This check will likely fail if all the inputs are not of double precision floating point.",
                          stacklevel=2)
    numerical = _numerical_jacobians(func, inputs, diff_idx, eps)
    analytical = _analytical_jacobians(func, inputs, diff_idx, check_grad_dtypes)
    for k, (num_row, ana_row) in enumerate(zip(numerical, analytical)):
        for col, (n, a) in enumerate(zip(num_row, ana_row)):
            if not np.allclose(a, n, rtol=rtol, atol=atol):
                msg = (f"Jacobian mismatch for output {k} with respect to input {diff_idx[col]},\n"
                       f"numerical:{n}\nanalytical:{a}\n")
                if raise_exception:
                    raise GradcheckError(msg)
                return False
    return True


def gradgradcheck(func, inputs, grad_outputs=None, *, eps=1e-6, atol=1e-5, rtol=1e-3, gen_non_contig_grad_outputs=False,
                  raise_exception=True, nondet_tol=0.0, check_undefined_grad=True, check_grad_dtypes=False,
                  check_batched_grad=False, check_fwd_over_rev=False, check_rev_over_rev=True, fast_mode=False,
                  masked=False):
    """Checks second derivatives by gradchecking the gradient of ``func`` (built with create_graph=True)."""
    _unsupported(check_batched_grad=check_batched_grad, check_fwd_over_rev=check_fwd_over_rev)
    api = tensor_api.get()
    inputs = _as_tuple(inputs)
    diff_idx = [i for i, x in enumerate(inputs) if api.is_tensor(x) and x.requires_grad]
    if grad_outputs is None:
        rng = np.random.default_rng(0)
        outs = [o for o in _as_tuple(func(*inputs)) if api.is_tensor(o) and o.requires_grad]
        grad_outputs = tuple(
            api.from_numpy(rng.standard_normal(tuple(o.shape)).astype(o.detach().numpy().dtype)).requires_grad_()
            for o in outs
        )
    grad_outputs = _as_tuple(grad_outputs)
    n_in = len(inputs)

    def first_grad(*args):
        ins, gos = args[:n_in], args[n_in:]
        with enable_grad():  # the finite differences run this under no_grad; the first grad still needs a graph
            outs = [o for o in _as_tuple(func(*ins)) if api.is_tensor(o) and o.requires_grad]
            gs = grad(outs, [ins[i] for i in diff_idx], gos, create_graph=True, allow_unused=True)
        return tuple(g for g in gs if g is not None)

    return gradcheck(first_grad, inputs + grad_outputs, eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception)
