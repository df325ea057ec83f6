"""Devices parsed like PyTorch's: 'cpu', 'cuda', 'cuda:1', device('cuda', 0)."""

import re

from .errors import TorshRuntimeError, TorshTypeError

_TYPES = ("cpu", "cuda")
_INDEX = re.compile(r"0|[1-9][0-9]*")


class device:
    """Where a tensor's memory lives; immutable, hashable and equal by value."""

    __slots__ = ("type", "index")

    def __new__(cls, type_or_str, index=None):
        if isinstance(type_or_str, device):
            if index is not None:
                raise TorshTypeError("device(): index given twice")
            return type_or_str
        if isinstance(type_or_str, int) and not isinstance(type_or_str, bool) and index is None:
            type_or_str, index = "cuda", type_or_str
        if not isinstance(type_or_str, str):
            raise TorshTypeError(f"device(): expected a string, device or int, got {type(type_or_str).__name__}")
        if index is not None and (not isinstance(index, int) or isinstance(index, bool)):
            raise TorshTypeError(f"device(): index must be an int, got {type(index).__name__}")
        if not type_or_str:
            raise TorshRuntimeError("Device string must not be empty")
        kind, colon, idx = type_or_str.partition(":")
        if colon:
            if not _INDEX.fullmatch(idx):
                raise TorshRuntimeError(f"Invalid device string: {type_or_str!r}")
            if index is not None:
                raise TorshRuntimeError(
                    f"type (string) must not include an index because index was passed explicitly: {type_or_str}"
                )
            index = int(idx)
        if kind not in _TYPES:
            if not kind.isalpha():
                raise TorshRuntimeError(f"Invalid device string: {type_or_str!r}")
            raise TorshRuntimeError(
                f"Expected one of {', '.join(_TYPES)} device type at start of device string: {type_or_str}"
            )
        if index is not None and index < 0:
            raise TorshRuntimeError("Device index must not be negative")
        self = object.__new__(cls)
        object.__setattr__(self, "type", kind)
        object.__setattr__(self, "index", index)
        return self

    def __setattr__(self, name, value):
        raise AttributeError("torsh.device is immutable")

    def __eq__(self, other):
        """Equal to devices of the same type and index; like PyTorch, never equal to a string."""
        if not isinstance(other, device):
            return NotImplemented
        return self.type == other.type and self.index == other.index

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
