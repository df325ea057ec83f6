"""AttributeError in the torsh hierarchy (torsh_core has none): missing module members, as PyTorch raises."""

from torsh_core.errors import TorshError


class TorshAttributeError(TorshError, AttributeError):
    """A module attribute, submodule, parameter or buffer that does not exist."""
