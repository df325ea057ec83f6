"""Process-wide settings: the default floating dtype."""

from . import dtypes as _dt
from .errors import TorshTypeError

_default_dtype = _dt.float32


def get_default_dtype():
    """The dtype Python floats and float factories produce (float32 unless changed)."""
    return _default_dtype


def set_default_dtype(d):
    """Change the default floating dtype; like PyTorch, only float16/bfloat16/32/64 are allowed."""
    global _default_dtype
    if not isinstance(d, _dt.dtype) or not d.is_floating_point:
        raise TorshTypeError(f"only floating-point types are supported as the default type, got {d}")
    _default_dtype = d
