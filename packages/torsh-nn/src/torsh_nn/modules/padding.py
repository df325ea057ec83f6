"""Padding layers: constant/zero, reflection, replication and circular padding through F.pad."""

import torsh_functional as F

from ._utils import _ntuple, _pair, _quadruple
from .module import Module

_sextuple = _ntuple(6)


class _PadNd(Module):
    """Pads with ``mode``; ``padding`` is F.pad's (left, right, top, bottom, ...) tuple."""

    mode = "constant"
    _ntuple = None

    def __init__(self, padding):
        super().__init__()
        self.padding = type(self)._ntuple(padding)

    def forward(self, input):
        return F.pad(input, self.padding, self.mode)

    def extra_repr(self):
        return f"{self.padding}"


class ReflectionPad1d(_PadNd):
    mode, _ntuple = "reflect", staticmethod(_pair)


class ReflectionPad2d(_PadNd):
    mode, _ntuple = "reflect", staticmethod(_quadruple)


class ReflectionPad3d(_PadNd):
    mode, _ntuple = "reflect", staticmethod(_sextuple)


class ReplicationPad1d(_PadNd):
    mode, _ntuple = "replicate", staticmethod(_pair)


class ReplicationPad2d(_PadNd):
    mode, _ntuple = "replicate", staticmethod(_quadruple)


class ReplicationPad3d(_PadNd):
    mode, _ntuple = "replicate", staticmethod(_sextuple)


class CircularPad1d(_PadNd):
    mode, _ntuple = "circular", staticmethod(_pair)


class CircularPad2d(_PadNd):
    mode, _ntuple = "circular", staticmethod(_quadruple)


class CircularPad3d(_PadNd):
    mode, _ntuple = "circular", staticmethod(_sextuple)


class _ConstantPadNd(_PadNd):
    def __init__(self, padding, value):
        super().__init__(padding)
        self.value = value

    def forward(self, input):
        return F.pad(input, self.padding, "constant", self.value)

    def extra_repr(self):
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPadNd):
    _ntuple = staticmethod(_pair)


class ConstantPad2d(_ConstantPadNd):
    _ntuple = staticmethod(_quadruple)


class ConstantPad3d(_ConstantPadNd):
    _ntuple = staticmethod(_sextuple)


class _ZeroPad:
    """Mixin: constant padding with 0, printed as just the padding tuple."""

    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self):
        return f"{self.padding}"


class ZeroPad1d(_ZeroPad, ConstantPad1d):
    pass


class ZeroPad2d(_ZeroPad, ConstantPad2d):
    pass


class ZeroPad3d(_ZeroPad, ConstantPad3d):
    pass
