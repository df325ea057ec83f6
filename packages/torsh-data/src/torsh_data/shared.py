"""How batches travel from worker processes: pickled, except that large CPU arrays and tensors are copied into
one ``multiprocessing.shared_memory`` segment per batch and the pickle holds only (offset, shape, dtype).

The receiver copies the arrays out and unlinks the segment at once, so nothing outlives the message. Small
arrays (under ``MIN_BYTES``) are cheaper to pickle than to map, and stay in the pickle.
"""

import io
import os
import pickle
from multiprocessing import resource_tracker
from multiprocessing.shared_memory import SharedMemory

import numpy as np
from torsh_tensor import Tensor, from_numpy

MIN_BYTES = 64 * 1024
_ALIGN = 64
_NUMERIC_KINDS = "biufc"


def prepare():
    """Start the shared-memory resource tracker in the main process, so workers share it rather than each
    starting their own (which would report the segments the main process unlinks as leaked)."""
    if os.name == "posix":
        resource_tracker.ensure_running()


class _Packer(pickle.Pickler):
    """Pickles an object, setting its large numeric CPU arrays and tensors aside in ``self.arrays``."""

    def __init__(self, file):
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self.arrays = []

    def persistent_id(self, obj):
        if type(obj) is Tensor and obj.is_cpu:
            arr, kind = obj.detach().numpy(), ("tensor", obj.requires_grad)
        elif type(obj) is np.ndarray:
            arr, kind = obj, ("array", False)
        else:
            return None
        if arr.dtype.kind not in _NUMERIC_KINDS or arr.nbytes < max(MIN_BYTES, 1):
            return None
        self.arrays.append(arr)
        return (len(self.arrays) - 1, *kind)


class _Unpacker(pickle.Unpickler):
    def __init__(self, file, arrays):
        super().__init__(file)
        self.arrays = arrays

    def persistent_load(self, pid):
        index, kind, requires_grad = pid
        arr = self.arrays[index]
        if kind == "array":
            return arr
        return from_numpy(arr).requires_grad_(requires_grad)


def pack(obj):
    """``(pickle, segment name or None, [(offset, shape, dtype), ...])`` for sending ``obj`` to another process."""
    out = io.BytesIO()
    packer = _Packer(out)
    packer.dump(obj)
    if not packer.arrays:
        return out.getvalue(), None, []
    layout, end = [], 0
    for arr in packer.arrays:
        offset = -(-end // _ALIGN) * _ALIGN
        layout.append((offset, arr.shape, arr.dtype.str))
        end = offset + arr.nbytes
    try:
        segment = SharedMemory(create=True, size=max(end, 1))
    except OSError:  # no room in /dev/shm (or no shared memory at all): send everything through the pipe
        return pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL), None, []
    try:
        for arr, (offset, shape, dtype) in zip(packer.arrays, layout):
            np.frombuffer(segment.buf, dtype, arr.size, offset).reshape(shape)[...] = arr
    except BaseException:
        segment.close()
        segment.unlink()
        raise
    segment.close()
    return out.getvalue(), segment.name, layout


def unpack(message):
    """The object ``pack`` sent; its shared-memory segment, if any, is copied out and unlinked."""
    data, name, layout = message
    arrays = []
    if name is not None:
        segment = SharedMemory(name=name)
        try:
            arrays = [
                np.frombuffer(segment.buf, dtype, int(np.prod(shape)), offset).reshape(shape).copy()
                for offset, shape, dtype in layout
            ]
        finally:
            segment.close()
            segment.unlink()
    return _Unpacker(io.BytesIO(data), arrays).load()


def discard(message):
    """Free a message that will never be unpacked (the loader is shutting down)."""
    name = message[1]
    if name is None:
        return
    try:
        segment = SharedMemory(name=name)
    except FileNotFoundError:
        return
    segment.close()
    segment.unlink()
