"""What torsh-autograd needs from tensors, given to it at import (so it never imports this package)."""

import numpy as np

from ._tensor import Tensor, _wrap
from .creation import full_like, ones_like, zeros, zeros_like


class TensorAPI:
    is_tensor = staticmethod(lambda x: isinstance(x, Tensor))
    zeros = staticmethod(lambda shape, dtype, device: zeros(shape, dtype=dtype, device=device))
    zeros_like = staticmethod(zeros_like)
    full_like = staticmethod(full_like)
    from_numpy = staticmethod(_wrap)

    @staticmethod
    def ones_like(t):
        """The implicit gradient of a scalar output (once per backward: kept off the factory's slow path)."""
        d = t._data
        return _wrap(np.ones(d.shape, d.dtype)) if type(d) is np.ndarray else ones_like(t)

    @staticmethod
    def detached_copy(g):
        """A leaf's first accumulated gradient: a copy, so later in-place accumulation never aliases ``g``."""
        return _wrap(g._data.copy())

    @staticmethod
    def add_into(dst, src):
        """``dst += src`` for gradient accumulation (same array type, shape and dtype: straight to the array)."""
        d, s = dst._data, src._data
        if type(d) is type(s) and d.shape == s.shape and d.dtype == s.dtype:
            d += s
            dst._version[0] += 1
        else:
            dst.add_(src.detach())

    @staticmethod
    def isnan_any(t):
        return bool(np.isnan(t._data).any()) if t._data.dtype.kind in "fc" else False
