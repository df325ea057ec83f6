"""Saving an op's output for its backward without a reference cycle, with in-place checks."""

from torsh_autograd.grad_mode import is_grad_enabled
from torsh_core.errors import TorshRuntimeError

from .._tensor import _wrap


def save_output(node, out):
    """Keep ``out``'s array (not the tensor, which owns the node) and its version at save time."""
    node.out_data = out._data
    node.out_version = (out._version, out._version[0])


def saved_output(node, x):
    """A callable returning the saved output; recomputed from ``x`` when building a graph (double backward)."""

    def get():
        counter, version = node.out_version
        if counter[0] != version:
            raise TorshRuntimeError(
                f"one of the variables needed for gradient computation has been modified by an inplace operation: "
                f"the output of {node.name()} is at version {counter[0]}; expected version {version} instead."
            )
        if is_grad_enabled() and x.requires_grad:
            if getattr(node, "input_version", x._version[0]) != x._version[0]:
                raise TorshRuntimeError(
                    f"one of the variables needed for gradient computation has been modified by an inplace "
                    f"operation: the input of {node.name()} is needed to differentiate its backward (create_graph)"
                )
            return node.recompute(x)
        return _wrap(node.out_data)

    return get
