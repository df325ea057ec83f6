"""CUDA device management through CuPy, with ``torch.cuda``'s names: devices, memory stats, streams, events.

Everything here imports CuPy on first use; without CuPy or a GPU, ``is_available()`` is False,
``device_count()`` is 0 and every other call raises ``DeviceError`` saying why.
"""

from torsh_core import device as _device
from torsh_core.errors import TorshValueError

from .dispatch import _import_cupy, cuda_available

_peak = {}


def is_available():
    """True when CuPy imports and sees at least one NVIDIA GPU."""
    return cuda_available()


def device_count():
    return _import_cupy().cuda.runtime.getDeviceCount() if cuda_available() else 0


def _cupy():
    cupy = _import_cupy()
    if not _peak:
        _track_peaks(cupy)
    return cupy


def _index(device):
    """The GPU ordinal for None (current), an int, 'cuda:N' or a torsh device."""
    if device is None:
        return _cupy().cuda.runtime.getDevice()
    if isinstance(device, int):
        index = device
    else:
        dev = _device(device)
        if dev.type != "cuda":
            raise TorshValueError(f"Expected a cuda device, but got: {dev}")
        index = dev.index if dev.index is not None else _cupy().cuda.runtime.getDevice()
    count = device_count()
    if not 0 <= index < count:
        raise TorshValueError(f"Invalid device id {index}: {count} CUDA device(s) available")
    return index


def current_device():
    return _cupy().cuda.runtime.getDevice()


def set_device(device):
    _cupy().cuda.Device(_index(device)).use()


def get_device_name(device=None):
    name = _cupy().cuda.runtime.getDeviceProperties(_index(device))["name"]
    return name.decode() if isinstance(name, bytes) else name


def get_device_capability(device=None):
    props = _cupy().cuda.runtime.getDeviceProperties(_index(device))
    return props["major"], props["minor"]


def synchronize(device=None):
    """Wait for every kernel queued on the device."""
    cupy = _cupy()
    with cupy.cuda.Device(_index(device)):
        cupy.cuda.runtime.deviceSynchronize()


# memory -----------------------------------------------------------------------------------------------------
def _track_peaks(cupy):
    """Route allocations through CuPy's pool while remembering the peak of used bytes per device."""
    pool = cupy.get_default_memory_pool()
    _peak["pool"] = pool

    def malloc(size):
        mem = pool.malloc(size)
        dev = cupy.cuda.runtime.getDevice()
        _peak[dev] = max(_peak.get(dev, 0), pool.used_bytes())
        return mem

    cupy.cuda.set_allocator(malloc)


def memory_allocated(device=None):
    """Bytes held by live tensors (CuPy's pool in use)."""
    _index(device)
    return _peak["pool"].used_bytes()


def max_memory_allocated(device=None):
    index = _index(device)
    return max(_peak.get(index, 0), memory_allocated(index))


def reset_peak_memory_stats(device=None):
    index = _index(device)
    _peak[index] = memory_allocated(index)


def memory_reserved(device=None):
    """Bytes CuPy's pool has taken from the driver (in use or cached)."""
    _index(device)
    return _peak["pool"].total_bytes()


def empty_cache():
    """Give cached, unused blocks back to the driver."""
    if cuda_available():
        _cupy().get_default_memory_pool().free_all_blocks()


# streams and events ------------------------------------------------------------------------------------------
class Stream:
    """A CUDA stream; ``with stream:`` makes it current, like ``torch.cuda.Stream``."""

    def __init__(self, device=None, priority=0):
        cupy = _cupy()
        with cupy.cuda.Device(_index(device)):
            self._stream = cupy.cuda.Stream(non_blocking=True, priority=priority)

    def synchronize(self):
        self._stream.synchronize()

    def query(self):
        return self._stream.done

    def wait_event(self, event):
        self._stream.wait_event(event._event)

    def wait_stream(self, stream):
        self.wait_event(stream.record_event())

    def record_event(self, event=None):
        event = event or Event()
        event.record(self)
        return event

    def __enter__(self):
        self._stream.__enter__()
        return self

    def __exit__(self, *exc):
        return self._stream.__exit__(*exc)


class _Wrapped(Stream):
    def __init__(self, raw):
        self._stream = raw


def current_stream(device=None):
    cupy = _cupy()
    with cupy.cuda.Device(_index(device)):
        return _Wrapped(cupy.cuda.get_current_stream())


def default_stream(device=None):
    cupy = _cupy()
    with cupy.cuda.Device(_index(device)):
        return _Wrapped(cupy.cuda.Stream.null)


def stream(s):
    """``with torsh.cuda.stream(s):`` — run queued work on ``s`` (None: leave the current stream)."""
    import contextlib

    return contextlib.nullcontext() if s is None else s


class Event:
    """A CUDA event for ordering streams and timing (``elapsed_time`` in milliseconds)."""

    def __init__(self, enable_timing=False, blocking=False, interprocess=False):
        self._event = _cupy().cuda.Event(block=blocking, disable_timing=not enable_timing,
                                          interprocess=interprocess)

    def record(self, stream=None):
        self._event.record(stream._stream if stream is not None else None)

    def synchronize(self):
        self._event.synchronize()

    def query(self):
        return self._event.done

    def wait(self, stream=None):
        (stream or current_stream()).wait_event(self)

    def elapsed_time(self, end_event):
        return _cupy().cuda.get_elapsed_time(self._event, end_event._event)
