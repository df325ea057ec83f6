"""Devices parsed like PyTorch's: 'cpu', 'cuda', 'cuda:1', device('cuda', 0)."""

from .errors import TorshRuntimeError, TorshTypeError

_TYPES = ("cpu", "cuda")


class device:
    """Where a tensor's memory lives; immutable, hashable and equal by value."""

    __slots__ = ("type", "index")

    def __new__(cls, type_or_str, index=None):
        if isinstance(type_or_str, device):
            if index is not None:
                raise TorshTypeError("device(): index given twice")
            return type_or_str
        if isinstance(type_or_str, int) and not isinstance(type_or_str, bool):
            type_or_str, index = "cuda", type_or_str
        if not isinstance(type_or_str, str):
            raise TorshTypeError(f"device(): expected a string or device, got {type(type_or_str).__name__}")
        kind, _, idx = type_or_str.partition(":")
        if idx:
            if index is not None:
                raise TorshRuntimeError(f"device string {type_or_str!r} already has an index")
            if not idx.isdigit():
                raise TorshRuntimeError(f"Invalid device string: {type_or_str!r}")
            index = int(idx)
        if kind not in _TYPES:
            raise TorshRuntimeError(
                f"Expected one of {', '.join(_TYPES)} device type at start of device string: {type_or_str}"
            )
        if index is not None and (not isinstance(index, int) or index < 0):
            raise TorshRuntimeError(f"Device index must be a non-negative integer, got {index!r}")
        self = object.__new__(cls)
        object.__setattr__(self, "type", kind)
        object.__setattr__(self, "index", index)
        return self

    def __setattr__(self, name, value):
        raise AttributeError("torsh.device is immutable")

    def __eq__(self, other):
        if isinstance(other, str):
            try:
                other = device(other)
            except TorshRuntimeError:
                return False
        return isinstance(other, device) and self.type == other.type and self.index == other.index

    def __hash__(self):
        return hash((self.type, self.index))

    def __repr__(self):
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __reduce__(self):
        return device, (self.type, self.index)


CPU = device("cpu")
