"""Shapes, strides and the broadcasting rules every op shares."""

from .errors import ShapeError, TorshIndexError, TorshRuntimeError, TorshTypeError, TorshValueError


class Size(tuple):
    """A tensor's shape: a tuple of ints that prints like ``torch.Size``."""

    __slots__ = ()

    def numel(self):
        n = 1
        for s in self:
            n *= s
        return n

    def __repr__(self):
        return f"torsh.Size({list(self)})"

    def __getitem__(self, item):
        r = tuple.__getitem__(self, item)
        return Size(r) if isinstance(item, slice) else r

    def __add__(self, other):
        return Size(tuple.__add__(self, tuple(other)))


def broadcast_shapes(*shapes):
    """The ``Size`` all ``shapes`` (tuples, or ints for 1-d shapes) broadcast to; ShapeError names the clash."""
    if len(shapes) == 2 and shapes[0] == shapes[1] and type(shapes[0]) is tuple and all(
            type(n) is int and n >= 0 for n in shapes[0]):
        return Size(shapes[0])
    shapes = [_as_shape(s) for s in shapes]
    ndim = max((len(s) for s in shapes), default=0)
    out = [1] * ndim
    for k, s in enumerate(shapes):
        off = ndim - len(s)
        for i, n in enumerate(s):
            cur = out[off + i]
            if cur == n or n == 1:
                continue
            if cur == 1:
                out[off + i] = n
                continue
            raise ShapeError(
                f"shape mismatch: objects cannot be broadcast to a single shape. The size {n} of shape {s} "
                f"(argument {k}) does not match size {cur} at non-singleton dimension {i - len(s)}"
            )
    return Size(out)


def _as_shape(s):
    """A shape tuple from a tuple/list/Size or a lone int; TypeError/ValueError for anything else."""
    if hasattr(s, "__index__") and not isinstance(s, bool):
        s = (s,)
    elif not isinstance(s, (tuple, list)):
        raise TorshTypeError(f"broadcast_shapes: expected a shape (tuple of ints) or an int, got {type(s).__name__}")
    out = []
    for n in s:
        if not hasattr(n, "__index__") or isinstance(n, bool):
            raise TorshTypeError(f"broadcast_shapes: shape {tuple(s)} has an element of type {type(n).__name__}")
        n = n.__index__()
        if n < 0:
            raise TorshValueError(f"Attempting to broadcast a dimension with negative length! (shape {tuple(s)})")
        out.append(n)
    return tuple(out)


def normalize_dim(dim, ndim):
    """``dim`` as a non-negative index into ``ndim`` dims; IndexError like PyTorch's when out of range."""
    if not isinstance(dim, int) or isinstance(dim, bool):
        if hasattr(dim, "__index__"):
            dim = dim.__index__()
        else:
            raise TorshTypeError(f"dim must be an int, got {type(dim).__name__}")
    n = ndim if ndim > 0 else 1
    if not -n <= dim < n:
        raise TorshIndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})")
    return dim + n if dim < 0 else dim


def normalize_dims(dims, ndim):
    """A tuple of distinct normalised dims; None means all dims."""
    if dims is None:
        return tuple(range(ndim))
    if isinstance(dims, int) or hasattr(dims, "__index__"):
        dims = (dims,)
    out = tuple(normalize_dim(d, ndim) for d in dims)
    if len(set(out)) != len(out):
        raise ShapeError(f"dim {dims} appears multiple times in the list of dims")
    if ndim == 0:
        return ()
    return out


def contiguous_strides(shape):
    """Row-major strides of ``shape`` in elements."""
    strides = []
    acc = 1
    for n in reversed(shape):
        strides.append(acc)
        acc *= max(n, 1)
    return tuple(reversed(strides))


def check_shape(shape):
    """A tuple of non-negative ints from ints, tuples, lists or Size; ValueError otherwise."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = shape[0]
    out = []
    for n in shape:
        if not hasattr(n, "__index__") or isinstance(n, bool):
            raise TorshTypeError(f"size must be a sequence of ints, got an element of type {type(n).__name__}")
        n = n.__index__()
        if n < 0:
            raise TorshRuntimeError(f"Trying to create tensor with negative dimension {n}: {list(shape)}")
        out.append(n)
    return tuple(out)
