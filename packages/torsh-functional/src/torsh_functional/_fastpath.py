"""When a functional op may hand its arrays to torsh_backend's fused C kernels: CPU float32/float64 tensors of
one dtype (None entries ignored); everything else keeps the generic NumPy/CuPy path."""

import numpy as np

_FAST = (np.dtype(np.float32), np.dtype(np.float64))


def fast(*tensors):
    """True when every given tensor holds a NumPy float32/float64 array of the first one's dtype."""
    dtype = None
    for t in tensors:
        if t is None:
            continue
        a = t._data
        if type(a) is not np.ndarray or a.dtype not in _FAST or (dtype is not None and a.dtype != dtype):
            return False
        dtype = a.dtype
    return dtype is not None
