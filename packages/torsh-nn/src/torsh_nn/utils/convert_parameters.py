"""Flatten parameters into one vector and back (used by second-order methods and model averaging)."""

from torsh_autograd import no_grad
from torsh_core.errors import TorshTypeError
from torsh_tensor import Tensor, cat


def _check_same_device(param, device):
    if device is not None and param.device != device:
        raise TorshTypeError("Found two parameters on different devices, this is currently not supported.")
    return param.device


def parameters_to_vector(parameters):
    """All parameters, flattened and concatenated in order (differentiable)."""
    device = None
    flat = []
    for param in parameters:
        device = _check_same_device(param, device)
        flat.append(param.view(-1))
    return cat(flat)


def vector_to_parameters(vec, parameters):
    """Point each parameter's data at its slice of ``vec`` (the inverse of parameters_to_vector; shares memory)."""
    if not isinstance(vec, Tensor):
        raise TorshTypeError(f"expected torch.Tensor, but got: {type(vec).__name__}")
    device = None
    offset = 0
    for param in parameters:
        device = _check_same_device(param, device)
        n = param.numel()
        with no_grad():
            param.data = vec[offset:offset + n].view_as(param)
        offset += n
