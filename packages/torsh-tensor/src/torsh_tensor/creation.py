"""Tensor factories: tensor, as_tensor, from_numpy, zeros/ones/full/empty (+ _like), arange, linspace, eye, ..."""

import math

import numpy as np
from torsh_core import config
from torsh_core import dtypes as _dt
from torsh_core.device import device as _device
from torsh_core.errors import TorshRuntimeError, TorshTypeError, TorshValueError
from torsh_core.shape import check_shape

from ._tensor import Tensor, _wrap


def _xp(device):
    """numpy for CPU, cupy for CUDA (via torsh_backend, which explains a missing CuPy)."""
    if device is None:
        return np, None
    dev = _device(device) if not isinstance(device, _device) else device
    if dev.type == "cpu":
        return np, None
    from torsh_backend import array_module

    return array_module(dev), dev


def _to_device(arr, device):
    xp, dev = _xp(device)
    if xp is np:
        return arr
    with xp.cuda.Device(dev.index or 0):
        return xp.asarray(arr)


def _infer_dtype(data):
    """PyTorch's dtype inference for nested Python data: bool < int64 < default float < complex."""
    kinds = set()

    def walk(x):
        if isinstance(x, (list, tuple)):
            for e in x:
                walk(e)
        elif isinstance(x, Tensor):
            kinds.add(x.dtype)
        elif isinstance(x, bool) or isinstance(x, np.bool_):
            kinds.add(_dt.bool)
        elif isinstance(x, (int, np.integer)):
            kinds.add(_dt.int64)
        elif isinstance(x, (float, np.floating)):
            kinds.add(config.get_default_dtype())
        elif isinstance(x, (complex, np.complexfloating)):
            kinds.add(config.get_default_dtype().to_complex())
        else:
            raise TorshTypeError(f"Could not infer dtype of {type(x).__name__}")

    walk(data)
    if not kinds:
        return config.get_default_dtype()
    out = None
    for k in kinds:
        out = k if out is None else _dt.promote_types(out, k)
    return out


def _to_array(data, dtype):
    """A fresh NumPy array from Python data, NumPy arrays, tensors, or anything with __array__/DLPack."""
    if isinstance(data, Tensor):
        arr = data._cpu_array()
        return arr.astype(dtype.np) if dtype is not None else arr.copy()
    if isinstance(data, np.ndarray):
        d = dtype or _dt.from_numpy(data.dtype)
        return np.array(data, dtype=d.np, copy=True)
    if isinstance(data, np.generic):
        d = dtype or _dt.from_numpy(data.dtype)
        return np.array(data, dtype=d.np)
    if hasattr(data, "__cuda_array_interface__"):
        import cupy

        arr = cupy.asarray(data)
        return arr.astype(dtype.np) if dtype is not None else arr.copy()
    if not isinstance(data, (list, tuple, bool, int, float, complex)) and hasattr(data, "__array__"):
        return _to_array(np.asarray(data), dtype)
    d = dtype or _infer_dtype(data)
    if isinstance(data, (list, tuple)):
        data = _unwrap_nested(data)
    try:
        return np.array(data, dtype=d.np)
    except ValueError as e:
        raise TorshValueError(f"expected sequence of equal-length lists: {e}") from None
    except OverflowError as e:
        raise TorshRuntimeError(f"value cannot be converted to type {d.name} without overflow") from e


def _unwrap_nested(data):
    if isinstance(data, (list, tuple)):
        return [_unwrap_nested(x) for x in data]
    if isinstance(data, Tensor):
        if data.ndim == 0:
            return data.item()
        return data.tolist()
    return data


def tensor(data, *, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """A new tensor copying ``data`` (nested lists, numbers, arrays, tensors)."""
    if isinstance(data, Tensor):
        import warnings

        warnings.warn("To copy construct from a tensor, it is recommended to use sourceTensor.clone().detach() "
                      "rather than torsh.tensor(sourceTensor).", UserWarning, stacklevel=2)
    arr = _to_array(data, dtype)
    t = _wrap(_to_device(arr, device) if device is not None else arr)
    if requires_grad:
        t.requires_grad_()
    return t


def as_tensor(data, dtype=None, device=None):
    """Like tensor() but shares memory with NumPy arrays and tensors when dtype and device allow."""
    if isinstance(data, Tensor):
        t = data
        if dtype is not None and t.dtype is not dtype:
            t = t.to(dtype)
        if device is not None and t.device != _device(device):
            t = t.to(device)
        return t
    if isinstance(data, np.ndarray) and (dtype is None or data.dtype == dtype.np) and (
            device is None or _device(device).type == "cpu"):
        _dt.from_numpy(data.dtype)
        return _wrap(data)
    return tensor(data, dtype=dtype, device=device)


asarray = as_tensor


def from_numpy(ndarray_):
    """A tensor sharing memory with ``ndarray_``."""
    if not isinstance(ndarray_, np.ndarray):
        raise TorshTypeError(f"expected np.ndarray (got {type(ndarray_).__name__})")
    _dt.from_numpy(ndarray_.dtype)
    return _wrap(ndarray_)


def _factory(fill, size, dtype, device, requires_grad, default=None):
    shape = check_shape(size)
    dtype = dtype or default or config.get_default_dtype()
    if not isinstance(dtype, _dt.dtype):
        raise TorshTypeError(f"dtype must be a torsh.dtype, got {type(dtype).__name__}")
    xp, dev = _xp(device)
    if xp is np:
        arr = fill(np, shape, dtype.np)
    else:
        with xp.cuda.Device(dev.index or 0):
            arr = fill(xp, shape, dtype.np)
    t = _wrap(arr)
    if requires_grad:
        t.requires_grad_()
    return t


def zeros(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False):
    return _factory(lambda xp, s, d: xp.zeros(s, d), size, dtype, device, requires_grad)


def ones(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False):
    return _factory(lambda xp, s, d: xp.ones(s, d), size, dtype, device, requires_grad)


def empty(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False,
          memory_format=None):
    return _factory(lambda xp, s, d: xp.empty(s, d), size, dtype, device, requires_grad)


def full(size, fill_value, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    if dtype is None:
        dtype = _infer_dtype(fill_value.item() if isinstance(fill_value, Tensor) else fill_value)
    v = fill_value.item() if isinstance(fill_value, Tensor) else fill_value
    return _factory(lambda xp, s, d: xp.full(s, v, d), (tuple(size),) if not isinstance(size, int) else (size,),
                    dtype, device, requires_grad)


def zeros_like(input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None):
    return zeros(tuple(input.shape), dtype=dtype or input.dtype, device=device or input.device,
                 requires_grad=requires_grad)


def ones_like(input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None):
    return ones(tuple(input.shape), dtype=dtype or input.dtype, device=device or input.device,
                requires_grad=requires_grad)


def empty_like(input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None):
    return empty(tuple(input.shape), dtype=dtype or input.dtype, device=device or input.device,
                 requires_grad=requires_grad)


def full_like(input, fill_value, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None):
    return full(tuple(input.shape), fill_value, dtype=dtype or input.dtype, device=device or input.device,
                requires_grad=requires_grad)


def arange(start, end=None, step=1, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    """Values from start to end (exclusive); int64 when all arguments are integers, else the default float."""
    if end is None:
        start, end = 0, start
    vals = [v.item() if isinstance(v, Tensor) else v for v in (start, end, step)]
    if vals[2] == 0:
        raise TorshRuntimeError("step must be nonzero")
    if (vals[1] - vals[0]) * vals[2] < 0:
        raise TorshRuntimeError("upper bound and larger bound inconsistent with step sign")
    if dtype is None:
        dtype = _dt.int64 if all(isinstance(v, int) for v in vals) else config.get_default_dtype()
    n = max(int(math.ceil((vals[1] - vals[0]) / vals[2])), 0)
    arr = (vals[0] + np.arange(n, dtype=np.float64 if dtype.is_floating_point else np.int64) * vals[2]).astype(
        dtype.np)
    t = _wrap(_to_device(arr, device))
    return t.requires_grad_() if requires_grad else t


def range_(start, end, step=1, *, dtype=None, device=None, requires_grad=False):
    """Deprecated torch.range: inclusive of ``end``."""
    dtype = dtype or config.get_default_dtype()
    n = int(math.floor((end - start) / step)) + 1
    arr = (start + np.arange(n) * step).astype(dtype.np)
    return _wrap(_to_device(arr, device)).requires_grad_(requires_grad)


def linspace(start, end, steps, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    if steps < 0:
        raise TorshRuntimeError("number of steps must be non-negative")
    dtype = dtype or config.get_default_dtype()
    arr = np.linspace(float(start), float(end), int(steps), dtype=np.float64).astype(dtype.np)
    t = _wrap(_to_device(arr, device))
    return t.requires_grad_() if requires_grad else t


def logspace(start, end, steps, base=10.0, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    dtype = dtype or config.get_default_dtype()
    arr = np.power(base, np.linspace(float(start), float(end), int(steps))).astype(dtype.np)
    t = _wrap(_to_device(arr, device))
    return t.requires_grad_() if requires_grad else t


def eye(n, m=None, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    if n < 0 or (m is not None and m < 0):
        raise TorshRuntimeError(f"n must be greater or equal to 0, got {n}")
    dtype = dtype or config.get_default_dtype()
    t = _wrap(_to_device(np.eye(n, m, dtype=dtype.np), device))
    return t.requires_grad_() if requires_grad else t


def scalar_tensor(s, *, dtype=None, device=None, requires_grad=False):
    return tensor(s, dtype=dtype or config.get_default_dtype(), device=device, requires_grad=requires_grad)


def complex(real, imag):  # noqa: A001
    return real + imag * 1j


def polar(abs, angle):  # noqa: A002
    return complex(abs * angle.cos(), abs * angle.sin())


def _legacy_constructor(cls, *args, device=None, dtype=None):
    """``torch.Tensor(...)``: from data, from sizes (uninitialised), or empty; always the default float dtype."""
    if cls is not Tensor:
        return object.__new__(cls)
    if len(args) == 1 and not isinstance(args[0], int):
        arr = _to_array(args[0], dtype or config.get_default_dtype())
        return _wrap(_to_device(arr, device))
    if all(isinstance(a, int) for a in args):
        return empty(*args, dtype=dtype, device=device)
    raise TorshTypeError(f"Tensor(): invalid arguments {args!r}")


def _rebuild(arr, requires_grad):
    """Unpickling hook (multiprocessing, copy); torsh.save never uses pickle."""
    t = _wrap(arr)
    if requires_grad:
        t.requires_grad_()
    return t
