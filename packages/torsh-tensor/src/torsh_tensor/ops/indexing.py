"""Indexing: tensor[...] get/set, gather/scatter, index_select/index_add, masked ops, where, nonzero, take."""

import numpy as np
from torsh_core.errors import TorshIndexError, TorshRuntimeError
from torsh_core.shape import normalize_dim

from .._operands import as_scalar, binary_arrays, wrap_result
from .._tensor import Tensor, _view_of, _wrap, needs_grad, record
from ._inplace import check_inplace_allowed, write_inplace


def _convert_index(index):
    """A NumPy index from a torsh one; also tells whether it is basic (gives a view)."""
    if not isinstance(index, tuple):
        index = (index,)
    out = []
    basic = True
    for i in index:
        if isinstance(i, Tensor):
            arr = i._data
            if arr.dtype.kind not in "biu":
                raise TorshIndexError("tensors used as indices must be long, int, byte or bool tensors")
            if arr.ndim == 0 and arr.dtype.kind != "b":
                out.append(int(arr))
                continue
            out.append(arr)
            basic = False
        elif isinstance(i, (list, np.ndarray)):
            arr = np.asarray(i)
            if arr.dtype.kind == "f":
                raise TorshIndexError("tensors used as indices must be long, int, byte or bool tensors")
            out.append(arr if arr.size else arr.astype(np.int64))
            basic = False
        elif isinstance(i, bool):
            out.append(i)
            basic = False
        elif i is None or i is Ellipsis or isinstance(i, (int, slice)):
            if isinstance(i, slice) and i.step is not None and i.step <= 0:
                raise ValueError("step must be greater than zero")
            out.append(i)
        elif hasattr(i, "__index__"):
            out.append(i.__index__())
        else:
            raise TorshIndexError(
                f"only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are valid indices "
                f"(got {type(i).__name__})"
            )
    return tuple(out), basic


def _np_get(arr, idx):
    try:
        return arr[idx]
    except IndexError as e:
        raise TorshIndexError(str(e)) from None


def getitem(input, index):
    idx, basic = _convert_index(index)
    if basic and Ellipsis not in idx:
        idx = idx + (Ellipsis,)
    res = _np_get(input._data, idx)
    out = _view_of(res, input) if basic else _wrap(wrap_result(res))
    if needs_grad(input):
        node = record(out, _getitem_backward, (input,), "SliceBackward0" if basic else "IndexBackward0")
        node.idx = idx
        node.in_shape = input._data.shape
    return out


def _getitem_backward(node, g):
    return _index_put_new(node.in_shape, node.idx, g)


def _index_put_new(shape, idx, g):
    """zeros(shape) with ``g`` added at ``idx`` (duplicates accumulate); differentiable in ``g``."""
    from ..creation import zeros

    z = zeros(shape, dtype=g.dtype, device=g.device)
    np.add.at(z._data, idx, g._data) if type(z._data) is np.ndarray else _cupy_add_at(z._data, idx, g._data)
    if needs_grad(g):
        node = record(z, lambda n, gg: gg[n.idx], (g,), "IndexPutBackward0")
        node.idx = idx
    return z


def _cupy_add_at(dst, idx, src):
    import cupyx

    cupyx.scatter_add(dst, idx, src)


def setitem(input, index, value):
    """``input[index] = value`` in place, recording the graph when needed."""
    idx, _ = _convert_index(index)
    if needs_grad(input, value):
        return _setitem_graph(input, idx, value)
    val = value._data if isinstance(value, Tensor) else value
    try:
        input._data[idx] = val
    except IndexError as e:
        raise TorshIndexError(str(e)) from None
    except ValueError as e:
        raise TorshRuntimeError(f"shape mismatch in tensor assignment: {e}") from None
    input._version[0] += 1


def _setitem_graph(input, idx, value):
    from torsh_core.errors import TorshNotImplementedError

    check_inplace_allowed(input)
    if input._base is not None and (input._base._rg or input._rg):
        raise TorshNotImplementedError(
            "assigning into a view of a tensor that requires grad is not supported by torsh yet; index the base "
            "tensor directly (x[i, j] = v) or build the result out of place (torch.where / torch.cat)"
        )
    new = input._data.copy()
    val = value._data if isinstance(value, Tensor) else value
    try:
        new[idx] = val
    except IndexError as e:
        raise TorshIndexError(str(e)) from None
    out = _wrap(new)
    node = record(out, _setitem_backward, (input, value if isinstance(value, Tensor) else None), "IndexPutBackward0")
    node.idx = idx
    node.value_shape = tuple(value.shape) if isinstance(value, Tensor) else ()
    write_inplace(input, out)


def _setitem_backward(node, g):
    gx = None
    if node.next_functions[0] is not None:
        gx = g.clone()
        gx._data[node.idx] = 0
        if g.requires_grad:
            mask = g.new_ones(g.shape)
            mask._data[node.idx] = 0
            gx = g * mask
    gv = None
    if node.next_functions[1] is not None:
        gv = g[node.idx].sum_to_size(node.value_shape) if node.value_shape else g[node.idx].sum()
    return gx, gv


# gather / scatter ---------------------------------------------------------------------------------------------
def _check_index(index, name):
    if not isinstance(index, Tensor):
        raise TypeError(f"{name}(): argument 'index' must be Tensor, not {type(index).__name__}")
    if index._data.dtype != np.int64:
        raise TorshRuntimeError(f"{name}(): Expected dtype int64 for index")


def _along_dim(input_shape, index, d, name):
    """Full fancy-index tuple for an index tensor used along ``d`` (gather/scatter addressing)."""
    idx = index._data
    if idx.ndim != len(input_shape) and not (idx.ndim <= 1 and len(input_shape) <= 1):
        raise TorshRuntimeError(f"Index tensor must have the same number of dimensions as input tensor")
    size = input_shape[d] if input_shape else 1
    if idx.size and (idx.min() < -size or idx.max() >= size) or (idx.size and idx.min() < 0):
        bad = idx[(idx < 0) | (idx >= size)].reshape(-1)[0]
        raise TorshRuntimeError(f"{name}(): index {bad} is out of bounds for dimension {d} with size {size}")
    grids = list(np.indices(idx.shape, sparse=True)) if idx.ndim else []
    if not grids:
        return (idx,) if input_shape else ()
    grids[d] = idx
    return tuple(grids)


def gather(input, dim, index, *, sparse_grad=False):
    _check_index(index, "gather")
    d = normalize_dim(dim, input._data.ndim)
    full = _along_dim(input._data.shape, index, d, "gather")
    for i, (a, b) in enumerate(zip(index._data.shape, input._data.shape)):
        if i != d and a > b:
            raise TorshRuntimeError(
                f"Size does not match at dimension {i} expected index {list(index.shape)} to be smaller than self "
                f"{list(input.shape)} apart from dimension {d}"
            )
    out = _wrap(wrap_result(input._data[full] if full else input._data.copy()))
    if needs_grad(input):
        node = record(out, _gather_backward, (input,), "GatherBackward0")
        node.d = d
        node.index = index
        node.in_shape = input._data.shape
    return out


def _gather_backward(node, g):
    from ..creation import zeros

    return zeros(node.in_shape, dtype=g.dtype, device=g.device).scatter_add(node.d, node.index, g)


def take_along_dim(input, indices, dim=None):
    if dim is None:
        return input.reshape(-1).gather(0, indices.reshape(-1))
    shape = np.broadcast_shapes(tuple(input.shape), tuple(indices.shape))
    return input.expand(shape).gather(dim, indices.expand(shape))


def scatter(input, dim, index, src=None, *, value=None, reduce=None):
    """A copy of ``input`` with ``src`` (or ``value``) written at ``index`` along ``dim``."""
    if src is not None and not isinstance(src, Tensor):
        value, src = src, None
    if reduce is not None:
        if reduce not in ("add", "multiply"):
            raise TorshRuntimeError(f"reduce argument must be either add or multiply, got {reduce}")
        if reduce == "add":
            return scatter_add(input, dim, index, src if src is not None else input.new_full(index.shape, value))
        return _scatter_multiply(input, dim, index, src if src is not None else input.new_full(index.shape, value))
    _check_index(index, "scatter")
    d = normalize_dim(dim, input._data.ndim)
    full = _along_dim(input._data.shape, index, d, "scatter")
    new = input._data.copy()
    if src is not None:
        sl = tuple(slice(0, s) for s in index._data.shape)
        new[full] = src._data[sl].astype(new.dtype, copy=False)
    else:
        new[full] = value
    out = _wrap(new)
    if needs_grad(input, src):
        node = record(out, _scatter_backward, (input, src), "ScatterBackward0")
        node.d = d
        node.index = index
        node.src_shape = tuple(src.shape) if src is not None else None
    return out


def _scatter_backward(node, g):
    gx = g.scatter(node.d, node.index, 0.0) if node.next_functions[0] is not None else None
    gs = None
    if node.next_functions[1] is not None:
        gs = _pad_to(g.gather(node.d, node.index), node.src_shape)
    return gx, gs


def _pad_to(t, shape):
    if tuple(t.shape) == tuple(shape):
        return t
    from .. import creation

    z = creation.zeros(shape, dtype=t.dtype, device=t.device)
    sl = tuple(slice(0, s) for s in t.shape)
    z[sl] = t
    return z


def scatter_add(input, dim, index, src):
    _check_index(index, "scatter_add")
    d = normalize_dim(dim, input._data.ndim)
    full = _along_dim(input._data.shape, index, d, "scatter_add")
    new = input._data.copy()
    sl = tuple(slice(0, s) for s in index._data.shape)
    vals = src._data[sl].astype(new.dtype, copy=False)
    if type(new) is np.ndarray:
        np.add.at(new, full, vals)
    else:
        _cupy_add_at(new, full, vals)
    out = _wrap(new)
    if needs_grad(input, src):
        node = record(out, _scatter_add_backward, (input, src), "ScatterAddBackward0")
        node.d = d
        node.index = index
        node.src_shape = tuple(src.shape)
    return out


def _scatter_add_backward(node, g):
    gs = _pad_to(g.gather(node.d, node.index), node.src_shape) if node.next_functions[1] is not None else None
    return g, gs


def _scatter_multiply(input, dim, index, src):
    d = normalize_dim(dim, input._data.ndim)
    full = _along_dim(input._data.shape, index, d, "scatter")
    new = input._data.copy()
    sl = tuple(slice(0, s) for s in index._data.shape)
    np.multiply.at(new, full, src._data[sl])
    if needs_grad(input, src):
        from torsh_core.errors import TorshNotImplementedError

        raise TorshNotImplementedError("scatter(reduce='multiply') has no gradient in torsh (nor in PyTorch)")
    return _wrap(new)


def scatter_reduce(input, dim, index, src, reduce, *, include_self=True):
    if reduce == "sum":
        if not include_self:
            input = input.scatter(dim, index, 0.0)
        return scatter_add(input, dim, index, src)
    from torsh_core.errors import TorshNotImplementedError

    raise TorshNotImplementedError(f"scatter_reduce(reduce={reduce!r}) is not supported by torsh yet (only 'sum')")


# index_select / index_add -------------------------------------------------------------------------------------
def _check_select_index(index, size, name):
    if not isinstance(index, Tensor):
        raise TypeError(f"{name}(): argument 'index' must be Tensor, not {type(index).__name__}")
    if index._data.dtype.kind not in "iu":
        raise TorshRuntimeError(f"{name}(): Expected dtype int32/int64 for index")
    if index._data.ndim > 1:
        raise TorshIndexError(f"{name}(): Index is supposed to be a vector")
    idx = index._data.reshape(-1)
    if idx.size and (idx.min() < -size or idx.max() >= size):
        raise TorshIndexError(f"index out of range in self")
    return idx


def index_select(input, dim, index):
    d = normalize_dim(dim, input._data.ndim)
    size = input._data.shape[d] if input._data.ndim else 1
    idx = _check_select_index(index, size, "index_select")
    arr = input._data if input._data.ndim else input._data.reshape(1)
    out = _wrap(wrap_result(np.take(arr, idx, axis=d)))
    if input._data.ndim == 0:
        out = _wrap(out._data.reshape(()) if index._data.ndim == 0 else out._data)
    if needs_grad(input):
        node = record(out, _index_select_backward, (input,), "IndexSelectBackward0")
        node.d = d
        node.index = index
        node.in_shape = input._data.shape
    return out


def _index_select_backward(node, g):
    from ..creation import zeros

    if not node.in_shape:
        return g.sum()
    return zeros(node.in_shape, dtype=g.dtype, device=g.device).index_add(node.d, node.index.reshape(-1), g)


def index_add(input, dim, index, source, *, alpha=1):
    d = normalize_dim(dim, input._data.ndim)
    idx = _check_select_index(index, input._data.shape[d] if input._data.ndim else 1, "index_add")
    if source._data.ndim and source._data.shape[d] != idx.size:
        raise TorshIndexError(
            f"index_add_(): Number of indices ({idx.size}) should be equal to source.size(dim) "
            f"({source._data.shape[d]})"
        )
    new = input._data.copy()
    vals = source._data if alpha == 1 else source._data * alpha
    full = (slice(None),) * d + (idx,)
    if type(new) is np.ndarray:
        np.add.at(new, full, vals.astype(new.dtype, copy=False))
    else:
        _cupy_add_at(new, full, vals.astype(new.dtype, copy=False))
    out = _wrap(new)
    if needs_grad(input, source):
        node = record(out, _index_add_backward, (input, source), "IndexAddBackward0")
        node.d, node.index, node.alpha = d, index, alpha
    return out


def _index_add_backward(node, g):
    gs = None
    if node.next_functions[1] is not None:
        gs = g.index_select(node.d, node.index)
        if node.alpha != 1:
            gs = gs * node.alpha
    return g, gs


def index_copy(input, dim, index, source):
    d = normalize_dim(dim, input._data.ndim)
    idx = index.reshape(-1)
    key = (slice(None),) * d + (idx,)
    out = input.clone()
    out[key] = source
    return out


def index_fill(input, dim, index, value):
    d = normalize_dim(dim, input._data.ndim)
    key = (slice(None),) * d + (index.reshape(-1),)
    out = input.clone()
    out[key] = value
    return out


# masks / where --------------------------------------------------------------------------------------------------
def _check_mask(mask, name):
    if not isinstance(mask, Tensor) or mask._data.dtype != np.bool_:
        raise TorshRuntimeError(f"{name} only supports boolean masks, but got mask with dtype "
                                f"{mask.dtype if isinstance(mask, Tensor) else type(mask).__name__}")


def masked_fill(input, mask, value):
    _check_mask(mask, "masked_fill_")
    if isinstance(value, Tensor):
        if value._data.ndim != 0:
            raise TorshRuntimeError(
                f"masked_fill_ only supports a 0-dimensional value tensor, but got tensor with {value.ndim} "
                "dimension(s)."
            )
        return where(mask, value.to(input.dtype), input)
    v = as_scalar(value)
    arr = input._data
    if np.broadcast_shapes(mask._data.shape, arr.shape) != arr.shape:
        raise TorshRuntimeError(
            f"The size of tensor a ({arr.shape}) must match the size of tensor b ({mask._data.shape})"
        )
    out = _wrap(np.where(mask._data, np.asarray(v).astype(arr.dtype) if arr.dtype.kind != "V" else v, arr).astype(
        arr.dtype, copy=False))
    if needs_grad(input):
        node = record(out, _masked_fill_backward, (input,), "MaskedFillBackward0")
        node.mask = mask
    return out


def _masked_fill_backward(node, g):
    return g.masked_fill(node.mask, 0)


def where(condition, input=None, other=None):
    """Pick from ``input`` where ``condition`` holds, else ``other`` (with broadcasting)."""
    if input is None and other is None:
        return nonzero(condition, as_tuple=True)
    if not isinstance(condition, Tensor):
        from ..creation import tensor

        condition = tensor(condition)
    if condition._data.dtype != np.bool_:
        condition = condition != 0 if condition._data.dtype.kind == "u" else condition.bool()
    a, b = binary_arrays(input, other)
    out = _wrap(wrap_result(np.where(condition._data, a, b)))
    if out._data.dtype != np.result_type(a, b) and isinstance(a, np.ndarray):
        out = _wrap(out._data.astype(np.result_type(a, b) if isinstance(b, np.ndarray) else a.dtype))
    if needs_grad(input, other):
        node = record(out, _where_backward, (input if isinstance(input, Tensor) else None,
                                             other if isinstance(other, Tensor) else None), "WhereBackward0")
        node.cond = condition
        node.shapes = (tuple(input.shape) if isinstance(input, Tensor) else (),
                       tuple(other.shape) if isinstance(other, Tensor) else ())
    return out


def _where_backward(node, g):
    from .arith import unbroadcast

    c = node.cond
    ga = unbroadcast(g.masked_fill(~c, 0) if c.shape == g.shape else g * c, node.shapes[0]) \
        if node.next_functions[0] is not None else None
    gb = unbroadcast(g.masked_fill(c, 0) if c.shape == g.shape else g * ~c, node.shapes[1]) \
        if node.next_functions[1] is not None else None
    return ga, gb


def masked_select(input, mask):
    _check_mask(mask, "masked_select")
    shape = np.broadcast_shapes(tuple(input.shape), tuple(mask.shape))
    return input.expand(shape)[mask.expand(shape)]


def masked_scatter(input, mask, source):
    _check_mask(mask, "masked_scatter_")
    shape = tuple(input.shape)
    m = mask.expand(shape)
    n = int(m._data.sum())
    out = input.clone()
    out[m] = source.reshape(-1)[:n]
    return out


def nonzero(input, *, as_tuple=False):
    arr = input._data
    if as_tuple:
        if arr.ndim == 0:
            return (_wrap(np.zeros(int(bool(arr)), dtype=np.int64)),)
        return tuple(_wrap(i.astype(np.int64)) for i in np.nonzero(arr))
    if arr.ndim == 0:
        return _wrap(np.zeros((int(bool(arr)), 0), dtype=np.int64))
    return _wrap(np.stack(np.nonzero(arr), axis=1).astype(np.int64) if arr.ndim else np.zeros((0, 0), np.int64))


def argwhere(input):
    return nonzero(input)


def take(input, index):
    flat = input.reshape(-1)
    n = flat._data.shape[0]
    idx = index._data
    if idx.size and (idx.min() < -n or idx.max() >= n):
        raise TorshIndexError(f"out of range: tried to access index {int(idx.max())} on a tensor of {n} elements.")
    return flat[index]


def put(input, index, source, accumulate=False):
    flat = input.reshape(-1)
    n = flat.shape[0]
    idx = index._data.reshape(-1)
    if idx.size and (idx.min() < -n or idx.max() >= n):
        raise TorshIndexError(f"out of range: tried to access index {int(idx.max())} on a tensor of {n} elements.")
    idx = np.where(idx < 0, idx + n, idx)
    if accumulate:
        return flat.index_add(0, _wrap(idx), source.reshape(-1)).reshape(input.shape)
    out = flat.clone()
    out[_wrap(idx)] = source.reshape(-1)
    return out.reshape(input.shape)
