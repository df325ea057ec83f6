"""How functional ops record themselves: wrap a result array, attach a backward, save outputs, check arguments."""

import numpy as np
from torsh_autograd.grad_mode import is_grad_enabled
from torsh_backend import module_of
from torsh_core.errors import TorshNotImplementedError, TorshRuntimeError, TorshTypeError, TorshValueError
from torsh_tensor._tensor import Tensor, _wrap, needs_grad, record


def wrap(arr):
    """A Tensor around an array (NumPy scalars from 0-d reductions become 0-d arrays)."""
    if isinstance(arr, np.generic):
        arr = np.asarray(arr)
    return _wrap(arr)


def result(arr, inputs, backward, name, save=(), **attrs):
    """``arr`` as a Tensor whose backward is ``backward(node, g)`` when some of ``inputs`` needs a gradient.

    ``save`` tensors are version-checked at backward time; ``attrs`` become plain attributes of the node.
    """
    out = wrap(arr)
    if needs_grad(*inputs):
        node = record(out, backward, inputs, name)
        if save:
            node.save_for_backward(*save)
        node.__dict__.update(attrs)
    return out


def xp_of(t):
    """numpy or cupy, whichever holds ``t``'s data."""
    return module_of(t._data)


def class_index(xp, t):
    """The index tuple picking [n, t[n, d...], d...] from an (N, C, d1, ...) array for every (n, d...) of ``t``."""
    grids = [xp.arange(n).reshape((-1,) + (1,) * (t.ndim - 1 - i)) for i, n in enumerate(t.shape)]
    return (grids[0], t) + tuple(grids[1:])


def save_output(node, out):
    """Keep ``out``'s array (not the tensor, which owns the node: no cycle) and its version at save time."""
    node.out_data = out._data
    node.out_version = (out._version, out._version[0])


def saved_output(node, recompute):
    """The saved output as a Tensor; ``recompute()`` rebuilds it with a graph when backward itself records one."""
    counter, version = node.out_version
    if counter[0] != version:
        raise TorshRuntimeError(
            f"one of the variables needed for gradient computation has been modified by an inplace operation: "
            f"the output of {node.name()} is at version {counter[0]}; expected version {version} instead."
        )
    if is_grad_enabled():
        return recompute()
    return _wrap(node.out_data)


def ntuple(value, n, name):
    """An int or a sequence of ``n`` ints as a tuple of ``n`` ints (PyTorch's _pair/_triple)."""
    if isinstance(value, (list, tuple)):
        if len(value) == 1:
            value = tuple(value) * n
        if len(value) != n:
            raise TorshRuntimeError(f"expected {name} to be a single integer value or a list of {n} values to match "
                                    f"the convolution dimensions, but got {name}={list(value)}")
        return tuple(int(v) for v in value)
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TorshTypeError(f"{name} must be an int or a tuple of ints, got {type(value).__name__}")
    return (int(value),) * n


def check_tensor(t, name, fn):
    """TypeError like PyTorch's when an argument that must be a Tensor is not one."""
    if not isinstance(t, Tensor):
        raise TorshTypeError(f"{fn}(): argument '{name}' (position 1) must be Tensor, not {type(t).__name__}")


def check_float(t, fn):
    """Ops defined only for floating-point tensors raise like PyTorch's kernels for other dtypes."""
    check_tensor(t, "input", fn)
    if not t.is_floating_point():
        raise TorshNotImplementedError(f'"{fn}_cpu" not implemented for \'{dtype_name(t)}\'')


_PT_NAMES = {"float32": "Float", "float64": "Double", "float16": "Half", "bfloat16": "BFloat16", "int64": "Long",
             "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool",
             "complex64": "ComplexFloat", "complex128": "ComplexDouble"}


def check_param_dtypes(input, *params):
    """Parameters (weight, bias, running stats) must have the input's dtype: PyTorch does not promote them."""
    for p in params:
        if p is not None and p.dtype != input.dtype:
            raise TorshRuntimeError(f"mixed dtype (CPU): expect parameter to have scalar type of {dtype_name(input)}")


def dtype_name(t):
    """PyTorch's scalar-type name of a tensor's dtype (Float, Double, Long, ...), as its kernels print it."""
    return _PT_NAMES.get(t.dtype.name, t.dtype.name)


def maybe_inplace(fn, input, inplace):
    """``fn(input)``; with ``inplace`` its result is stored into ``input`` (history kept), computed from a copy when
    recording so that the values saved for backward are not the ones overwritten."""
    if not inplace:
        return fn(input)
    return input.copy_(fn(input.clone() if needs_grad(input) else input))


def check_probability(p, name="dropout"):
    if not 0.0 <= p <= 1.0:
        raise TorshValueError(f"{name} probability has to be between 0 and 1, but got {p}")
