"""Autocast state (PyTorch's mixed precision): per-thread, per-device-type on/off and target dtype, plus the
weight-cast cache. Layer 0 so every op layer can read it; the casting itself lives in torsh_tensor.amp."""

import threading

from . import dtypes as _dt
from .errors import TorshRuntimeError, TorshTypeError

# device types autocast knows, with their default lower-precision dtype (as PyTorch: cuda -> half, cpu -> bf16)
DEFAULT_DTYPES = {"cpu": _dt.bfloat16, "cuda": _dt.float16}


class _State(threading.local):
    """One per thread (a new thread starts with autocast off, as in PyTorch)."""

    def __init__(self):
        self.enabled = dict.fromkeys(DEFAULT_DTYPES, False)
        self.dtype = dict(DEFAULT_DTYPES)
        self.active = False  # any device type enabled: the one read an op makes when autocast is off
        self.cache_enabled = True
        self.nesting = 0
        self.cache = {}  # id(weight) -> (weight, its cast); weights kept alive so ids stay unique


state = _State()


def _check(device_type):
    if not isinstance(device_type, str):
        raise TorshTypeError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
    if device_type not in DEFAULT_DTYPES:
        raise TorshRuntimeError(f"User specified an unsupported autocast device_type '{device_type}'")
    return device_type


def is_autocast_available(device_type):
    """True for the device types autocast supports here: 'cpu' and 'cuda'."""
    return device_type in DEFAULT_DTYPES


def is_autocast_enabled(device_type=None):
    """Whether autocast is on for ``device_type`` in this thread (no argument: 'cuda', PyTorch's legacy form)."""
    return state.enabled[_check("cuda" if device_type is None else device_type)]


def set_autocast_enabled(device_type, enabled=None):
    """Turn autocast on/off for a device type; ``set_autocast_enabled(bool)`` is the legacy CUDA form."""
    if enabled is None and isinstance(device_type, bool):
        device_type, enabled = "cuda", device_type
    state.enabled[_check(device_type)] = bool(enabled)
    state.active = any(state.enabled.values())


def get_autocast_dtype(device_type):
    """The dtype lower-precision ops run in under autocast for ``device_type``."""
    return state.dtype[_check(device_type)]


def set_autocast_dtype(device_type, dtype):
    if not isinstance(dtype, _dt.dtype):
        raise TorshTypeError(f"set_autocast_dtype(): dtype must be a torsh.dtype, not {type(dtype).__name__}")
    state.dtype[_check(device_type)] = dtype


def is_autocast_cache_enabled():
    """Whether casts of leaf weights are reused within the outermost autocast region."""
    return state.cache_enabled


def set_autocast_cache_enabled(enabled):
    state.cache_enabled = bool(enabled)


def clear_autocast_cache():
    state.cache.clear()


def autocast_increment_nesting():
    """Count autocast regions entered; returns the new depth."""
    state.nesting += 1
    return state.nesting


def autocast_decrement_nesting():
    """Count autocast regions left; the cache is dropped by the caller when this reaches 0."""
    state.nesting -= 1
    return state.nesting
