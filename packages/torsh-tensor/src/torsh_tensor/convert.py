"""Moves between dtypes and devices (to, float, cuda, ...), and the new_* / fill / copy helpers."""

import numpy as np
from torsh_core import dtypes as _dt
from torsh_core.device import device as _device
from torsh_core.errors import TorshRuntimeError, TorshTypeError, TorshValueError

from ._tensor import Tensor, _wrap, needs_grad, record
from .creation import _to_device, empty, full, ones, tensor, zeros


def _parse_to_args(args, kwargs):
    dtype = kwargs.pop("dtype", None)
    device = kwargs.pop("device", None)
    for a in args:
        if isinstance(a, _dt.dtype):
            dtype = a
        elif isinstance(a, (str, _device)) or (isinstance(a, int) and not isinstance(a, bool)):
            device = _device(a)
        elif isinstance(a, Tensor):
            dtype, device = a.dtype, a.device
        elif a is not None:
            raise TorshTypeError(f"to() received an invalid combination of arguments: {a!r}")
    return dtype, (_device(device) if device is not None else None), kwargs.pop("copy", False)


def to(input, *args, **kwargs):
    """Convert dtype and/or device; returns ``input`` itself when nothing changes (unless copy=True)."""
    dtype, device, copy = _parse_to_args(args, dict(kwargs))
    out = input
    if dtype is not None and dtype is not input.dtype:
        out = _cast(out, dtype)
    if device is not None and device != input.device:
        out = _move(out, device)
    if copy and out is input:
        out = input.clone()
    return out


def _cast(input, dtype):
    if isinstance(dtype, type):
        dtype = {float: _dt.float64, int: _dt.int64, bool: _dt.bool, complex: _dt.complex128}[dtype]
    arr = input._data
    if arr.dtype.kind == "c" and not dtype.is_complex:
        import warnings

        warnings.warn("Casting complex values to real discards the imaginary part", stacklevel=3)
        arr = arr.real
    out = _wrap(arr.astype(dtype.np))
    if needs_grad(input) and (dtype.is_floating_point or dtype.is_complex):
        node = record(out, lambda n, g: g.to(n.src_dtype), (input,), "ToCopyBackward0")
        node.src_dtype = input.dtype
    return out


def _move(input, device):
    if device.type == "cpu":
        arr = input._cpu_array().copy() if input.is_cuda else input._data
    else:
        if device.index is None:
            from torsh_backend import array_module

            xp = array_module(device)
            device = _device("cuda", xp.cuda.runtime.getDevice())
        arr = _to_device(input._cpu_array() if input.is_cpu else input._data, device)
        if not input.is_cpu and input.device != device:
            import cupy

            with cupy.cuda.Device(device.index):
                arr = cupy.asarray(input._data).copy()
    out = _wrap(arr)
    if needs_grad(input):
        node = record(out, lambda n, g: g.to(n.src_device), (input,), "ToCopyBackward0")
        node.src_device = input.device
    return out


def cuda(input, device=None, non_blocking=False):
    return to(input, _device("cuda", device) if isinstance(device, int) else (device or "cuda"))


def cpu(input):
    return to(input, "cpu")


def _caster(dt):
    def cast(input, memory_format=None):
        return to(input, dt)

    return cast


float_ = _caster(_dt.float32)
double = _caster(_dt.float64)
half = _caster(_dt.float16)
bfloat16 = _caster(_dt.bfloat16)
long = _caster(_dt.int64)
int_ = _caster(_dt.int32)
short = _caster(_dt.int16)
char = _caster(_dt.int8)
byte = _caster(_dt.uint8)
bool_ = _caster(_dt.bool)
cfloat = _caster(_dt.complex64)
cdouble = _caster(_dt.complex128)

_TYPE_NAMES = {
    "torch.FloatTensor": _dt.float32, "torch.DoubleTensor": _dt.float64, "torch.HalfTensor": _dt.float16,
    "torch.BFloat16Tensor": _dt.bfloat16, "torch.LongTensor": _dt.int64, "torch.IntTensor": _dt.int32,
    "torch.ShortTensor": _dt.int16, "torch.CharTensor": _dt.int8, "torch.ByteTensor": _dt.uint8,
    "torch.BoolTensor": _dt.bool,
}
_NAMES_BY_DTYPE = {v: k for k, v in _TYPE_NAMES.items()}


def type_(input, dtype=None, non_blocking=False):
    """With no argument, the legacy type name ('torch.FloatTensor'); otherwise a cast."""
    if dtype is None:
        name = _NAMES_BY_DTYPE.get(input.dtype, f"torch.{input.dtype.name}")
        return name.replace("torch.", "torch.cuda.") if input.is_cuda else name
    if isinstance(dtype, str):
        if dtype.replace("torsh.", "torch.") not in _TYPE_NAMES:
            raise TorshValueError(f"invalid type: '{dtype}'")
        dtype = _TYPE_NAMES[dtype.replace("torsh.", "torch.")]
    return to(input, dtype)


def type_as(input, other):
    return to(input, other.dtype)


# new_* ------------------------------------------------------------------------------------------------------------
def new_zeros(input, *size, dtype=None, device=None, requires_grad=False):
    return zeros(*size, dtype=dtype or input.dtype, device=device or input.device, requires_grad=requires_grad)


def new_ones(input, *size, dtype=None, device=None, requires_grad=False):
    return ones(*size, dtype=dtype or input.dtype, device=device or input.device, requires_grad=requires_grad)


def new_empty(input, *size, dtype=None, device=None, requires_grad=False):
    return empty(*size, dtype=dtype or input.dtype, device=device or input.device, requires_grad=requires_grad)


def new_full(input, size, fill_value, *, dtype=None, device=None, requires_grad=False):
    return full(size, fill_value, dtype=dtype or input.dtype, device=device or input.device,
                requires_grad=requires_grad)


def new_tensor(input, data, *, dtype=None, device=None, requires_grad=False):
    return tensor(data, dtype=dtype or input.dtype, device=device or input.device, requires_grad=requires_grad)


# fill / zero / copy ------------------------------------------------------------------------------------------------
def _simple_inplace(self):
    from .ops._inplace import check_inplace_allowed

    if needs_grad(self):
        check_inplace_allowed(self)


def fill_(self, value):
    if isinstance(value, Tensor):
        if value.ndim != 0:
            raise TorshRuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor with "
                                    f"{value.ndim} dimensions.")
        if not needs_grad(self, value):
            value = value.item()
    if needs_grad(self, value):
        from .ops._inplace import inplace

        # through the in-place machinery so that writes into views reach the base's history
        return inplace(lambda s, v: v.to(s.dtype).expand(s.shape) if isinstance(v, Tensor) else s.new_full(
            tuple(s.shape), v), self, value)
    _simple_inplace(self)
    self._data.fill(value)
    self._version[0] += 1
    return self


def zero_(self):
    return fill_(self, 0)


def copy_(self, src, non_blocking=False):
    """Copy ``src`` (broadcast, cast, moved across devices) into ``self``."""
    if not isinstance(src, Tensor):
        raise TorshTypeError(f"copy_(): argument 'other' must be Tensor, not {type(src).__name__}")
    if needs_grad(self, src):
        from .ops._inplace import inplace

        return inplace(lambda s, v: v.to(s.dtype).to(s.device).expand(s.shape), self, src)
    try:
        np.broadcast_shapes(src._data.shape, self._data.shape)
    except ValueError:
        raise TorshRuntimeError(
            f"The size of tensor a ({list(self.shape)}) must match the size of tensor b ({list(src.shape)})"
        ) from None
    arr = src._data if src.device == self.device else _move(src.detach(), self.device)._data
    if src._data.dtype.kind == "c" and self._data.dtype.kind != "c":
        arr = arr.real
    self._data[...] = arr
    self._version[0] += 1
    return self


def resize_(self, *size):
    from torsh_core.shape import check_shape

    shape = check_shape(size)
    if needs_grad(self):
        raise TorshRuntimeError("cannot resize variables that require grad")
    n = int(np.prod(shape))
    flat = self._data.reshape(-1)
    new = np.empty(shape, dtype=self._data.dtype) if self.is_cpu else type(self._data)(shape, dtype=self._data.dtype)
    new.reshape(-1)[: min(n, flat.size)] = flat[: min(n, flat.size)]
    self._data = new
    self._version[0] += 1
    return self



def pin_memory(self):
    return self


def share_memory_(self):
    return self


def is_pinned(self):
    return False


def is_shared(self):
    return False


def apply_(self, fn):
    if self.is_cuda:
        raise TorshTypeError("apply_ is only implemented on CPU tensors")
    flat = self._data.reshape(-1)
    for i in range(flat.size):
        flat[i] = fn(flat[i].item())
    self._version[0] += 1
    return self


def map_(self, other, fn):
    a = self._data.reshape(-1)
    b = np.broadcast_to(other._data, self._data.shape).reshape(-1)
    for i in range(a.size):
        a[i] = fn(a[i].item(), b[i].item())
    self._version[0] += 1
    return self


