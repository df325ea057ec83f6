"""The one error PyTorch's data utilities raise that torsh_core has no class for: AssertionError."""

from torsh_core.errors import TorshError


class DataAssertionError(TorshError, AssertionError):
    """A broken dataset invariant (size mismatch, empty ConcatDataset), raised as AssertionError like PyTorch."""
