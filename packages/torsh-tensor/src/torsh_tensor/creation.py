"""Tensor factories: tensor, as_tensor, from_numpy, zeros/ones/full/empty (+ _like), arange, linspace, eye, ..."""

import builtins
import math

import numpy as np
from torsh_core import config
from torsh_core import dtypes as _dt
from torsh_core.device import device as _device
from torsh_core.errors import TorshRuntimeError, TorshTypeError, TorshValueError
from torsh_core.promotion import scalar_dtype
from torsh_core.shape import check_shape

from ._tensor import Tensor, _wrap

_complex = builtins.complex  # this module defines torch.complex


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
    """PyTorch's dtype inference for nested data: Python scalars give bool/int64/default float/its complex, NumPy
    scalars and tensors their own dtype, and all of them promote together."""
    out = None
    stack = [data]
    while stack:
        x = stack.pop()
        if isinstance(x, (list, tuple)):
            stack.extend(x)
            continue
        if isinstance(x, Tensor):
            d = x.dtype
        elif isinstance(x, np.generic):
            d = _dt.from_numpy(x.dtype)
        elif isinstance(x, (bool, int, float, _complex)):
            d = scalar_dtype(x)
        elif isinstance(x, (str, bytes)):
            raise TorshTypeError(f"new(): invalid data type '{type(x).__name__}'")
        else:
            raise TorshRuntimeError(f"Could not infer dtype of {type(x).__name__}")
        out = d if out is None else _dt.promote_types(out, d)
    return out if out is not None else config.get_default_dtype()


def _check_rectangular(data):
    """PyTorch's error for ragged nested sequences: which length was expected at which dim."""
    level = [data]
    dim = 0
    while level:
        seqs = [x for x in level if isinstance(x, (list, tuple))]
        if not seqs:
            return
        if len(seqs) != len(level):
            raise TorshValueError(f"expected a sequence at dim {dim}, got a mix of numbers and sequences")
        n = len(seqs[0])
        for x in seqs:
            if len(x) != n:
                raise TorshValueError(f"expected sequence of length {n} at dim {dim} (got {len(x)})")
        level = [e for x in seqs for e in x]
        dim += 1


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
    if not isinstance(data, (list, tuple, bool, int, float, _complex)) and hasattr(data, "__array__"):
        return _to_array(np.asarray(data), dtype)
    inferred = _infer_dtype(data)
    d = dtype or inferred
    if isinstance(data, (list, tuple)):
        _check_rectangular(data)
        data = _unwrap_nested(data)
    try:
        return np.array(data, dtype=d.np)
    except ValueError as e:
        raise TorshValueError(f"expected sequence of equal-length lists: {e}") from None
    except OverflowError:
        if dtype is None:
            raise TorshValueError(f"Overflow when unpacking long long: a value does not fit in {d.name}") from None
        raise TorshRuntimeError(f"value cannot be converted to type {d.name} without overflow") from None


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
    """Values from start to end (exclusive); int64 when all arguments are integers, else the default float.

    With an integer ``dtype`` the bounds and step are truncated to integers first, as PyTorch does.
    """
    if end is None:
        start, end = 0, start
    start, end, step = (v.item() if isinstance(v, Tensor) else v for v in (start, end, step))
    if step == 0:
        raise TorshRuntimeError("step must be nonzero")
    if not all(math.isfinite(v) for v in (start, end, step)):
        raise TorshRuntimeError(f"unsupported range: {start} -> {end}")
    if dtype is None:
        dtype = _dt.int64 if all(isinstance(v, int) for v in (start, end, step)) else config.get_default_dtype()
    integral = not (dtype.is_floating_point or dtype.is_complex)
    if integral:
        start, end, step = int(start), int(end), int(step)
        if step == 0:
            raise TorshValueError("step must be nonzero")
    if (end - start) * step < 0:
        raise TorshRuntimeError("upper bound and lower bound inconsistent with step sign")
    n = max(int(math.ceil((end - start) / step)), 0)
    arr = (start + np.arange(n, dtype=np.int64 if integral else np.float64) * step).astype(dtype.np)
    t = _wrap(_to_device(arr, device))
    return t.requires_grad_() if requires_grad else t


def range_(start, end, step=1, *, dtype=None, device=None, requires_grad=False):
    """Deprecated torch.range: inclusive of ``end``."""
    dtype = dtype or config.get_default_dtype()
    n = int(math.floor((end - start) / step)) + 1
    arr = (start + np.arange(n) * step).astype(dtype.np)
    return _wrap(_to_device(arr, device)).requires_grad_(requires_grad)


def _int_arg(fn, name, v):
    """``v`` as a Python int (anything with ``__index__``, not bool); TypeError naming the argument otherwise."""
    if isinstance(v, bool) or not hasattr(v, "__index__"):
        raise TorshTypeError(f"{fn}(): argument '{name}' must be int, not {type(v).__name__}")
    return v.__index__()


def _check_steps(fn, steps):
    steps = _int_arg(fn, "steps", steps)
    if steps < 0:
        raise TorshRuntimeError("number of steps must be non-negative")
    return steps


def _linspace(start, end, steps):
    """PyTorch's linspace values: the first half counts up from start, the second half down from end."""
    if steps == 1:
        return np.array([start])
    step = (end - start) / (steps - 1) if steps > 1 else 0.0
    i = np.arange(steps, dtype=np.float64)
    half = steps // 2
    return np.where(i < half, start + i * step, end - (steps - 1 - i) * step)


def linspace(start, end, steps, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    """``steps`` evenly spaced values from start to end inclusive (computed in float64, then cast)."""
    steps = _check_steps("linspace", steps)
    dtype = dtype or config.get_default_dtype()
    arr = _linspace(float(start), float(end), steps).astype(dtype.np)
    t = _wrap(_to_device(arr, device))
    return t.requires_grad_() if requires_grad else t


def logspace(start, end, steps, base=10.0, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    """``base ** linspace(start, end, steps)``."""
    steps = _check_steps("logspace", steps)
    dtype = dtype or config.get_default_dtype()
    arr = np.power(float(base), _linspace(float(start), float(end), steps)).astype(dtype.np)
    t = _wrap(_to_device(arr, device))
    return t.requires_grad_() if requires_grad else t


def eye(n, m=None, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    """The identity matrix (n x m, ones on the diagonal)."""
    n = _int_arg("eye", "n", n)
    m = None if m is None else _int_arg("eye", "m", m)
    for name, v in (("n", n), ("m", m)):
        if v is not None and v < 0:
            raise TorshRuntimeError(f"{name} must be greater or equal to 0, got {v}")
    dtype = dtype or config.get_default_dtype()
    t = _wrap(_to_device(np.eye(n, m, dtype=dtype.np), device))
    return t.requires_grad_() if requires_grad else t


def scalar_tensor(s, *, dtype=None, device=None, requires_grad=False):
    return tensor(s, dtype=dtype or config.get_default_dtype(), device=device, requires_grad=requires_grad)


def complex(real, imag):  # noqa: A001
    """A complex tensor from real and imaginary parts (both float16/32/64 of the same dtype)."""
    if not (real.is_floating_point() and imag.is_floating_point()) or real.dtype is not imag.dtype:
        raise TorshRuntimeError(f"Expected both inputs to be Half, Float or Double tensors of the same dtype but got "
                                f"{real.dtype} and {imag.dtype}")
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
    if not args:
        return empty(0, dtype=dtype, device=device)
    if all(isinstance(a, int) for a in args):
        return empty(*args, dtype=dtype, device=device)
    raise TorshTypeError(f"Tensor(): invalid arguments {args!r}")


def _rebuild(arr, requires_grad):
    """Unpickling hook (multiprocessing, copy); torsh.save never uses pickle."""
    t = _wrap(arr)
    if requires_grad:
        t.requires_grad_()
    return t
