"""Operand handling shared by ops: PyTorch type promotion and scalars, on top of NumPy/CuPy arrays."""

import numpy as np
from torsh_core import config
from torsh_core import dtypes as _dt
from torsh_core.errors import DeviceError, TorshRuntimeError, TorshTypeError
from torsh_core.promotion import DIM, SCALAR, ZERO_DIM, result_type

from ._tensor import _NP2DT, Tensor, ndarray

_SCALARS = (bool, int, float, complex)


def as_scalar(x):
    """Python scalar for numbers (NumPy scalars included, as plain Python numbers); None if ``x`` is not one."""
    if type(x) in _SCALARS:
        return x
    if isinstance(x, np.generic):
        return x.item() if x.dtype.kind in "biufc" else None
    if isinstance(x, _SCALARS):  # subclasses of int/float (IntEnum, ...)
        return x
    return None


def to_tensor(x, like=None):
    """A Tensor from a Tensor, array or sequence (on ``like``'s device if given)."""
    if isinstance(x, Tensor):
        return x
    from .creation import tensor

    return tensor(x, device=like.device if like is not None else None)


def _kind(t):
    return DIM if t._data.ndim else ZERO_DIM


def result_dtype(*operands):
    """``torch.result_type`` over Tensors and Python scalars."""
    items = []
    for o in operands:
        if isinstance(o, Tensor):
            items.append((_NP2DT[o._data.dtype], _kind(o)))
        else:
            s = as_scalar(o)
            if s is None:
                raise TorshTypeError(f"expected a Tensor or a number, got {type(o).__name__}")
            items.append((_scalar_dtype(s), SCALAR))
    return result_type(items)


def _scalar_dtype(s):
    if isinstance(s, bool):
        return _dt.bool
    if isinstance(s, int):
        return _dt.int64
    if isinstance(s, float):
        return config.get_default_dtype()
    return config.get_default_dtype().to_complex()


def binary_arrays(a, b):
    """The arrays (or scalar) to compute ``a op b`` with, already in PyTorch's result dtype.

    Either operand may be a Tensor or a number; at least one is a Tensor.
    """
    if isinstance(a, Tensor):
        ad = a._data
        if isinstance(b, Tensor):
            bd = b._data
            if ad.dtype != bd.dtype:
                dt = result_dtype(a, b).np
                if ad.dtype != dt:
                    ad = ad.astype(dt)
                if bd.dtype != dt:
                    bd = bd.astype(dt)
            if type(ad) is not type(bd):
                ad, bd = _join_devices(a, b, ad, bd)
            return ad, bd
        s = as_scalar(b)
        if s is None:
            return binary_arrays(a, to_tensor(b, a))
        return _with_scalar(ad, s)
    s = as_scalar(a)
    if s is None:
        return binary_arrays(to_tensor(a, b), b)
    bd, s = _with_scalar(b._data, s)
    return s, bd


def _with_scalar(arr, s):
    """(array, scalar) for ``arr op s``: the array cast up when a Python scalar of a higher category joins it
    (int tensor + 0.5 -> float32), and an integer scalar wrapped into the array's integer type as PyTorch does."""
    kind = arr.dtype.kind
    if kind == "c" or type(s) is bool:
        return arr, s
    if isinstance(s, int):
        if kind == "b":
            arr = arr.astype(np.int64)
        elif kind not in "iu":
            return arr, s
        lo, hi = _INT_BOUNDS[arr.dtype]
        return arr, (s if lo <= s <= hi else _wrap_int(s, arr.dtype))
    if isinstance(s, float):
        if kind in "biu":
            return arr.astype(config.get_default_dtype().np), s
        # ml_dtypes' bfloat16 would turn a Python float into float32; a bfloat16 scalar keeps the array's type
        return arr, (s if kind == "f" else arr.dtype.type(s))
    if kind == "f" or arr.dtype == _dt.bfloat16.np:
        return arr.astype(_NP2DT[arr.dtype].to_complex().np), s
    return arr.astype(config.get_default_dtype().to_complex().np), s


_INT_BOUNDS = {np.dtype(t): (int(np.iinfo(t).min), int(np.iinfo(t).max))
               for t in (np.uint8, np.int8, np.int16, np.int32, np.int64)}


def _wrap_int(s, np_dtype):
    """An out-of-range Python int reduced modulo 2**bits into ``np_dtype`` (PyTorch's C cast); errors past 64 bits."""
    if not -(1 << 63) <= s < (1 << 64):
        raise TorshRuntimeError(f"value {s} cannot be converted to type {_NP2DT[np_dtype].name} without overflow")
    return int(np.array(s & ((1 << 64) - 1), dtype=np.uint64).astype(np_dtype))


def _join_devices(a, b, ad, bd):
    """0-d CPU tensors may join CUDA ones, as in PyTorch; other mixes are errors."""
    if a._data.ndim == 0 and type(ad) is ndarray:
        return ad.item(), bd
    if b._data.ndim == 0 and type(bd) is ndarray:
        return ad, bd.item()
    raise DeviceError(
        f"Expected all tensors to be on the same device, but found at least two devices, {a.device} and {b.device}!"
    )


def float_array(arr):
    """``arr`` as a floating array (integers and bools become the default dtype), for true division and math."""
    if arr.dtype.kind in "biu":
        return arr.astype(config.get_default_dtype().np)
    return arr


def wrap_result(arr):
    """NumPy returns scalars for 0-d results; tensors always hold arrays."""
    if type(arr) is ndarray:
        return arr
    if isinstance(arr, np.generic):
        return np.asarray(arr)
    return arr
