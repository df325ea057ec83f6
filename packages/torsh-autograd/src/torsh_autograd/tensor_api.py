"""The few tensor operations the engine needs, registered by torsh-tensor so this layer never imports it."""

_impl = None


def register(impl):
    """torsh-tensor calls this once with an object providing is_tensor, zeros, ones_like."""
    global _impl
    _impl = impl


def get():
    if _impl is None:
        raise ImportError("torsh_autograd needs torsh_tensor: `pip install torsh-tensor` and import it first")
    return _impl
