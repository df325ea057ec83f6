"""``Tensor.softmax`` / ``Tensor.log_softmax``: PyTorch has them as methods, but torsh-tensor sits below this
package, so they are attached to the Tensor class when torsh-functional is imported (the umbrella imports it)."""

from torsh_tensor import Tensor

from .softmax import log_softmax, softmax


def _softmax(self, dim, dtype=None):
    """softmax along ``dim`` (``Tensor.softmax``)."""
    return softmax(self, dim, dtype=dtype)


def _log_softmax(self, dim, dtype=None):
    """log_softmax along ``dim`` (``Tensor.log_softmax``)."""
    return log_softmax(self, dim, dtype=dtype)


def attach():
    """Give Tensor the methods, unless it has its own."""
    for name, fn in (("softmax", _softmax), ("log_softmax", _log_softmax)):
        if not hasattr(Tensor, name):
            fn.__name__ = fn.__qualname__ = name
            setattr(Tensor, name, fn)
