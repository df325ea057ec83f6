"""Operand handling shared by ops: PyTorch type promotion and scalars, on top of NumPy/CuPy arrays."""

import numpy as np
from torsh_core import config
from torsh_core import dtypes as _dt
from torsh_core.errors import DeviceError, TorshTypeError
from torsh_core.promotion import DIM, SCALAR, ZERO_DIM, result_type

from ._tensor import _NP2DT, Tensor, ndarray

_SCALARS = (bool, int, float, complex)


def as_scalar(x):
    """Python scalar for numbers (NumPy scalars included); None if ``x`` is not a number."""
    if isinstance(x, _SCALARS):
        return x
    if isinstance(x, np.generic):
        return x.item()
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
        return _with_scalar(ad, s), s
    s = as_scalar(a)
    if s is None:
        return binary_arrays(to_tensor(a, b), b)
    return s, _with_scalar(b._data, s)


def _with_scalar(arr, s):
    """Cast ``arr`` up when a Python scalar of a higher category joins it (int tensor + 0.5 -> float32)."""
    kind = arr.dtype.kind
    if isinstance(s, bool) or kind == "c":
        return arr
    if isinstance(s, int):
        return arr.astype(np.int64) if kind == "b" else arr
    if isinstance(s, float):
        return arr.astype(config.get_default_dtype().np) if kind in "biu" else arr
    if kind == "f" or arr.dtype == _dt.bfloat16.np:
        return arr.astype(_NP2DT[arr.dtype].to_complex().np)
    return arr.astype(config.get_default_dtype().to_complex().np)


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
