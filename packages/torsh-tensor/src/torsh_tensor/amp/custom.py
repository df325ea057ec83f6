"""``custom_fwd``/``custom_bwd``: decorators that give a custom autograd Function's forward and backward the same
autocast state (optionally running forward in one dtype with autocast off), as PyTorch's."""

import functools

from torsh_core import autocast as _ac
from torsh_core.dtypes import float64
from torsh_core.errors import TorshValueError

from .._tensor import Tensor
from .autocast import autocast


def _check(device_type):
    if not isinstance(device_type, str):
        raise TorshValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")


def _cast(value, device_type, dtype):
    """Floating (not float64) tensors on ``device_type`` in (nested) args cast to ``dtype``; the rest as is."""
    if isinstance(value, Tensor):
        eligible = value.is_floating_point() and value.device.type == device_type and value.dtype is not float64
        return value.to(dtype) if eligible else value
    if isinstance(value, (list, tuple)):
        return type(value)(_cast(v, device_type, dtype) for v in value)
    if isinstance(value, dict):
        return {k: _cast(v, device_type, dtype) for k, v in value.items()}
    return value


def custom_fwd(fwd=None, *, device_type, cast_inputs=None):
    """Decorate ``forward(ctx, ...)``: remember the autocast state for backward; with ``cast_inputs``, inside an
    autocast region cast floating inputs to it and run forward with autocast off."""
    _check(device_type)
    if fwd is None:
        return functools.partial(custom_fwd, device_type=device_type, cast_inputs=cast_inputs)

    @functools.wraps(fwd)
    def decorate_fwd(*args, **kwargs):
        ctx = args[0]
        ctx._dtype = _ac.get_autocast_dtype(device_type)
        enabled = _ac.is_autocast_enabled(device_type)
        if cast_inputs is None:
            ctx._fwd_used_autocast = enabled
            return fwd(*args, **kwargs)
        ctx._fwd_used_autocast = False
        if not enabled:
            return fwd(*args, **kwargs)
        with autocast(device_type=device_type, enabled=False):
            return fwd(*_cast(args, device_type, cast_inputs), **_cast(kwargs, device_type, cast_inputs))

    return decorate_fwd


def custom_bwd(bwd=None, *, device_type):
    """Decorate ``backward(ctx, ...)``: run it with the autocast state its forward ran with."""
    _check(device_type)
    if bwd is None:
        return functools.partial(custom_bwd, device_type=device_type)

    @functools.wraps(bwd)
    def decorate_bwd(*args, **kwargs):
        ctx = args[0]
        with autocast(device_type=device_type, enabled=ctx._fwd_used_autocast, dtype=ctx._dtype):
            return bwd(*args, **kwargs)

    return decorate_bwd
