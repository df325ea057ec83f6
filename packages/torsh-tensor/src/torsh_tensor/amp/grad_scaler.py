"""``torsh.amp.GradScaler``: loss scaling so small low-precision gradients don't flush to zero, with steps skipped
(and the scale backed off) when a scaled gradient overflows. Any optimizer with ``param_groups`` and ``step()``."""

import warnings
from collections import abc, defaultdict
from enum import Enum

import numpy as np
from torsh_autograd import no_grad
from torsh_core import dtypes as _dt
from torsh_core.errors import (
    TorshError,
    TorshNotImplementedError,
    TorshRuntimeError,
    TorshValueError,
)

from .._tensor import Tensor
from ..creation import full


class AmpAssertionError(TorshError, AssertionError):
    """Misuse PyTorch's GradScaler reports with AssertionError (e.g. step() before any scale())."""


class OptState(Enum):
    READY = 0
    UNSCALED = 1
    STEPPED = 2


def _refresh_per_optimizer_state():
    return {"stage": OptState.READY, "found_inf_per_device": {}}


def _cuda_unavailable():
    from torsh_backend.cuda import is_available

    return not is_available()


class GradScaler:
    """Multiply the loss by ``scale`` before backward, divide the gradients by it before the step; grow the scale
    every ``growth_interval`` clean steps and back it off whenever an inf/NaN gradient makes a step be skipped."""

    def __init__(self, device="cuda", init_scale=2.0**16, growth_factor=2.0, backoff_factor=0.5,
                 growth_interval=2000, enabled=True):
        self._device = device
        self._enabled = enabled
        if device == "cuda" and enabled and _cuda_unavailable():
            warnings.warn("torsh.cuda.amp.GradScaler is enabled, but CUDA is not available.  Disabling.",
                          stacklevel=2)
            self._enabled = False
        if self._enabled:
            if growth_factor <= 1.0:
                raise AmpAssertionError("The growth factor must be > 1.0.")
            if backoff_factor >= 1.0:
                raise AmpAssertionError("The backoff factor must be < 1.0.")
        self._init_scale = init_scale
        self._scale = None  # 0-d float32 tensor, created by the first scale() on the outputs' device
        self._growth_factor = growth_factor
        self._backoff_factor = backoff_factor
        self._growth_interval = growth_interval
        self._init_growth_tracker = 0
        self._growth_tracker = None  # 0-d int32 tensor: clean steps since the scale last changed
        self._per_optimizer_states = defaultdict(_refresh_per_optimizer_state)

    def _check_scale_growth_tracker(self, funcname):
        if self._scale is None:
            raise AmpAssertionError(f"Attempted {funcname} but _scale is None.  This may indicate your script did "
                                    "not use scaler.scale(loss or outputs) earlier in the iteration.")
        return self._scale, self._growth_tracker

    def _lazy_init_scale_growth_tracker(self, dev):
        self._scale = full((), self._init_scale, dtype=_dt.float32, device=dev)
        self._growth_tracker = full((), self._init_growth_tracker, dtype=_dt.int32, device=dev)

    def scale(self, outputs):
        """``outputs`` (a tensor, or nested lists/tuples/iterables of them) times the current scale."""
        if not self._enabled:
            return outputs

        def apply_scale(val):
            if isinstance(val, Tensor):
                if self._scale is None:
                    self._lazy_init_scale_growth_tracker(val.device)
                return val * self._scale.to(device=val.device)
            if isinstance(val, abc.Iterable):
                scaled = map(apply_scale, val)
                return type(val)(scaled) if isinstance(val, (list, tuple)) else scaled
            raise TorshValueError("outputs must be a Tensor or an iterable of Tensors")

        return apply_scale(outputs)

    def _unscale_grads_(self, optimizer, inv_scale, allow_fp16):
        """Multiply every gradient by ``inv_scale`` in place; per device, 1.0 if any gradient was inf/NaN."""
        found = {}
        with no_grad():
            for group in optimizer.param_groups:
                for param in group["params"]:
                    if not isinstance(param, Tensor):
                        raise AmpAssertionError(f"expected param to be torsh.Tensor, got {type(param).__name__}")
                    grad = param.grad
                    if grad is None:
                        continue
                    if not allow_fp16 and grad.dtype is _dt.float16:
                        raise TorshValueError("Attempting to unscale FP16 gradients.")
                    if not isinstance(grad, Tensor) or grad.is_sparse:
                        raise TorshNotImplementedError("GradScaler: sparse gradients are not supported")
                    found[grad.device] = found.get(grad.device, False) | _check_and_unscale(grad, inv_scale)
        return {dev: full((), float(bad), dtype=_dt.float32, device=dev) for dev, bad in found.items()}

    def unscale_(self, optimizer):
        """Divide ``optimizer``'s gradients by the scale now (e.g. before clipping); at most once per step."""
        if not self._enabled:
            return
        self._check_scale_growth_tracker("unscale_")
        state = self._per_optimizer_states[id(optimizer)]
        if state["stage"] is OptState.UNSCALED:
            raise TorshRuntimeError("unscale_() has already been called on this optimizer since the last update().")
        if state["stage"] is OptState.STEPPED:
            raise TorshRuntimeError("unscale_() is being called after step().")
        inv_scale = np.float32(1.0 / np.float64(self._scale.item()))  # reciprocal in float64, as PyTorch
        state["found_inf_per_device"] = self._unscale_grads_(optimizer, inv_scale, False)
        state["stage"] = OptState.UNSCALED

    def step(self, optimizer, *args, **kwargs):
        """``optimizer.step(*args, **kwargs)`` on unscaled gradients, or nothing (returns None) if any was inf/NaN."""
        if not self._enabled:
            return optimizer.step(*args, **kwargs)
        if "closure" in kwargs:
            raise TorshRuntimeError("Closure use is not currently supported if GradScaler is enabled.")
        self._check_scale_growth_tracker("step")
        state = self._per_optimizer_states[id(optimizer)]
        if state["stage"] is OptState.STEPPED:
            raise TorshRuntimeError("step() has already been called since the last update().")
        if state["stage"] is OptState.READY:
            self.unscale_(optimizer)
        if len(state["found_inf_per_device"]) == 0:
            raise AmpAssertionError("No inf checks were recorded for this optimizer.")
        retval = None
        if not sum(v.item() for v in state["found_inf_per_device"].values()):
            retval = optimizer.step(*args, **kwargs)
        state["stage"] = OptState.STEPPED
        return retval

    def update(self, new_scale=None):
        """Set the scale for the next iteration: ``new_scale`` if given, else backed off or grown from the infs seen."""
        if not self._enabled:
            return
        scale, tracker = self._check_scale_growth_tracker("update")
        if new_scale is not None:
            if isinstance(new_scale, (int, float)) and not isinstance(new_scale, bool):
                scale.fill_(float(new_scale))
            else:
                reason = "new_scale should be a float or a 1-element torsh.FloatTensor with requires_grad=False."
                if (not isinstance(new_scale, Tensor) or new_scale.device.type != scale.device.type
                        or new_scale.numel() != 1 or new_scale.requires_grad):
                    raise AmpAssertionError(reason)
                scale.fill_(float(new_scale.item()))
        else:
            found_infs = [f.item() for s in self._per_optimizer_states.values()
                          for f in s["found_inf_per_device"].values()]
            if len(found_infs) == 0:
                raise AmpAssertionError("No inf checks were recorded prior to update.")
            self._update_scale(scale, tracker, sum(found_infs) > 0)
        self._per_optimizer_states = defaultdict(_refresh_per_optimizer_state)

    def _update_scale(self, scale, tracker, found_inf):
        """PyTorch's _amp_update_scale_: back off on inf; grow after ``growth_interval`` clean steps (if finite)."""
        if found_inf:
            scale.fill_(float(np.float32(scale.item() * self._backoff_factor)))
            tracker.fill_(0)
            return
        successful = int(tracker.item()) + 1
        if successful == self._growth_interval:
            with np.errstate(over="ignore"):
                grown = np.float32(scale.item() * self._growth_factor)
            if np.isfinite(grown):
                scale.fill_(float(grown))
            tracker.fill_(0)
        else:
            tracker.fill_(successful)

    def get_scale(self):
        """The current scale as a Python float (1.0 when disabled)."""
        if not self._enabled:
            return 1.0
        return self._init_scale if self._scale is None else self._scale.item()

    def get_growth_factor(self):
        return self._growth_factor

    def set_growth_factor(self, new_factor):
        self._growth_factor = new_factor

    def get_backoff_factor(self):
        return self._backoff_factor

    def set_backoff_factor(self, new_factor):
        self._backoff_factor = new_factor

    def get_growth_interval(self):
        return self._growth_interval

    def set_growth_interval(self, new_interval):
        self._growth_interval = new_interval

    def _get_growth_tracker(self):
        if not self._enabled:
            return 0
        return self._init_growth_tracker if self._growth_tracker is None else int(self._growth_tracker.item())

    def is_enabled(self):
        return self._enabled

    def _found_inf_per_device(self, optimizer):
        return self._per_optimizer_states[id(optimizer)]["found_inf_per_device"]

    def state_dict(self):
        """scale, growth/backoff settings and the growth tracker (empty when disabled), as PyTorch saves them."""
        if not self._enabled:
            return {}
        return {"scale": self.get_scale(), "growth_factor": self._growth_factor,
                "backoff_factor": self._backoff_factor, "growth_interval": self._growth_interval,
                "_growth_tracker": self._get_growth_tracker()}

    def load_state_dict(self, state_dict):
        if not self._enabled:
            return
        if len(state_dict) == 0:
            raise TorshRuntimeError("The source state dict is empty, possibly because it was saved from a disabled "
                                    "instance of GradScaler.")
        self._init_scale = float(state_dict["scale"])
        if self._scale is not None:
            self._scale.fill_(self._init_scale)
        self._growth_factor = float(state_dict["growth_factor"])
        self._backoff_factor = float(state_dict["backoff_factor"])
        self._growth_interval = int(state_dict["growth_interval"])
        self._init_growth_tracker = int(state_dict["_growth_tracker"])
        if self._growth_tracker is not None:
            self._growth_tracker.fill_(self._init_growth_tracker)

    def __getstate__(self):
        """Pickle between iterations only; the scale tensors are rebuilt lazily from plain numbers."""
        state = self.__dict__.copy()
        if self._enabled:
            if len(self._per_optimizer_states) != 0:
                raise AmpAssertionError("A GradScaler instance may only be pickled at the beginning of an iteration, "
                                        "or at the end after scaler.update().")
            state["_init_scale"] = self.get_scale()
            state["_init_growth_tracker"] = self._get_growth_tracker()
            state["_scale"] = None
            state["_growth_tracker"] = None
        state["_per_optimizer_states"] = None
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._per_optimizer_states = defaultdict(_refresh_per_optimizer_state)


def _check_and_unscale(grad, inv_scale):
    """True if ``grad`` holds an inf/NaN; multiplies it by ``inv_scale`` in place either way (float32 maths for
    half/bfloat16 gradients, as PyTorch's kernel), bumping its version counter."""
    arr = grad._data
    xp = np if isinstance(arr, np.ndarray) else _cupy()
    bad = not bool(xp.isfinite(arr).all())
    if inv_scale != 1.0:
        xp.multiply(arr, inv_scale, out=arr, casting="unsafe")
        grad._version[0] += 1
    return bad


def _cupy():
    import cupy

    return cupy
