"""``torsh.autocast``: a region (context manager or decorator) where listed ops run in lower precision."""

import copy
import functools
import warnings

from torsh_core import autocast as _ac
from torsh_core import dtypes as _dt
from torsh_core.errors import TorshRuntimeError, TorshValueError

_SUPPORTED = (_dt.bfloat16, _dt.float16)


def _cuda_available():
    from torsh_backend.cuda import is_available

    return is_available()


class autocast:
    """Run ops inside the region in ``dtype`` where PyTorch's autocast would (matmul, linear, conv: lower
    precision; losses and, on CUDA, softmax/norms: float32). Thread-local; nests; ``enabled=False`` opts out."""

    def __init__(self, device_type, dtype=None, enabled=True, cache_enabled=None):
        if not isinstance(device_type, str):
            raise TorshValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
        if not _ac.is_autocast_available(device_type):
            raise TorshRuntimeError(f"User specified an unsupported autocast device_type '{device_type}'")
        self.device = device_type
        self.fast_dtype = _ac.get_autocast_dtype(device_type) if dtype is None else dtype
        self._cache_enabled = _ac.is_autocast_cache_enabled() if cache_enabled is None else cache_enabled
        if enabled:
            if device_type == "cuda":
                if not _cuda_available():
                    warnings.warn("CUDA is not available or torch_xla is imported. Disabling autocast.", stacklevel=2)
                    enabled = False
            elif self.fast_dtype not in _SUPPORTED:
                name = device_type.upper()
                warnings.warn(f"In {name} autocast, but the target dtype is not supported. Disabling autocast.\n"
                              f"{name} Autocast only supports dtypes of torsh.bfloat16, torsh.float16 currently.",
                              stacklevel=2)
                enabled = False
        self._enabled = bool(enabled)

    def __enter__(self):
        self.prev_cache_enabled = _ac.is_autocast_cache_enabled()
        self.prev = _ac.is_autocast_enabled(self.device)
        self.prev_fastdtype = _ac.get_autocast_dtype(self.device)
        _ac.set_autocast_enabled(self.device, self._enabled)
        _ac.set_autocast_dtype(self.device, self.fast_dtype)
        _ac.autocast_increment_nesting()
        _ac.set_autocast_cache_enabled(self._cache_enabled)
        return self

    def __exit__(self, exc_type, exc_val, exc_tb):
        if _ac.autocast_decrement_nesting() == 0:
            _ac.clear_autocast_cache()
        _ac.set_autocast_enabled(self.device, self.prev)
        _ac.set_autocast_dtype(self.device, self.prev_fastdtype)
        _ac.set_autocast_cache_enabled(self.prev_cache_enabled)
        return False

    def __call__(self, func):
        """As a decorator: each call runs in its own copy of this region (so recursion restores correctly)."""

        @functools.wraps(func)
        def decorate_autocast(*args, **kwargs):
            with copy.copy(self):
                return func(*args, **kwargs)

        return decorate_autocast
