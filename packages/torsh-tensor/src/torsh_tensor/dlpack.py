"""Zero-copy exchange through DLPack (NumPy, CuPy, PyTorch) and the buffer protocols."""

import numpy as np
from torsh_core.errors import TorshRuntimeError, TorshTypeError

from ._tensor import Tensor, _wrap


class DLPackExportError(TorshRuntimeError, BufferError):
    """A tensor that cannot be exported (PyTorch raises BufferError here)."""


class _Capsule:
    """Lets NumPy import a raw (legacy) DLPack capsule, which has no ``__dlpack__`` of its own."""

    def __init__(self, capsule):
        self._capsule = capsule

    def __dlpack__(self, **kwargs):
        return self._capsule

    def __dlpack_device__(self):
        return (1, 0)  # kDLCPU: a raw capsule does not say; CUDA capsules need the producer's object


def from_dlpack(ext_tensor):
    """A tensor sharing memory with any object implementing ``__dlpack__`` (or a raw CPU DLPack capsule)."""
    if isinstance(ext_tensor, Tensor):
        return ext_tensor
    if type(ext_tensor).__name__ == "PyCapsule":
        ext_tensor = _Capsule(ext_tensor)
    if not hasattr(ext_tensor, "__dlpack__"):
        raise TorshTypeError(f"from_dlpack: expected an object with __dlpack__ or a DLPack capsule, got "
                             f"{type(ext_tensor).__name__}")
    dev = getattr(ext_tensor, "__dlpack_device__", None)
    if dev is not None and dev()[0] == 2:  # kDLCUDA
        import cupy

        return _wrap(cupy.from_dlpack(ext_tensor))
    try:
        arr = np.from_dlpack(ext_tensor)
    except (TypeError, BufferError, RuntimeError) as e:
        raise TorshTypeError(f"from_dlpack: cannot import {type(ext_tensor).__name__}: {e}") from None
    return _wrap(arr)


def __dlpack__(self, *, stream=None, max_version=None, dl_device=None, copy=None):
    if self.requires_grad:
        raise DLPackExportError("Can't export tensors that require gradient, use tensor.detach()")
    kwargs = {}
    if max_version is not None:
        kwargs["max_version"] = max_version
    if stream is not None:
        kwargs["stream"] = stream
    if dl_device is not None:
        kwargs["dl_device"] = dl_device
    if copy is not None:
        kwargs["copy"] = copy
    return self._data.__dlpack__(**kwargs)


def __dlpack_device__(self):
    return self._data.__dlpack_device__()


def to_dlpack(tensor):
    return tensor.__dlpack__()


Tensor.__dlpack__ = __dlpack__
Tensor.__dlpack_device__ = __dlpack_device__
