"""Joining and rearranging: cat, stack, flip, roll, repeat, tile, tril/triu, diag."""

import numpy as np
from torsh_core.errors import ShapeError, TorshRuntimeError, TorshTypeError, TorshValueError
from torsh_core.shape import broadcast_shapes, normalize_dim, normalize_dims

from .._operands import result_dtype
from .._tensor import Tensor, _wrap, needs_grad
from ._graph import record

__all__ = """
cat concat concatenate stack hstack vstack row_stack dstack column_stack flip fliplr flipud roll repeat tile
repeat_interleave tril triu diag diag_embed diagflat meshgrid cartesian_prod broadcast_tensors atleast_1d atleast_2d
atleast_3d rot90
""".split()


def _tensors(tensors, name):
    if isinstance(tensors, Tensor) or not isinstance(tensors, (list, tuple)):
        raise TorshTypeError(f"{name}(): argument 'tensors' must be tuple of Tensors, not {type(tensors).__name__}")
    if not tensors:
        raise TorshValueError(f"{name}(): expected a non-empty list of Tensors")
    for t in tensors:
        if not isinstance(t, Tensor):
            raise TorshTypeError(f"{name}(): expected Tensor as element, got {type(t).__name__}")
    devs = {t.device for t in tensors}
    if len(devs) > 1:
        from torsh_core.errors import DeviceError

        raise DeviceError(f"Expected all tensors to be on the same device, but found at least two devices, "
                          f"{', '.join(str(d) for d in devs)}!")
    return list(tensors)


def _common(tensors):
    dt = result_dtype(*tensors).np
    return [t._data if t._data.dtype == dt else t._data.astype(dt) for t in tensors]


def cat(tensors, dim=0, *, out=None):
    tensors = _tensors(tensors, "cat")
    # PyTorch skips legacy 1-D empty tensors when joining
    parts = [t for t in tensors if not (t._data.ndim == 1 and t._data.shape[0] == 0)] or tensors[:1]
    ref = parts[0]
    if ref._data.ndim == 0:
        raise TorshRuntimeError("zero-dimensional tensor (at position 0) cannot be concatenated")
    d = normalize_dim(dim, ref._data.ndim)
    for i, t in enumerate(parts):
        if t._data.ndim != ref._data.ndim:
            raise TorshRuntimeError(
                f"Tensors must have same number of dimensions: got {ref._data.ndim} and {t._data.ndim}"
            )
        for k in range(ref._data.ndim):
            if k != d and t._data.shape[k] != ref._data.shape[k]:
                raise ShapeError(
                    f"Sizes of tensors must match except in dimension {d}. Expected size {ref._data.shape[k]} but "
                    f"got size {t._data.shape[k]} for tensor number {i} in the list."
                )
    res = _wrap(np.concatenate(_common(parts), axis=d))
    if needs_grad(*parts):
        node = record(res, _cat_backward, parts, "CatBackward0")
        node.d = d
        node.sizes = [t._data.shape[d] for t in parts]
    if out is not None:
        from .arith import _maybe_out

        return _maybe_out(res, out)
    return res


def _cat_backward(node, g):
    return tuple(g.split(node.sizes, node.d))


concat = concatenate = cat


def stack(tensors, dim=0, *, out=None):
    tensors = _tensors(tensors, "stack")
    shape = tensors[0]._data.shape
    for i, t in enumerate(tensors):
        if t._data.shape != shape:
            raise ShapeError(
                f"stack expects each tensor to be equal size, but got {list(shape)} at entry 0 and "
                f"{list(t._data.shape)} at entry {i}"
            )
    d = normalize_dim(dim, len(shape) + 1)
    return cat([t.unsqueeze(d) for t in tensors], d, out=out)


def hstack(tensors):
    tensors = [t if t.ndim else t.reshape(1) for t in _tensors(tensors, "hstack")]
    return cat(tensors, 0 if tensors[0].ndim == 1 else 1)


def vstack(tensors):
    return cat([t if t.ndim >= 2 else t.reshape(1, -1) for t in _tensors(tensors, "vstack")], 0)


row_stack = vstack


def dstack(tensors):
    out = []
    for t in _tensors(tensors, "dstack"):
        if t.ndim == 0:
            t = t.reshape(1, 1, 1)
        elif t.ndim == 1:
            t = t.reshape(1, -1, 1)
        elif t.ndim == 2:
            t = t.unsqueeze(-1)
        out.append(t)
    return cat(out, 2)


def column_stack(tensors):
    return hstack([t.reshape(-1, 1) if t.ndim <= 1 else t for t in _tensors(tensors, "column_stack")])


def flip(input, dims, *more):
    """Reverse the order along ``dims`` (a copy, as in PyTorch)."""
    dims = normalize_dims((dims,) + more if more else dims, input._data.ndim)
    res = _wrap(np.flip(input._data, dims).copy() if dims else input._data.copy())
    if needs_grad(input):
        node = record(res, lambda n, g: g.flip(n.dims), (input,), "FlipBackward0")
        node.dims = dims
    return res


def fliplr(input):
    return flip(input, (1,))


def flipud(input):
    return flip(input, (0,))


def roll(input, shifts, dims=None):
    if dims is None:
        return roll(input.reshape(-1), shifts, 0).reshape(input.shape)
    if isinstance(shifts, int):
        shifts = (shifts,)
    if isinstance(dims, int):
        dims = (dims,)
    if len(shifts) != len(dims):
        raise TorshRuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, dims:{len(dims)}")
    dims = tuple(normalize_dim(d, input._data.ndim) for d in dims)
    res = _wrap(np.roll(input._data, shifts, dims))
    if needs_grad(input):
        node = record(res, lambda n, g: g.roll(tuple(-s for s in n.shifts), n.dims), (input,), "RollBackward0")
        node.shifts, node.dims = tuple(shifts), dims
    return res


def repeat(input, *sizes):
    if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)):
        sizes = tuple(sizes[0])
    if len(sizes) < input._data.ndim:
        raise TorshRuntimeError(
            "Number of dimensions of repeat dims can not be smaller than number of dimensions of tensor"
        )
    lead = len(sizes) - input._data.ndim
    x = input.reshape((1,) * lead + tuple(input.shape))
    # as a broadcast over interleaved unit dims, then reshape: autograd comes from expand/reshape
    inter = []
    target = []
    for s, n in zip(sizes, x.shape):
        inter += [1, n]
        target += [s, n]
    y = x.reshape(inter).expand(target)
    return y.reshape(tuple(s * n for s, n in zip(sizes, x.shape)))


def tile(input, dims, *more):
    dims = (dims,) + more if more else tuple(dims) if isinstance(dims, (tuple, list)) else (dims,)
    if len(dims) < input.ndim:
        dims = (1,) * (input.ndim - len(dims)) + dims
    return repeat(input, dims)


def repeat_interleave(input, repeats=None, dim=None, *, output_size=None):
    """Repeat each element (or slice along ``dim``) ``repeats`` times; one tensor argument repeats its indices."""
    if repeats is None:
        counts = input._data
        return _wrap(np.repeat(np.arange(counts.shape[0]), counts).astype(np.int64))
    if dim is None:
        input, dim = input.reshape(-1), 0
    d = normalize_dim(dim, input.ndim)
    reps = repeats._data if isinstance(repeats, Tensor) else np.full(input.shape[d], repeats)
    if reps.ndim and reps.shape[0] not in (1, input.shape[d]):
        raise TorshRuntimeError(f"repeats must have the same size as input along dim, but got repeats.size(0) = "
                                f"{reps.shape[0]} and input.size({d}) = {input.shape[d]}")
    if (reps < 0).any():
        raise TorshRuntimeError("repeats can not be negative")
    idx = np.repeat(np.arange(input.shape[d]), np.broadcast_to(reps, (input.shape[d],)))
    return input.index_select(d, _wrap(idx.astype(np.int64)))


def _tri(input, diagonal, upper):
    if input._data.ndim < 2:
        raise TorshRuntimeError(f"{'triu' if upper else 'tril'}: input tensor must have at least 2 dimensions")
    n, m = input._data.shape[-2:]
    mask = np.tri(n, m, diagonal - 1 if upper else diagonal, dtype=bool)
    if upper:
        mask = ~mask
    res = _wrap(np.where(mask, input._data, np.zeros((), input._data.dtype)))
    if needs_grad(input):
        node = record(res, _tri_backward, (input,), "TriuBackward0" if upper else "TrilBackward0")
        node.k, node.upper = diagonal, upper
    return res


def _tri_backward(node, g):
    return g.triu(node.k) if node.upper else g.tril(node.k)


def tril(input, diagonal=0):
    return _tri(input, diagonal, False)


def triu(input, diagonal=0):
    return _tri(input, diagonal, True)


def diag(input, diagonal=0):
    if input._data.ndim == 1:
        n = input._data.shape[0] + abs(diagonal)
        from ..creation import zeros

        z = zeros((n, n), dtype=input.dtype, device=input.device)
        return z.diagonal_scatter(input, diagonal, 0, 1)
    if input._data.ndim == 2:
        return input.diagonal(diagonal).clone()
    raise TorshRuntimeError(f"diag(): Supports 1D or 2D tensors. Got {input.ndim}D")


def diag_embed(input, offset=0, dim1=-2, dim2=-1):
    """Matrices (in dims ``dim1``, ``dim2`` of the result) with the last dim of ``input`` on a diagonal."""
    n = input.shape[-1] + abs(offset)
    nd = input.ndim + 1
    d1, d2 = normalize_dim(dim1, nd), normalize_dim(dim2, nd)
    if d1 == d2:
        raise TorshRuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    z = input.new_zeros(tuple(input.shape[:-1]) + (n, n))
    return z.diagonal_scatter(input, offset, -2, -1).movedim((-2, -1), (d1, d2))


def diagflat(input, offset=0):
    return diag(input.reshape(-1), offset)


def meshgrid(*tensors, indexing=None):
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    indexing = indexing or "ij"
    if indexing not in ("ij", "xy"):
        raise ValueError(f"meshgrid: indexing must be 'ij' or 'xy', got {indexing}")
    shape = [t.numel() for t in tensors]
    if indexing == "xy" and len(shape) >= 2:
        shape[0], shape[1] = shape[1], shape[0]
    outs = []
    for i, t in enumerate(tensors):
        pos = i
        if indexing == "xy" and len(tensors) >= 2 and i < 2:
            pos = 1 - i
        view_shape = [1] * len(tensors)
        view_shape[pos] = -1
        outs.append(t.reshape(view_shape).expand(shape))
    return tuple(outs)


def cartesian_prod(*tensors):
    grids = meshgrid(*tensors, indexing="ij")
    return stack([g.reshape(-1) for g in grids], 1) if len(tensors) > 1 else tensors[0]


def broadcast_tensors(*tensors):
    shape = broadcast_shapes(*(tuple(t.shape) for t in tensors))
    return tuple(t.expand(shape) for t in tensors)


def atleast_1d(t):
    return t if t.ndim >= 1 else t.reshape(1)


def atleast_2d(t):
    return t if t.ndim >= 2 else t.reshape(1, -1)


def atleast_3d(t):
    if t.ndim >= 3:
        return t
    if t.ndim == 2:
        return t.unsqueeze(-1)
    return t.reshape(1, -1, 1)


def rot90(input, k=1, dims=(0, 1)):
    k = k % 4
    d0, d1 = dims
    if k == 0:
        return input.clone()
    if k == 1:
        return input.flip(d1).transpose(d0, d1)
    if k == 2:
        return input.flip((d0, d1))
    return input.transpose(d0, d1).flip(d1)


