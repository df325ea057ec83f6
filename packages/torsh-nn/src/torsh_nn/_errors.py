"""Error types PyTorch's nn raises that torsh_core has no class for (AttributeError, AssertionError)."""

from torsh_core.errors import TorshError


class TorshAttributeError(TorshError, AttributeError):
    """A module attribute, submodule, parameter or buffer that does not exist."""


class TorshAssertionError(TorshError, AssertionError):
    """A constructor argument PyTorch validates with ``assert`` (e.g. embed_dim divisible by num_heads)."""
