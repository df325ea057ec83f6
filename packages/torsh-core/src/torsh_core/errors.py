"""The torsh error hierarchy: every error also derives from the Python built-in PyTorch raises."""


class TorshError(Exception):
    """Base class of every error torsh raises on purpose."""


class TorshRuntimeError(TorshError, RuntimeError):
    """Bad state or incompatible operands (PyTorch raises RuntimeError here)."""


class TorshValueError(TorshError, ValueError):
    """An argument with a bad value."""


class TorshTypeError(TorshError, TypeError):
    """An argument of the wrong type."""


class TorshIndexError(TorshError, IndexError):
    """An index or dimension out of range."""


class TorshKeyError(TorshError, KeyError):
    """A missing key (state_dict entries, registries)."""


class TorshNotImplementedError(TorshError, NotImplementedError):
    """A feature torsh does not support yet; the message says which."""


class ShapeError(TorshRuntimeError):
    """Shapes that cannot be combined (broadcasting, matmul, view)."""


class DeviceError(TorshRuntimeError):
    """Operands on different devices, or a device that is not available."""


class DTypeError(TorshRuntimeError):
    """Operands whose dtypes an op does not accept."""


class SerializationError(TorshRuntimeError):
    """A checkpoint file that is truncated, altered or not a torsh file."""
