"""Views that share memory with their input: view/reshape, transpose/permute, squeeze, expand, narrow, ..."""

import math
import weakref

import numpy as np
from torsh_autograd.grad_mode import is_grad_enabled
from torsh_core.errors import TorshIndexError, TorshNotImplementedError, TorshRuntimeError
from torsh_core.shape import normalize_dim, normalize_dims

from .._tensor import _view_of, _wrap, needs_grad
from ._graph import record, record_multi

__all__ = """
view view_as reshape reshape_as flatten unflatten ravel permute transpose swapaxes swapdims t adjoint movedim moveaxis
squeeze unsqueeze expand expand_as broadcast_to narrow select unbind split split_with_sizes tensor_split chunk
diagonal diagonal_scatter unfold as_strided contiguous clone
""".split()


def view_of(arr, base):
    """A Tensor viewing ``base``'s memory through ``arr``; in-place writes to it reach ``base``'s history.

    While grad mode is on, the root base keeps a weak set of its views so that an in-place write can give the
    views it changed a history through the new base (as PyTorch regenerates a view's grad_fn).
    """
    t = _view_of(arr, base)
    t._diff_view = True
    if is_grad_enabled():
        root = t._base
        views = root.__dict__.get("_views")
        if views is None:
            views = root._views = weakref.WeakSet()
        views.add(t)
    return t


def _view(input, arr, backward, name, shares=True, **attrs):
    """Wrap ``arr`` (a view of ``input``'s array unless ``shares`` is False) and record ``backward`` if needed."""
    out = view_of(arr, input) if shares else _wrap(arr)
    if needs_grad(input):
        node = record(out, backward, (input,), name)
        node.in_shape = input._data.shape
        for k, v in attrs.items():
            setattr(node, k, v)
    return out


def _shape_arg(shape):
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = shape[0]
    return tuple(map(int, shape))


def _infer(shape, numel):
    """``shape`` with a -1 entry replaced by what makes ``numel`` elements."""
    if -1 not in shape and math.prod(shape) == numel and (not shape or min(shape) >= 0):
        return shape
    shape = list(shape)
    neg = [i for i, s in enumerate(shape) if s == -1]
    if len(neg) > 1:
        raise TorshRuntimeError("only one dimension can be inferred")
    known = 1
    for s in shape:
        if s != -1:
            if s < 0:
                raise TorshRuntimeError(f"invalid shape dimension {s}")
            known *= s
    if neg:
        if known == 0 or numel % known:
            raise TorshRuntimeError(f"shape '{shape}' is invalid for input of size {numel}")
        shape[neg[0]] = numel // known
    elif known != numel:
        raise TorshRuntimeError(f"shape '{shape}' is invalid for input of size {numel}")
    return tuple(shape)


def _reshape_backward(node, g):
    return g.reshape(node.in_shape)


def view(input, *shape):
    """Same memory, new shape; fails (like PyTorch) when the strides don't allow it."""
    if len(shape) == 1 and hasattr(shape[0], "np") and hasattr(shape[0], "itemsize"):
        return _view_dtype(input, shape[0])
    shape = _infer(_shape_arg(shape), input._data.size)
    try:
        arr = np.reshape(input._data, shape, copy=False)
    except ValueError:
        raise TorshRuntimeError(
            "view size is not compatible with input tensor's size and stride (at least one dimension spans across "
            "two contiguous subspaces). Use .reshape(...) instead."
        ) from None
    return _view(input, arr, _reshape_backward, "ViewBackward0")


def _view_dtype(input, dtype):
    if dtype.itemsize != input._data.itemsize:
        raise TorshNotImplementedError("view(dtype) with a different element size is not supported by torsh yet")
    if needs_grad(input):
        raise TorshRuntimeError("view(dtype) of a tensor that requires grad is not differentiable")
    return view_of(input._data.view(dtype.np), input)


def view_as(input, other):
    return view(input, tuple(other.shape))


def reshape(input, *shape):
    """A view when the strides allow it, a copy otherwise."""
    shape = _infer(_shape_arg(shape), input._data.size)
    arr = input._data.reshape(shape)
    shares = np.may_share_memory(arr, input._data)
    return _view(input, arr, _reshape_backward, "ViewBackward0" if shares else "UnsafeViewBackward0", shares=shares)


def reshape_as(input, other):
    return reshape(input, tuple(other.shape))


def flatten(input, start_dim=0, end_dim=-1):
    nd = input._data.ndim
    if nd == 0:
        return reshape(input, (1,))
    s, e = normalize_dim(start_dim, nd), normalize_dim(end_dim, nd)
    if s > e:
        raise TorshRuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    shp = input._data.shape
    return reshape(input, shp[:s] + (int(np.prod(shp[s:e + 1])),) + shp[e + 1:])


def unflatten(input, dim, sizes):
    d = normalize_dim(dim, input._data.ndim)
    shp = input._data.shape
    sizes = tuple(int(s) for s in sizes)
    try:
        sizes = _infer(sizes, shp[d])
    except TorshRuntimeError:
        raise TorshRuntimeError(f"unflatten: Provided sizes {list(sizes)} don't multiply up to the size of dim {d} "
                                f"({shp[d]}) in the input tensor") from None
    return reshape(input, shp[:d] + sizes + shp[d + 1:])


def ravel(input):
    return reshape(input, (-1,))


def permute(input, *dims):
    dims = _shape_arg(dims)
    nd = input._data.ndim
    if len(dims) != nd:
        raise TorshRuntimeError(f"permute(): number of dims don't match in permute: the tensor has {nd} dims but "
                                f"{len(dims)} were given")
    dims = tuple(normalize_dim(d, nd) for d in dims)
    if len(set(dims)) != len(dims):
        raise TorshRuntimeError("permute(): duplicate dims are not allowed.")
    return _view(input, input._data.transpose(dims), _permute_backward, "PermuteBackward0", dims=dims)


def _permute_backward(node, g):
    return g.permute(tuple(int(i) for i in np.argsort(node.dims)))


def transpose(input, dim0, dim1):
    nd = input._data.ndim
    d0, d1 = normalize_dim(dim0, nd), normalize_dim(dim1, nd)
    if nd == 0:
        return _view(input, input._data.view(), _reshape_backward, "TransposeBackward0")
    return _view(input, input._data.swapaxes(d0, d1), _transpose_backward, "TransposeBackward0", d=(d0, d1))


def _transpose_backward(node, g):
    return g.transpose(*node.d)


swapaxes = swapdims = transpose


def t(input):
    nd = input._data.ndim
    if nd > 2:
        raise TorshRuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {nd}D")
    return transpose(input, 0, 1) if nd == 2 else _view(input, input._data.view(), _reshape_backward, "TBackward0")


def adjoint(input):
    return transpose(input, -2, -1).conj()


def movedim(input, source, destination):
    nd = input._data.ndim
    src = normalize_dims(source, nd)
    dst = normalize_dims(destination, nd)
    if len(src) != len(dst):
        raise TorshRuntimeError(
            f"movedim: Invalid source or destination dims: source ({list(src)} dims) should contain the same number "
            f"of dims as destination ({list(dst)} dims)"
        )
    order = [d for d in range(nd) if d not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return permute(input, tuple(order))


moveaxis = movedim


def squeeze(input, dim=None):
    shp = input._data.shape
    dims = range(len(shp)) if dim is None else normalize_dims(dim, len(shp))
    new = tuple(s for i, s in enumerate(shp) if not (i in dims and s == 1))
    return _view(input, input._data.reshape(new), _reshape_backward, "SqueezeBackward0")


def unsqueeze(input, dim):
    nd = input._data.ndim
    d = normalize_dim(dim, nd + 1)
    shp = input._data.shape
    return _view(input, input._data.reshape(shp[:d] + (1,) + shp[d:]), _reshape_backward, "UnsqueezeBackward0")


def expand(input, *sizes):
    """A broadcast view (stride 0 along expanded dims); -1 keeps a size."""
    sizes = _shape_arg(sizes)
    shp = input._data.shape
    if len(sizes) < len(shp):
        raise TorshRuntimeError(
            f"expand({input.dtype.name} tensor of shape {list(shp)}, size={list(sizes)}): the number of sizes "
            f"provided ({len(sizes)}) must be greater or equal to the number of dimensions in the tensor ({len(shp)})"
        )
    off = len(sizes) - len(shp)
    target = []
    for i, s in enumerate(sizes):
        cur = shp[i - off] if i >= off else None
        if s == -1 and cur is None:
            raise TorshRuntimeError("The expanded size of the tensor (-1) isn't allowed in a leading, non-existing "
                                    "dimension 0")
        if s == -1:
            s = cur
        elif s < 0 or (cur is not None and cur != s and cur != 1):
            raise TorshRuntimeError(
                f"The expanded size of the tensor ({s}) must match the existing size ({cur}) at non-singleton "
                f"dimension {i}.  Target sizes: {list(sizes)}.  Tensor sizes: {list(shp)}"
            )
        target.append(s)
    return _view(input, _broadcast(input._data, tuple(target)), _expand_backward, "ExpandBackward0")


def _broadcast(arr, shape):
    """``np.broadcast_to(arr, shape)`` (a read-only view): for a C-contiguous NumPy array the ndarray constructor
    makes it ten times faster (a loss's gradient is expanded once per backward)."""
    if type(arr) is not np.ndarray or not arr.flags.c_contiguous or not arr.size:
        return np.broadcast_to(arr, shape)
    strides = [0] * (len(shape) - arr.ndim)
    for n, st in zip(arr.shape, arr.strides):
        strides.append(0 if n == 1 else st)
    view = np.ndarray(shape, arr.dtype, arr, 0, tuple(strides))
    view.flags.writeable = False
    return view


def _expand_backward(node, g):
    return g.sum_to_size(node.in_shape)


def expand_as(input, other):
    return expand(input, tuple(other.shape))


def broadcast_to(input, size):
    return expand(input, tuple(size))


def narrow(input, dim, start, length):
    nd = input._data.ndim
    if nd == 0:
        raise TorshRuntimeError("narrow() cannot be applied to a 0-dim tensor.")
    d = normalize_dim(dim, nd)
    size = input._data.shape[d]
    start, length = int(start), int(length)
    if not -size <= start <= size:
        raise TorshIndexError(f"start out of range (expected to be in range of [{-size}, {size}], but got {start})")
    if start < 0:
        start += size
    if length < 0 or start + length > size:
        raise TorshRuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({size}).")
    return input[(slice(None),) * d + (slice(start, start + length),)]


def select(input, dim, index):
    nd = input._data.ndim
    if nd == 0:
        raise TorshIndexError("select() cannot be applied to a 0-dim tensor.")
    d = normalize_dim(dim, nd)
    size = input._data.shape[d]
    index = int(index)
    if not -size <= index < size:
        raise TorshIndexError(
            f"select(): index {index} out of range for tensor of size {list(input._data.shape)} at dimension {d}"
        )
    return input[(slice(None),) * d + (index,)]


def unbind(input, dim=0):
    if input._data.ndim == 0:
        raise TorshIndexError("Dimension specified as 0 but tensor has no dimensions")
    d = normalize_dim(dim, input._data.ndim)
    arr = input._data
    outs = [view_of(arr[(slice(None),) * d + (i,)], input) for i in range(arr.shape[d])]
    if needs_grad(input) and outs:
        node = record_multi(outs, _unbind_backward, (input,), "UnbindBackward0")
        node.dim = d
    return tuple(outs)


def _unbind_backward(node, *grads):
    from .join import stack

    return stack(grads, node.dim)


def split(input, split_size_or_sections, dim=0):
    if input._data.ndim == 0:
        raise TorshRuntimeError("split expects at least a 1-dimensional tensor")
    d = normalize_dim(dim, input._data.ndim)
    size = input._data.shape[d]
    if isinstance(split_size_or_sections, int):
        step = split_size_or_sections
        if step < 0 or (step == 0 and size > 0):
            raise TorshRuntimeError(
                f"split_size can only be 0 if dimension size is 0, but got dimension size of {size}")
        sizes = [min(step, size - s) for s in range(0, size, step)] if step > 0 and size else [0]
    else:
        sizes = [int(s) for s in split_size_or_sections]
        if sum(sizes) != size or any(s < 0 for s in sizes):
            raise TorshRuntimeError(
                f"split_with_sizes expects split_sizes to sum exactly to {size} (input tensor's size at dimension "
                f"{d}), but got split_sizes={sizes}"
            )
    return _split_at(input, d, sizes)


def _split_at(input, d, sizes):
    arr = input._data
    outs = []
    start = 0
    for s in sizes:
        outs.append(view_of(arr[(slice(None),) * d + (slice(start, start + s),)], input))
        start += s
    if needs_grad(input):
        node = record_multi(outs, _split_backward, (input,), "SplitBackward0")
        node.dim = d
    return tuple(outs)


def _split_backward(node, *grads):
    from .join import cat

    return cat(grads, node.dim)


def split_with_sizes(input, split_sizes, dim=0):
    return split(input, list(split_sizes), dim)


def tensor_split(input, indices_or_sections, dim=0):
    d = normalize_dim(dim, input._data.ndim)
    size = input._data.shape[d]
    if hasattr(indices_or_sections, "tolist"):
        indices_or_sections = indices_or_sections.tolist()
    if isinstance(indices_or_sections, int):
        n = indices_or_sections
        if n <= 0:
            raise TorshRuntimeError(f"number of sections must be larger than 0, got {n}")
        q, r = divmod(size, n)
        sizes = [q + 1] * r + [q] * (n - r)
    else:
        bounds = [0] + [min(max(int(i) + (size if i < 0 else 0), 0), size) for i in indices_or_sections] + [size]
        sizes = [max(b - a, 0) for a, b in zip(bounds[:-1], bounds[1:])]
        starts = bounds[:-1]
        return _split_starts(input, d, starts, sizes)
    return _split_at(input, d, sizes)


def _split_starts(input, d, starts, sizes):
    """Pieces at arbitrary starts (tensor_split indices may go backwards, giving empty pieces)."""
    return tuple(narrow(input, d, min(s, input._data.shape[d]), n) for s, n in zip(starts, sizes))


def chunk(input, chunks, dim=0):
    if chunks <= 0:
        raise TorshRuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    d = normalize_dim(dim, input._data.ndim)
    size = input._data.shape[d]
    if size == 0:
        return _split_at(input, d, [0] * chunks)
    return split(input, -(-size // chunks), d)


# diagonals ----------------------------------------------------------------------------------------------------
def _diagonal_view(arr, offset, d1, d2):
    """A writeable strided view of a diagonal of ``arr`` (np.diagonal's is read-only), as the last dim."""
    moved = np.moveaxis(arr, (d1, d2), (-2, -1))
    moved = moved[..., :, offset:] if offset >= 0 else moved[..., -offset:, :]
    n = max(min(moved.shape[-2], moved.shape[-1]), 0)
    shape = moved.shape[:-2] + (n,)
    strides = moved.strides[:-2] + (moved.strides[-2] + moved.strides[-1],)
    return np.lib.stride_tricks.as_strided(moved, shape, strides, writeable=arr.flags.writeable)


def _diag_dims(input, dim1, dim2):
    nd = input._data.ndim
    d1, d2 = normalize_dim(dim1, nd), normalize_dim(dim2, nd)
    if d1 == d2:
        raise TorshRuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return d1, d2


def diagonal(input, offset=0, dim1=0, dim2=1):
    d1, d2 = _diag_dims(input, dim1, dim2)
    arr = _diagonal_view(input._data, offset, d1, d2)
    return _view(input, arr, _diagonal_backward, "DiagonalBackward0", diag=(offset, d1, d2))


def _diagonal_backward(node, g):
    offset, d1, d2 = node.diag
    return g.new_zeros(node.in_shape).diagonal_scatter(g, offset, d1, d2)


def diagonal_scatter(input, src, offset=0, dim1=0, dim2=1):
    """A copy of ``input`` with ``src`` written on the chosen diagonal (differentiable in both)."""
    d1, d2 = _diag_dims(input, dim1, dim2)
    res = _wrap(input._data.copy())
    target = _diagonal_view(res._data, offset, d1, d2)
    if tuple(src.shape) != target.shape:
        raise TorshRuntimeError(f"diagonal_scatter: expected src to have a size equal to the slice of self. src size "
                                f"= {list(src.shape)}, slice size = {list(target.shape)}")
    target[...] = src._data
    if needs_grad(input, src):
        node = record(res, _diag_scatter_backward, (input, src), "DiagonalScatterBackward0")
        node.diag = (offset, d1, d2)
    return res


def _diag_scatter_backward(node, g):
    offset, d1, d2 = node.diag
    gsrc = g.diagonal(offset, d1, d2)
    gx = g.diagonal_scatter(gsrc.new_zeros(gsrc.shape), offset, d1, d2) if node.next_functions[0] else None
    return gx, (gsrc if node.next_functions[1] else None)


def unfold(input, dimension, size, step):
    """Sliding windows of ``size`` every ``step`` along ``dimension`` (a new last dim), as a strided view."""
    arr = input._data
    d = normalize_dim(dimension, arr.ndim)
    n = arr.shape[d] if arr.ndim else 1
    if size > n:
        raise TorshRuntimeError(f"maximum size for tensor at dimension {d} is {n} but size is {size}")
    if step <= 0:
        raise TorshRuntimeError(f"step is {step} but must be > 0")
    if arr.ndim == 0:
        return _view(input, arr.reshape(1), _reshape_backward, "UnfoldBackward0")
    count = (n - size) // step + 1
    shape = arr.shape[:d] + (count,) + arr.shape[d + 1:] + (size,)
    strides = arr.strides[:d] + (arr.strides[d] * step,) + arr.strides[d + 1:] + (arr.strides[d],)
    writeable = arr.flags.writeable and step >= size
    win = np.lib.stride_tricks.as_strided(arr, shape, strides, writeable=writeable)
    return _view(input, win, _unfold_backward, "UnfoldBackward0", win=(d, size, step, count))


def _unfold_backward(node, g):
    """Windows overlap when step < size: their gradients add up (index_add of each window position)."""
    from ..creation import tensor

    d, size, step, count = node.win
    idx = (np.arange(count)[:, None] * step + np.arange(size)[None, :]).reshape(-1)
    parts = g.movedim(-1, d + 1)
    parts = parts.reshape(parts.shape[:d] + (count * size,) + parts.shape[d + 2:])
    return g.new_zeros(node.in_shape).index_add(d, tensor(idx), parts)


def as_strided(input, size, stride, storage_offset=None):
    raise TorshNotImplementedError("as_strided is not supported by torsh (views are built by named view ops)")


def contiguous(input, memory_format=None):
    if input._data.flags.c_contiguous:
        return input
    return clone(input)


def clone(input, *, memory_format=None):
    out = _wrap(np.array(input._data, copy=True, order="C") if type(input._data) is np.ndarray else input._data.copy())
    if needs_grad(input):
        record(out, lambda node, g: g, (input,), "CloneBackward0")
    return out
