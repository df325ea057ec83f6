"""The one dispatch point: which array module (NumPy or CuPy) serves a device or an array."""

import functools
import importlib

import numpy
from torsh_core import device as _device
from torsh_core.errors import DeviceError, TorshTypeError

_NO_CUDA = "CUDA is not available: install torsh[cuda] (cupy) on a machine with an NVIDIA GPU"


def _import_cupy():
    """CuPy, imported only when CUDA is asked for; DeviceError saying why when it cannot work."""
    try:
        cupy = importlib.import_module("cupy")
    except ImportError as e:
        raise DeviceError(f"{_NO_CUDA} (import cupy failed: {e})") from e
    try:
        count = cupy.cuda.runtime.getDeviceCount()
    except Exception as e:  # CuPy raises its own CUDARuntimeError when no driver is present.
        raise DeviceError(f"{_NO_CUDA} ({type(e).__name__}: {e})") from e
    if count < 1:
        raise DeviceError(f"{_NO_CUDA} (no CUDA device found)")
    return cupy


@functools.cache
def cuda_available():
    """True when CuPy imports and sees at least one GPU; the answer is cached like PyTorch's."""
    try:
        _import_cupy()
    except DeviceError:
        return False
    return True


def array_module(device):
    """``numpy`` for a CPU device, ``cupy`` for a CUDA one; accepts a torsh device or a string."""
    kind = _device(device).type
    if kind == "cpu":
        return numpy
    return _import_cupy()


def module_of(array):
    """``numpy`` or ``cupy``, whichever owns ``array``; TypeError for anything that is not an array."""
    if isinstance(array, (numpy.ndarray, numpy.generic)):
        return numpy
    if type(array).__module__.split(".")[0] == "cupy":
        return importlib.import_module("cupy")
    kind = type(array)
    raise TorshTypeError(f"expected a numpy.ndarray or cupy.ndarray, got {kind.__module__}.{kind.__name__}")
