"""Adaptive pooling: windows [floor(i*n/o), ceil((i+1)*n/o)) chosen to give a requested output size.

Averaging is separable, so it is one small averaging matrix per axis applied by matmul (differentiable as is).
Max pooling gathers every window (padded to the longest by repeating its last element) and keeps flat indices.
"""

import numpy as np
from torsh_core.errors import TorshRuntimeError, TorshTypeError

from ._op import check_tensor, dtype_name, needs_grad, result, wrap, xp_of
from ._plane import scatter_plane


def _output_size(input, d, output_size, name):
    check_tensor(input, "input", name)
    if input.ndim not in (d + 1, d + 2):
        raise TorshRuntimeError(f"{name}(): Expected {d + 1}D or {d + 2}D tensor, but got {list(input.shape)}")
    if any(n == 0 for n in input.shape[-d:]):
        raise TorshRuntimeError(f"{name}(): Expected input to have non-zero size for non-batch dimensions, but "
                                f"input has sizes {list(input.shape)} with dimension {input.ndim - d} being empty")
    if output_size is None:
        raise TorshTypeError(f"{name}(): output_size must be an int or a tuple of ints, not None")
    sizes = (output_size,) * d if isinstance(output_size, int) else tuple(output_size)
    if len(sizes) != d:
        raise TorshRuntimeError(f"{name}(): internal error: output_size.size() must be {d}")
    sizes = tuple(n if s is None else int(s) for s, n in zip(sizes, input.shape[-d:]))
    if any(s < 0 for s in sizes):
        raise TorshRuntimeError(f"{name}(): elements of output_size must be greater than or equal to 0 but received "
                                f"{list(sizes)}")
    return sizes


def _bounds(n, o):
    """Start (inclusive) and end (exclusive) of every adaptive window along one axis."""
    i = np.arange(o)
    return (i * n) // o, ((i + 1) * n + o - 1) // o


def _averaging_matrix(n, o, dtype):
    start, end = _bounds(n, o)
    cols = np.arange(n)
    inside = (cols >= start[:, None]) & (cols < end[:, None])
    return (inside / (end - start)[:, None]).T.astype(dtype)  # (n, o)


def _adaptive_avg(input, d, output_size, name):
    sizes = _output_size(input, d, output_size, name)
    if not input.is_floating_point():
        raise TorshRuntimeError(f'"{name}" not implemented for \'{dtype_name(input)}\'')
    xp = xp_of(input)
    x = input
    for j, o in enumerate(sizes):
        axis = input.ndim - d + j
        n = input.shape[axis]
        if n == o:
            continue
        m = wrap(xp.asarray(_averaging_matrix(n, o, input._data.dtype)))
        x = (x.transpose(axis, -1) @ m).transpose(axis, -1)
    return x if x is not input else input * 1


def adaptive_avg_pool1d(input, output_size):
    return _adaptive_avg(input, 1, output_size, "adaptive_avg_pool1d")


def adaptive_avg_pool2d(input, output_size):
    return _adaptive_avg(input, 2, output_size, "adaptive_avg_pool2d")


def adaptive_avg_pool3d(input, output_size):
    return _adaptive_avg(input, 3, output_size, "adaptive_avg_pool3d")


def _adaptive_max(input, d, output_size, return_indices, name):
    sizes = _output_size(input, d, output_size, name)
    if input.dtype.name == "bool" or input.is_complex():
        raise TorshRuntimeError(f'"{name}" not implemented for \'{dtype_name(input)}\'')
    xp = xp_of(input)
    a = input._data
    size = a.shape[a.ndim - d:]
    index_per_axis, kernel = [], []
    for j, (n, o) in enumerate(zip(size, sizes)):
        start, end = _bounds(n, o)
        k = int((end - start).max()) if o else 1
        idx = np.minimum(start[:, None] + np.arange(k), end[:, None] - 1)  # (o, k), repeats the last element
        shape = [1] * (2 * d)
        shape[j], shape[d + j] = o, k
        index_per_axis.append(xp.asarray(idx.reshape(shape)))
        kernel.append(k)
    lead = a.shape[:a.ndim - d]
    windows = a[(Ellipsis,) + tuple(index_per_axis)].reshape(lead + tuple(sizes) + (-1,))  # (*lead, *out, K)
    arg = windows.argmax(axis=-1) if windows.size else xp.zeros(windows.shape[:-1], dtype=np.int64)
    best = xp.take_along_axis(windows, arg[..., None], axis=-1)[..., 0]
    if not (return_indices or needs_grad(input)):
        return wrap(best)
    flat = xp.zeros(arg.shape, dtype=np.int64)
    rest = arg
    for j in reversed(range(d)):
        kj = rest % kernel[j]
        rest = rest // kernel[j]
        coord = index_per_axis[j].reshape(sizes[j], kernel[j])
        flat += coord[_axis_index(xp, sizes, j), kj] * int(np.prod(size[j + 1:]))
    indices = wrap(flat)
    out = result(best, (input,), lambda node, g: scatter_plane(g, node.indices, node.plane),
                 f"AdaptiveMaxPool{d}DBackward0", indices=indices, plane=tuple(size))
    return (out, indices) if return_indices else out


def _axis_index(xp, sizes, j):
    """The output position along axis ``j``, broadcastable against the output shape."""
    shape = [1] * len(sizes)
    shape[j] = sizes[j]
    return xp.arange(sizes[j]).reshape(shape)


def adaptive_max_pool1d(input, output_size, return_indices=False):
    return _adaptive_max(input, 1, output_size, return_indices, "adaptive_max_pool1d")


def adaptive_max_pool2d(input, output_size, return_indices=False):
    return _adaptive_max(input, 2, output_size, return_indices, "adaptive_max_pool2d")


def adaptive_max_pool3d(input, output_size, return_indices=False):
    return _adaptive_max(input, 3, output_size, return_indices, "adaptive_max_pool3d")


adaptive_max_pool1d_with_indices = adaptive_max_pool1d
adaptive_max_pool2d_with_indices = adaptive_max_pool2d
adaptive_max_pool3d_with_indices = adaptive_max_pool3d
