"""torsh_backend.cuda: honest answers without a GPU, and the real calls on one (marked cuda)."""

import pytest
from torsh_backend import cuda
from torsh_core.errors import DeviceError

requires_gpu = pytest.mark.skipif(not cuda.is_available(), reason="needs CuPy and an NVIDIA GPU")


@pytest.mark.skipif(cuda.is_available(), reason="checks the no-GPU behaviour")
def test_without_gpu():
    assert cuda.is_available() is False
    assert cuda.device_count() == 0
    for call in (cuda.current_device, cuda.synchronize, cuda.memory_allocated, cuda.Event, cuda.Stream):
        with pytest.raises(DeviceError, match="CUDA is not available"):
            call()
    cuda.empty_cache()  # a no-op without CUDA, as in PyTorch


@pytest.mark.cuda
@requires_gpu
def test_devices_memory_streams_events():
    import cupy

    assert cuda.device_count() >= 1
    cuda.set_device(0)
    assert cuda.current_device() == 0
    assert isinstance(cuda.get_device_name(), str)
    assert len(cuda.get_device_capability()) == 2
    cuda.reset_peak_memory_stats()
    before = cuda.memory_allocated()
    x = cupy.ones(1 << 20, dtype=cupy.float32)
    assert cuda.memory_allocated() >= before + x.nbytes
    assert cuda.max_memory_allocated() >= cuda.memory_allocated()
    del x
    s = cuda.Stream()
    start, end = cuda.Event(enable_timing=True), cuda.Event(enable_timing=True)
    with s:
        start.record(s)
        cupy.arange(1 << 20).sum()
        end.record(s)
    s.synchronize()
    assert end.query() and start.elapsed_time(end) >= 0
    cuda.synchronize()
    with pytest.raises(ValueError):
        cuda.set_device(cuda.device_count())
