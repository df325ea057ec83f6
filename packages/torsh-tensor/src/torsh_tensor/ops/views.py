"""Views that share memory with their input: view/reshape, transpose/permute, squeeze, expand, narrow, ..."""

import numpy as np
from torsh_core.errors import ShapeError, TorshRuntimeError
from torsh_core.shape import normalize_dim, normalize_dims

from .._tensor import Tensor, _view_of, _wrap, needs_grad, record, record_multi


def _view(input, arr, backward, name, shares=True, **attrs):
    """Wrap ``arr`` (a view of ``input``'s array unless ``shares`` is False) and record ``backward`` if needed."""
    out = _view_of(arr, input) if shares else _wrap(arr)
    if needs_grad(input):
        node = record(out, backward, (input,), name)
        node.in_shape = input._data.shape
        for k, v in attrs.items():
            setattr(node, k, v)
    return out


def _shape_arg(shape):
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    return tuple(int(s) for s in shape)


def _infer(shape, numel, src_shape):
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
            raise TorshRuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
        shape[neg[0]] = numel // known
    elif known != numel:
        raise TorshRuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
    return tuple(shape)


def _reshape_backward(node, g):
    return g.reshape(node.in_shape)


def view(input, *shape):
    """Same memory, new shape; fails (like PyTorch) when the strides don't allow it."""
    if len(shape) == 1 and not isinstance(shape[0], (tuple, list, int)) and hasattr(shape[0], "np"):
        return view_dtype(input, shape[0])
    shape = _infer(_shape_arg(shape), input._data.size, input._data.shape)
    arr = input._data
    try:
        new = arr.view()
        new.shape = shape
    except AttributeError:
        raise TorshRuntimeError(
            "view size is not compatible with input tensor's size and stride (at least one dimension spans across "
            "two contiguous subspaces). Use .reshape(...) instead."
        ) from None
    return _view(input, new, _reshape_backward, "ViewBackward0")


def view_dtype(input, dtype):
    if dtype.itemsize != input._data.itemsize:
        raise TorshRuntimeError("view(dtype) with a different element size is not supported by torsh yet")
    return _view_of(input._data.view(dtype.np), input)


def view_as(input, other):
    return view(input, tuple(other.shape))


def reshape(input, *shape):
    """A view when possible, a copy otherwise."""
    shape = _infer(_shape_arg(shape), input._data.size, input._data.shape)
    if shape == input._data.shape:
        return _view(input, input._data.view(), _reshape_backward, "ViewBackward0") if needs_grad(
            input) else _view_of(input._data.view(), input)
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
    n = 1
    for d in shp[s:e + 1]:
        n *= d
    return reshape(input, shp[:s] + (n,) + shp[e + 1:])


def unflatten(input, dim, sizes):
    d = normalize_dim(dim, input._data.ndim)
    shp = input._data.shape
    sizes = _infer(tuple(sizes), shp[d], None)
    return view(input, shp[:d] + sizes + shp[d + 1:]) if input.is_contiguous() else reshape(
        input, shp[:d] + sizes + shp[d + 1:])


def ravel(input):
    return reshape(input, (-1,))


def _permute_backward(node, g):
    return g.permute(tuple(np.argsort(node.dims)))


def permute(input, *dims):
    dims = _shape_arg(dims)
    nd = input._data.ndim
    if len(dims) != nd:
        raise TorshRuntimeError(
            f"permute(sparse_coo): number of dimensions in the tensor input does not match the length of the desired "
            f"ordering of dimensions i.e. input.dim() = {nd} is not equal to len(dims) = {len(dims)}"
        )
    dims = normalize_dims(dims, nd)
    return _view(input, input._data.transpose(dims), _permute_backward, "PermuteBackward0", dims=dims)


def transpose(input, dim0, dim1):
    nd = input._data.ndim
    if nd == 0:
        return _view(input, input._data.view(), _reshape_backward, "TransposeBackward0")
    d0, d1 = normalize_dim(dim0, nd), normalize_dim(dim1, nd)
    dims = list(range(nd))
    dims[d0], dims[d1] = dims[d1], dims[d0]
    return _view(input, input._data.swapaxes(d0, d1), _transpose_backward, "TransposeBackward0", d=(d0, d1))


def _transpose_backward(node, g):
    return g.transpose(*node.d)


swapaxes = swapdims = transpose


def t(input):
    if input._data.ndim > 2:
        raise TorshRuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {input._data.ndim}D")
    return transpose(input, 0, 1) if input._data.ndim == 2 else _view(input, input._data.view(), _reshape_backward,
                                                                       "TBackward0")


def adjoint(input):
    return transpose(input, -2, -1).conj()


def movedim(input, source, destination):
    nd = input._data.ndim
    src = normalize_dims(source, nd)
    dst = normalize_dims(destination, nd)
    if len(src) != len(dst):
        raise TorshRuntimeError("movedim: Invalid source or destination dims")
    order = [d for d in range(nd) if d not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return permute(input, tuple(order))


moveaxis = movedim


def squeeze(input, dim=None):
    shp = input._data.shape
    if dim is None:
        new = tuple(s for s in shp if s != 1)
    else:
        dims = normalize_dims(dim, len(shp))
        new = tuple(s for i, s in enumerate(shp) if not (i in dims and s == 1))
    return _view(input, input._data.reshape(new), _reshape_backward, "SqueezeBackward0")


def unsqueeze(input, dim):
    nd = input._data.ndim
    d = normalize_dim(dim, nd + 1)
    shp = input._data.shape
    return _view(input, input._data.reshape(shp[:d] + (1,) + shp[d:]), _reshape_backward, "UnsqueezeBackward0")


def expand(input, *sizes):
    sizes = _shape_arg(sizes)
    shp = input._data.shape
    if len(sizes) < len(shp):
        raise TorshRuntimeError(
            f"expand(torch.FloatTensor{{{list(shp)}}}, size={list(sizes)}): the number of sizes provided "
            f"({len(sizes)}) must be greater or equal to the number of dimensions in the tensor ({len(shp)})"
        )
    off = len(sizes) - len(shp)
    target = []
    for i, s in enumerate(sizes):
        cur = shp[i - off] if i >= off else None
        if s == -1:
            if cur is None:
                raise TorshRuntimeError("The expanded size of the tensor (-1) isn't allowed in a leading, "
                                        "non-existing dimension")
            s = cur
        elif cur is not None and cur != s and cur != 1:
            raise TorshRuntimeError(
                f"The expanded size of the tensor ({s}) must match the existing size ({cur}) at non-singleton "
                f"dimension {i}.  Target sizes: {list(sizes)}.  Tensor sizes: {list(shp)}"
            )
        target.append(s)
    arr = np.broadcast_to(input._data, tuple(target))
    return _view(input, arr, _expand_backward, "ExpandBackward0")


def _expand_backward(node, g):
    return g.sum_to_size(node.in_shape)


def expand_as(input, other):
    return expand(input, tuple(other.shape))


def broadcast_to(input, shape):
    return expand(input, shape)


def narrow(input, dim, start, length):
    d = normalize_dim(dim, input._data.ndim)
    size = input._data.shape[d]
    start = int(start)
    if start < 0:
        start += size
    if not (0 <= start <= size) or length < 0 or start + length > size:
        raise TorshRuntimeError(
            f"start ({start}) + length ({length}) exceeds dimension size ({size})."
        )
    idx = (slice(None),) * d + (slice(start, start + length),)
    return input[idx]


def select(input, dim, index):
    nd = input._data.ndim
    if nd == 0:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    d = normalize_dim(dim, nd)
    size = input._data.shape[d]
    if not -size <= index < size:
        from torsh_core.errors import TorshIndexError

        raise TorshIndexError(
            f"select(): index {index} out of range for tensor of size {list(input._data.shape)} at dimension {d}"
        )
    return input[(slice(None),) * d + (index,)]


def unbind(input, dim=0):
    d = normalize_dim(dim, input._data.ndim)
    arr = input._data
    outs = [_view_of(arr[(slice(None),) * d + (i,)], input) for i in range(arr.shape[d])]
    if needs_grad(input):
        node = record_multi(outs, _unbind_backward, (input,), "UnbindBackward0")
        node.dim = d
    return tuple(outs)


def _unbind_backward(node, *grads):
    from .join import stack

    return stack(grads, node.dim)


def split(input, split_size_or_sections, dim=0):
    d = normalize_dim(dim, input._data.ndim)
    size = input._data.shape[d]
    if isinstance(split_size_or_sections, int):
        step = split_size_or_sections
        if step <= 0 and size > 0:
            raise TorshRuntimeError(f"split_size can only be 0 if dimension size is 0, but got dimension size of {size}")
        sizes = [min(step, size - s) for s in range(0, size, step)] if step > 0 else [0]
    else:
        sizes = [int(s) for s in split_size_or_sections]
        if sum(sizes) != size:
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
        outs.append(_view_of(arr[(slice(None),) * d + (slice(start, start + s),)], input))
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
    if isinstance(indices_or_sections, int):
        n = indices_or_sections
        if n <= 0:
            raise TorshRuntimeError(f"number of sections must be larger than 0, got {n}")
        q, r = divmod(size, n)
        sizes = [q + 1] * r + [q] * (n - r)
    else:
        idx = [0] + [min(max(int(i), 0), size) for i in indices_or_sections] + [size]
        sizes = [max(b - a, 0) for a, b in zip(idx[:-1], idx[1:])]
    return _split_at(input, d, sizes)


def chunk(input, chunks, dim=0):
    if chunks <= 0:
        raise TorshRuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    d = normalize_dim(dim, input._data.ndim)
    size = input._data.shape[d]
    step = -(-size // chunks) if size else 1
    return split(input, step, d) if size else split(input, [0], d)


def diagonal(input, offset=0, dim1=0, dim2=1):
    nd = input._data.ndim
    d1, d2 = normalize_dim(dim1, nd), normalize_dim(dim2, nd)
    if d1 == d2:
        raise TorshRuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    arr = np.diagonal(input._data, offset, d1, d2)
    return _view(input, arr, _diagonal_backward, "DiagonalBackward0", diag=(offset, d1, d2))


def _diagonal_backward(node, g):
    from ..creation import zeros

    offset, d1, d2 = node.diag
    z = zeros(node.in_shape, dtype=g.dtype, device=g.device)
    return z.diagonal_scatter(g, offset, d1, d2)


def diagonal_scatter(input, src, offset=0, dim1=0, dim2=1):
    """A copy of ``input`` with ``src`` written on the chosen diagonal (differentiable in both)."""
    res = input.clone()
    view_arr = np.diagonal(res._data, offset, dim1, dim2)
    view_arr = np.lib.stride_tricks.as_strided(view_arr, view_arr.shape, view_arr.strides, writeable=True)
    view_arr[...] = src._data
    if needs_grad(input, src):
        res.grad_fn = None
        res._rg = False
        node = record(res, _diag_scatter_backward, (input, src), "DiagonalScatterBackward0")
        node.diag = (offset, dim1, dim2)
    return res


def _diag_scatter_backward(node, g):
    offset, d1, d2 = node.diag
    gsrc = g.diagonal(offset, d1, d2)
    return g.diagonal_scatter(gsrc.new_zeros(gsrc.shape), offset, d1, d2), gsrc


def unfold(input, dimension, size, step):
    """Sliding windows of ``size`` every ``step`` along ``dimension`` (a new last dim)."""
    d = normalize_dim(dimension, input._data.ndim)
    n = input._data.shape[d] if input._data.ndim else 1
    if size > n:
        raise TorshRuntimeError(f"maximum size for tensor at dimension {d} is {n} but size is {size}")
    if step <= 0:
        raise TorshRuntimeError(f"step is {step} but must be > 0")
    count = (n - size) // step + 1
    idx = np.arange(count)[:, None] * step + np.arange(size)[None, :]
    from ..creation import tensor

    x = input.movedim(d, -1)[..., tensor(idx)]
    return x.movedim(-2, d)


def as_strided(input, size, stride, storage_offset=None):
    from torsh_core.errors import TorshNotImplementedError

    raise TorshNotImplementedError("as_strided is not supported by torsh (views are built by named view ops)")


def contiguous(input, memory_format=None):
    if input._data.flags.c_contiguous:
        return input
    return clone(input)


def clone(input, *, memory_format=None):
    out = _wrap(input._data.copy())
    if needs_grad(input):
        record(out, lambda node, g: g, (input,), "CloneBackward0")
    return out


def check_shape_equal(a, b, what):
    if a.shape != b.shape:
        raise ShapeError(f"{what}: shapes {tuple(a.shape)} and {tuple(b.shape)} differ")


def is_view_of(a, b):
    return isinstance(a, Tensor) and a._base is not None and a._base is (b._base or b)
