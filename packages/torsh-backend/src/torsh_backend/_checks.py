"""Input checks every CPU kernel runs in Python before any pointer reaches C."""

import numbers

import numpy as np
from torsh_core import dtypes
from torsh_core.errors import DTypeError, ShapeError, TorshTypeError, TorshValueError

FAST_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def require_arrays(op, **arrays):
    """Every operand is a NumPy array of one dtype that torsh knows; returns that dtype."""
    first = None
    for name, x in arrays.items():
        if not isinstance(x, np.ndarray):
            raise TorshTypeError(f"{op}(): argument '{name}' must be a numpy.ndarray, got {type(x).__name__}")
        dtypes.from_numpy(x.dtype)
        if first is None:
            first = (name, x.dtype)
        elif x.dtype != first[1]:
            raise DTypeError(
                f"{op}(): expected '{name}' to have dtype {first[1]} like '{first[0]}', got {x.dtype}; "
                "promote the operands to one dtype first"
            )
    return first[1]


def result_dtype(op, ufunc, dtype):
    """The dtype ``ufunc`` gives for two ``dtype`` operands; TypeError when it has no loop for them."""
    if dtype in FAST_DTYPES:
        return dtype
    try:
        return ufunc.resolve_dtypes((dtype, dtype, None))[-1]
    except TypeError as e:
        raise TorshTypeError(f"{op}(): not supported for dtype {dtype} ({e})") from None


def prepare_out(op, out, shape, dtype):
    """``out`` checked against the result's shape and dtype, or a fresh array when it is None."""
    if out is None:
        return np.empty(shape, dtype)
    if not isinstance(out, np.ndarray):
        raise TorshTypeError(f"{op}(): argument 'out' must be a numpy.ndarray, got {type(out).__name__}")
    if out.shape != tuple(shape):
        raise ShapeError(f"{op}(): 'out' has shape {out.shape} but the result has shape {tuple(shape)}")
    if out.dtype != dtype:
        raise DTypeError(f"{op}(): 'out' has dtype {out.dtype} but the result has dtype {dtype}")
    if not out.flags.writeable:
        raise TorshValueError(f"{op}(): 'out' is read-only")
    return out


def c_ready(x):
    """True when C may walk ``x`` as a flat, aligned block."""
    flags = x.flags
    return flags.c_contiguous and flags.aligned


def overlaps_partly(out, x):
    """True when ``out`` and ``x`` share memory without being the very same block (C cannot handle that)."""
    if not np.may_share_memory(out, x):
        return False
    return out.__array_interface__["data"][0] != x.__array_interface__["data"][0] or out.nbytes != x.nbytes


def c_can_write(out, fresh, *inputs):
    """True when a C kernel may write ``out`` while reading ``inputs`` (all C-ready, no partial overlap)."""
    if fresh:
        return True
    return c_ready(out) and not any(overlaps_partly(out, x) for x in inputs)


_SCALAR_KINDS = ((bool, "b"), (numbers.Integral, "i"), (numbers.Real, "f"), (numbers.Complex, "c"))
_ACCEPTS = {"b": "b", "u": "bi", "i": "bi", "f": "bif", "V": "bif", "c": "bifc"}  # V: ml_dtypes' bfloat16


def scalar_for(op, name, value, dtype):
    """``value`` as a 0-d array of ``dtype``; TypeError when it would lose its kind (0.5 into an int array)."""
    if isinstance(value, np.generic):
        value = value.item()
    kind = next((k for t, k in _SCALAR_KINDS if isinstance(value, t)), None)
    if kind is None:
        raise TorshTypeError(f"{op}(): argument '{name}' must be a number, got {type(value).__name__}")
    if kind not in _ACCEPTS[dtype.kind]:
        raise TorshTypeError(f"{op}(): {name}={value!r} cannot be used with dtype {dtype}")
    try:
        return np.asarray(value, dtype)
    except OverflowError:
        raise TorshValueError(f"{op}(): {name}={value!r} does not fit in dtype {dtype}") from None
