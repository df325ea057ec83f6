"""Zero-copy exchange through DLPack (NumPy, CuPy, PyTorch) and the buffer protocols."""

import numpy as np
from torsh_core.errors import TorshTypeError

from ._tensor import Tensor, _wrap


def from_dlpack(ext_tensor):
    """A tensor sharing memory with any object implementing ``__dlpack__`` (or a raw DLPack capsule)."""
    if isinstance(ext_tensor, Tensor):
        return ext_tensor
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
        from torsh_core.errors import TorshRuntimeError

        raise TorshRuntimeError("Can't export tensors that require gradient, use tensor.detach()")
    kwargs = {}
    if max_version is not None:
        kwargs["max_version"] = max_version
    if stream is not None:
        kwargs["stream"] = stream
    return self._data.__dlpack__(**kwargs)


def __dlpack_device__(self):
    return self._data.__dlpack_device__()


def to_dlpack(tensor):
    return tensor.__dlpack__()


Tensor.__dlpack__ = __dlpack__
Tensor.__dlpack_device__ = __dlpack_device__
