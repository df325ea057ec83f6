"""Tensors as communication buffers: their own memory when it is contiguous (no pickling, no copy), else a
contiguous copy that is written back afterwards. ``xp`` is the transport's array module (NumPy for MPI, CuPy
for NCCL); a CUDA tensor sent over MPI is staged through host memory."""

import numpy as np
from torsh_core.errors import DeviceError, TorshRuntimeError, TorshTypeError, TorshValueError
from torsh_tensor import Tensor

from .reduce_op import ReduceOp

_LOW_PRECISION = ("float16", "bfloat16")  # reduced in float32: MPI has no portable reduction for them


def check_tensor(t, name):
    if not isinstance(t, Tensor):
        raise TorshTypeError(f"Invalid function argument. Expected parameter `{name}` of type torsh.Tensor "
                             f"but got {type(t)} instead.")


def check_tensor_list(ts, name):
    if not isinstance(ts, (list, tuple)) or not all(isinstance(t, Tensor) for t in ts):
        raise TorshTypeError(f"Invalid function argument. Expected parameter `{name}` of type List[torsh.Tensor] "
                             f"but got {type(ts)} instead.")


def contiguous(t, xp):
    """A C-contiguous ``xp`` array with ``t``'s values: ``t``'s own memory when possible."""
    d = t._data
    if xp is np and type(d) is not np.ndarray:
        return d.get()
    return d if d.flags.c_contiguous else xp.ascontiguousarray(d)


def store(t, arr):
    """Make ``t`` hold the values of ``arr`` (nothing to copy when ``arr`` is its memory) and bump its version."""
    d = t._data
    if arr is not d:
        if type(d) is np.ndarray:
            np.copyto(d, arr.reshape(d.shape), casting="unsafe")
        else:
            import cupy

            d[...] = cupy.asarray(arr.reshape(d.shape)).astype(d.dtype, copy=False)
    t._version[0] += 1


def raw(arr):
    """The bytes of a contiguous array, for operations that move data without combining it."""
    return arr.reshape(-1).view(np.uint8)


def flat_bytes(tensors, xp):
    """One contiguous byte buffer holding ``tensors`` one after another."""
    if not tensors:
        return xp.empty(0, np.uint8)
    return xp.concatenate([raw(contiguous(t, xp)) for t in tensors])


def nbytes(tensors):
    return [t._data.nbytes for t in tensors]


def unpack(buf, tensors):
    """Copy consecutive pieces of the byte buffer ``buf`` into ``tensors``."""
    offset = 0
    for t in tensors:
        n = t._data.nbytes
        store(t, buf[offset:offset + n].view(t._data.dtype))
        offset += n


def check_like(t, ref, op_name, what, index=None, shape=True):
    """PyTorch's errors for a tensor whose device, dtype (or shape) differs from the one it must match."""
    at = "" if index is None else f" at index {index}"
    if t.device != ref.device:
        raise DeviceError(f"{op_name}: invalid {what} device{at} (expected {ref.device}, got {t.device})")
    if t.dtype != ref.dtype:
        raise TorshRuntimeError(f"{op_name}: invalid {what} type{at} (expected {ref.dtype}, got {t.dtype})")
    if shape and tuple(t.shape) != tuple(ref.shape):
        raise TorshRuntimeError(f"{op_name}: invalid {what} size{at} (expected {tuple(ref.shape)}, "
                                f"got {tuple(t.shape)})")


class Reduction:
    """How a ReduceOp applies to a dtype: the dtype to reduce in, the op the transport runs, the fix-up after."""

    def __init__(self, dtype, op, size, op_name):
        if not isinstance(op, ReduceOp.RedOpType):
            raise TorshTypeError(f"{op_name}: op must be a torsh.distributed.ReduceOp, got {op!r}")
        kind = "f" if dtype.name in _LOW_PRECISION else np.dtype(dtype.np).kind
        if kind == "c" and op not in (ReduceOp.SUM, ReduceOp.AVG, ReduceOp.PRODUCT):
            raise TorshValueError(f"{op_name} does not support {op} on complex tensors")
        if op is ReduceOp.AVG and kind not in "fc":
            raise TorshRuntimeError(f"{op_name}: ReduceOp.AVG needs a floating point or complex tensor, got {dtype}")
        if op in (ReduceOp.BAND, ReduceOp.BOR, ReduceOp.BXOR) and kind not in "biu":
            raise TorshRuntimeError(f"{op_name}: {op} needs an integer or bool tensor, got {dtype}")
        self.low_precision = dtype.name in _LOW_PRECISION
        self.is_bool = kind == "b"
        self.divisor = size if op is ReduceOp.AVG else None
        if op is ReduceOp.AVG:
            op = ReduceOp.SUM
        if self.is_bool:  # on bools, sum is logical or and product logical and (as NCCL does)
            op = {ReduceOp.SUM: ReduceOp.MAX, ReduceOp.PRODUCT: ReduceOp.MIN}.get(op, op)
        self.op = op

    def work(self, arr):
        """``arr`` in the dtype the transport reduces: itself, a uint8 view of bools, or a float32 copy."""
        if self.is_bool:
            return arr.view(np.uint8)
        if self.low_precision:
            return arr.astype(np.float32)
        return arr

    def finish(self, buf, t):
        """Write the reduced ``buf`` into tensor ``t`` (dividing for AVG, casting back from float32)."""
        if self.divisor is not None:
            buf /= self.divisor
        store(t, buf.view(np.bool_) if self.is_bool else buf)
