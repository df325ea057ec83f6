"""array_module / module_of / cuda_available: NumPy for CPU, CuPy only when present, clear errors otherwise."""

import subprocess
import sys
import types

import numpy
import pytest
import torsh_backend
from torsh_core import device
from torsh_core.errors import DeviceError, TorshRuntimeError, TorshTypeError


@pytest.fixture
def no_cupy(monkeypatch):
    """Make ``import cupy`` fail, as on a machine without it."""
    monkeypatch.setitem(sys.modules, "cupy", None)
    torsh_backend.cuda_available.cache_clear()
    yield
    torsh_backend.cuda_available.cache_clear()


def test_cpu_is_numpy():
    assert torsh_backend.array_module("cpu") is numpy
    assert torsh_backend.array_module(device("cpu")) is numpy


def test_cuda_without_cupy_raises_device_error(no_cupy):
    with pytest.raises(DeviceError, match=r"CUDA is not available: install torsh\[cuda\] \(cupy\)"):
        torsh_backend.array_module("cuda")
    with pytest.raises(RuntimeError):
        torsh_backend.array_module("cuda:0")
    assert torsh_backend.cuda_available() is False


def test_bad_device_raises():
    with pytest.raises(TorshRuntimeError):
        torsh_backend.array_module("tpu")


def test_module_of_numpy_arrays_and_scalars():
    assert torsh_backend.module_of(numpy.zeros(3)) is numpy
    assert torsh_backend.module_of(numpy.float32(1)) is numpy
    with pytest.raises(TorshTypeError, match="list"):
        torsh_backend.module_of([1, 2])


def test_module_of_cupy_arrays_without_a_gpu(monkeypatch):
    fake = types.ModuleType("cupy")
    fake.ndarray = type("ndarray", (), {"__module__": "cupy._core.core"})
    monkeypatch.setitem(sys.modules, "cupy", fake)
    assert torsh_backend.module_of(fake.ndarray()) is fake


def test_import_is_cheap():
    code = "import sys, torsh_backend; print('cupy' in sys.modules, 'torsh_backend._kernels' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    assert out.split() == ["False", "False"]


@pytest.mark.cuda
@pytest.mark.skipif(not torsh_backend.cuda_available(), reason="needs CuPy and an NVIDIA GPU")
def test_cuda_is_cupy():
    import cupy

    assert torsh_backend.array_module("cuda") is cupy
    assert torsh_backend.module_of(cupy.zeros(3)) is cupy
