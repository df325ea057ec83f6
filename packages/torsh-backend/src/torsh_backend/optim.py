"""Fused optimizer updates: one C call per parameter group updates every tensor of it in one pass each.

The arithmetic rounds exactly like torsh-optim's reference path (separate NumPy ops with the scalars in the
tensors' dtype), so the two agree bitwise. Every array is checked here first: NumPy, one float32/float64 dtype,
C-contiguous and aligned, writable where written, one length per tensor, and no two arrays sharing memory.
"""

import numpy as np
from torsh_core.errors import DTypeError, ShapeError, TorshTypeError, TorshValueError

from ._checks import FAST_DTYPES, c_ready
from ._native import ffi, lib

_NAMES = {np.dtype(np.float32): ("float", "f32"), np.dtype(np.float64): ("double", "f64")}


def _group(op, columns):
    """The group's dtype after checking every ``(role, arrays, writable)`` column; the arrays of tensor i share
    a shape, the dtype and nothing else of memory."""
    n = len(columns[0][1])
    dtype = None
    spans = []
    for role, arrays, writable in columns:
        if len(arrays) != n:
            raise ShapeError(f"{op}(): got {n} parameters but {len(arrays)} {role}")
        for i, a in enumerate(arrays):
            if type(a) is not np.ndarray:
                raise TorshTypeError(f"{op}(): {role}[{i}] must be a numpy.ndarray, got {type(a).__name__}")
            if dtype is None:
                dtype = a.dtype
                if dtype not in FAST_DTYPES:
                    raise DTypeError(f"{op}(): only float32 and float64 arrays are supported, got {dtype}")
            elif a.dtype != dtype:
                raise DTypeError(f"{op}(): {role}[{i}] has dtype {a.dtype}, expected {dtype} like the others")
            if not c_ready(a):
                raise TorshValueError(f"{op}(): {role}[{i}] must be C-contiguous and aligned")
            if writable and not a.flags.writeable:
                raise TorshValueError(f"{op}(): {role}[{i}] is read-only")
            if a.shape != columns[0][1][i].shape:
                raise ShapeError(f"{op}(): {role}[{i}] has shape {a.shape} but params[{i}] has shape "
                                 f"{columns[0][1][i].shape}")
            if a.size:
                start = a.__array_interface__["data"][0]
                spans.append((start, start + a.nbytes, role, i))
    spans.sort()
    for (_, end, role, i), (start, _, other, j) in zip(spans, spans[1:]):
        if start < end:
            raise TorshValueError(f"{op}(): {role}[{i}] and {other}[{j}] share memory")
    return dtype


def _pointers(dtype, arrays, writable=True):
    """A C array of pointers to the arrays' first elements (the arrays must outlive the call)."""
    ctype = _NAMES[dtype][0]
    return ffi.new(f"{ctype} *[]", [ffi.from_buffer(f"{ctype}[]", a, require_writable=writable) for a in arrays])


def _sizes(params):
    return ffi.new("int64_t[]", [a.size for a in params])


def sgd_(params, grads, momentum_buffers, fresh, *, lr, momentum, dampening, weight_decay, nesterov, maximize):
    """One SGD step over the group in place: ``momentum_buffers[i]`` is written from scratch where ``fresh[i]``."""
    op = "sgd_"
    columns = [("params", params, True), ("grads", grads, False)]
    if momentum != 0:
        columns.append(("momentum_buffers", momentum_buffers, True))
        if len(fresh) != len(params):
            raise ShapeError(f"{op}(): got {len(params)} parameters but {len(fresh)} fresh flags")
    if not params:
        return
    dtype = _group(op, columns)
    bufs = _pointers(dtype, momentum_buffers) if momentum != 0 else ffi.NULL
    flags = ffi.new("uint8_t[]", [bool(f) for f in fresh]) if momentum != 0 else ffi.NULL
    getattr(lib, f"tb_sgd_{_NAMES[dtype][1]}")(
        _pointers(dtype, params), _pointers(dtype, grads, False), bufs, _sizes(params), flags, len(params), float(lr),
        float(momentum), float(dampening), float(weight_decay), bool(nesterov), bool(maximize))


def adam_(params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, steps, *, lr, beta1, beta2, eps, weight_decay,
          decoupled, amsgrad, maximize):
    """One Adam/AdamW step over the group in place; ``steps[i]`` is tensor i's step count after this step."""
    op = "adam_"
    columns = [("params", params, True), ("grads", grads, False), ("exp_avgs", exp_avgs, True),
               ("exp_avg_sqs", exp_avg_sqs, True)]
    if amsgrad:
        columns.append(("max_exp_avg_sqs", max_exp_avg_sqs, True))
    if len(steps) != len(params):
        raise ShapeError(f"{op}(): got {len(params)} parameters but {len(steps)} step counts")
    if not params:
        return
    dtype = _group(op, columns)
    step_sizes = ffi.new("double[]", [lr / (1 - beta1**s) for s in steps])
    bc2_sqrts = ffi.new("double[]", [(1 - beta2**s) ** 0.5 for s in steps])
    maxes = _pointers(dtype, max_exp_avg_sqs) if amsgrad else ffi.NULL
    getattr(lib, f"tb_adam_{_NAMES[dtype][1]}")(
        _pointers(dtype, params), _pointers(dtype, grads, False), _pointers(dtype, exp_avgs),
        _pointers(dtype, exp_avg_sqs), maxes, _sizes(params), step_sizes, bc2_sqrts, len(params), float(lr),
        float(beta1), float(beta2), float(eps), float(weight_decay), bool(decoupled), bool(amsgrad), bool(maximize))
