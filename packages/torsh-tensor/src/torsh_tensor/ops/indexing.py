"""Indexing: tensor[...] get/set, gather/scatter, index_select/index_add, masked ops, where, nonzero, take, put."""

import numpy as np
from torsh_core.errors import (
    TorshIndexError,
    TorshNotImplementedError,
    TorshRuntimeError,
    TorshTypeError,
    TorshValueError,
)
from torsh_core.shape import broadcast_shapes, normalize_dim

from .._operands import result_dtype, wrap_result
from .._tensor import Tensor, _wrap, needs_grad
from ._graph import record
from ._inplace import check_writeable, inplace
from ._names import scalar_type
from .arith import operands
from .views import view_of

__all__ = """
index_select gather scatter scatter_add scatter_reduce index_add index_copy index_fill index_put masked_fill
masked_select masked_scatter where nonzero argwhere take take_along_dim put
""".split()


# tensor[index] ------------------------------------------------------------------------------------------------
def _convert_index(index):
    """A NumPy index from a torsh one; also tells whether it is basic (gives a view)."""
    if not isinstance(index, tuple):
        index = (index,)
    out = []
    basic = True
    for i in index:
        if isinstance(i, Tensor):
            arr = i._data
            if arr.dtype == np.uint8:
                arr = arr.astype(bool)
            if arr.dtype.kind not in "biu":
                raise TorshIndexError("tensors used as indices must be long, int, byte or bool tensors")
            if arr.ndim == 0 and arr.dtype.kind != "b":
                out.append(int(arr))
                continue
            out.append(arr)
            basic = False
        elif isinstance(i, (list, np.ndarray)):
            arr = np.asarray([v.item() if isinstance(v, Tensor) else v for v in i] if isinstance(i, list) else i)
            if arr.dtype.kind not in "biu":
                if arr.size:
                    raise TorshIndexError("tensors used as indices must be long, int, byte or bool tensors")
                arr = arr.astype(np.int64)
            out.append(arr)
            basic = False
        elif isinstance(i, bool):
            out.append(i)
            basic = False
        elif i is None or i is Ellipsis or isinstance(i, slice):
            if isinstance(i, slice) and i.step is not None and int(i.step) <= 0:
                raise TorshValueError("step must be greater than zero")
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
        idx = idx + (Ellipsis,)  # keeps all-integer indexing a 0-d view instead of a NumPy scalar
    res = _np_get(input._data, idx)
    out = view_of(res, input) if basic else _wrap(wrap_result(res))
    if needs_grad(input):
        node = record(out, _getitem_backward, (input,), "SliceBackward0" if basic else "IndexBackward0")
        node.idx, node.basic = idx, basic
        node.in_shape = input._data.shape
    return out


def _getitem_backward(node, g):
    return _scatter_into_zeros(node.in_shape, node.idx, g, accumulate=not node.basic)


def _scatter_into_zeros(shape, idx, g, accumulate):
    """zeros(shape) with ``g`` added at ``idx`` (repeated positions accumulate); differentiable in ``g``."""
    z = g.new_zeros(shape)
    if accumulate:
        _add_at(z._data, idx, g._data)
    else:
        z._data[idx] = g._data
    if needs_grad(g):
        node = record(z, lambda n, gg: gg[n.idx], (g,), "IndexPutBackward0")
        node.idx = idx
    return z


def _add_at(dst, idx, src):
    if type(dst) is np.ndarray:
        np.add.at(dst, idx, src)
    else:
        import cupyx

        cupyx.scatter_add(dst, idx, src)


def setitem(input, index, value):
    """``input[index] = value`` in place (value broadcast and cast), recorded when autograd needs it."""
    idx, _ = _convert_index(index)
    if needs_grad(input, value):
        inplace(lambda old, v: _index_put(old, idx, v), input, value)
        return
    check_writeable(input)
    try:
        input._data[idx] = value._data if isinstance(value, Tensor) else value
    except IndexError as e:
        raise TorshIndexError(str(e)) from None
    except ValueError as e:
        raise TorshRuntimeError(f"shape mismatch in tensor assignment: {e}") from None
    input._version[0] += 1


def _index_put(input, idx, value, accumulate=False):
    """A copy of ``input`` with ``value`` written (or added) at the NumPy index ``idx``."""
    new = input._data.copy()
    val = value._data if isinstance(value, Tensor) else value
    try:
        if accumulate:
            _add_at(new, idx, np.broadcast_to(val, new[idx].shape))
        else:
            new[idx] = val
    except IndexError as e:
        raise TorshIndexError(str(e)) from None
    except ValueError as e:
        raise TorshRuntimeError(f"shape mismatch in tensor assignment: {e}") from None
    out = _wrap(new)
    if needs_grad(input, value):
        node = record(out, _index_put_backward, (input, value), "IndexPutBackward0")
        node.idx, node.accumulate = idx, accumulate
    return out


def _index_put_backward(node, g):
    gx = gv = None
    if node.next_functions[0] is not None:
        gx = g if node.accumulate else _index_put(g, node.idx, 0)
    if node.next_functions[1] is not None:
        gv = g[node.idx]
    return gx, gv


def index_put(input, indices, values, accumulate=False):
    """``input`` with ``values`` put (or added) at the tensors ``indices``, out of place."""
    idx, _ = _convert_index(tuple(indices))
    return _index_put(input, idx, values, accumulate)


# gather / scatter ---------------------------------------------------------------------------------------------
def _check_index(index, name):
    if not isinstance(index, Tensor):
        raise TorshTypeError(f"{name}(): argument 'index' must be Tensor, not {type(index).__name__}")
    if index._data.dtype.kind not in "iu":
        raise TorshRuntimeError(f"{name}(): Expected dtype int64 for index, got {index.dtype.name}")


def _along_dim(input, index, d, name, src=None):
    """The full NumPy index addressing ``input`` at ``index`` along ``d`` (gather/scatter), after PyTorch's checks."""
    shape = input._data.shape
    idx = index._data
    if idx.ndim != len(shape) and not (idx.ndim <= 1 and len(shape) <= 1):
        raise TorshRuntimeError("Index tensor must have the same number of dimensions as "
                                f"{'input' if src is None else 'self'} tensor")
    for i, n in enumerate(idx.shape):
        too_big = idx.ndim == len(shape) and i != d and n > shape[i]
        if too_big or (src is not None and src._data.ndim == idx.ndim and n > src._data.shape[i]):
            raise TorshRuntimeError(
                f"Size does not match at dimension {i} expected index {list(idx.shape)} to be smaller than self "
                f"{list(shape)} apart from dimension {d}"
                + (f" and to be smaller size than src {list(src._data.shape)}" if src is not None else "")
            )
    size = shape[d] if shape else 1
    if idx.size and (idx.min() < 0 or idx.max() >= size):
        bad = idx[(idx < 0) | (idx >= size)].reshape(-1)[0]
        raise TorshRuntimeError(f"index {bad} is out of bounds for dimension {d} with size {size}")
    if not shape:
        return ()
    grids = list(np.indices(idx.shape, sparse=True))
    grids[d] = idx
    return tuple(grids)


def _src_part(src, index):
    """The leading block of ``src`` that ``index`` addresses (src may be larger than index)."""
    return src._data[tuple(slice(0, s) for s in index._data.shape)] if src._data.ndim else src._data


def gather(input, dim, index, *, sparse_grad=False):
    _check_index(index, "gather")
    d = normalize_dim(dim, input._data.ndim)
    full = _along_dim(input, index, d, "gather")
    out = _wrap(wrap_result(input._data[full] if full else input._data.copy()))
    if needs_grad(input):
        node = record(out, _gather_backward, (input,), "GatherBackward0")
        node.d, node.index = d, index
    return out


def _gather_backward(node, g):
    return g.new_zeros(node.in_meta[0][1]).scatter_add(node.d, node.index, g)


def take_along_dim(input, indices, dim=None):
    if dim is None:
        return input.reshape(-1).gather(0, indices.reshape(-1))
    if input.ndim != indices.ndim:
        raise TorshRuntimeError("torch.take_along_dim(): input and indices should have the same number of "
                                f"dimensions, but got {input.ndim} dimensions for input, and {indices.ndim} "
                                "dimensions for indices")
    d = normalize_dim(dim, input.ndim)
    common = list(broadcast_shapes(tuple(input.shape[:d]) + (1,) + tuple(input.shape[d + 1:]),
                                   tuple(indices.shape[:d]) + (1,) + tuple(indices.shape[d + 1:])))
    return input.expand(common[:d] + [input.shape[d]] + common[d + 1:]).gather(
        d, indices.expand(common[:d] + [indices.shape[d]] + common[d + 1:]))


def scatter(input, dim, index, src=None, *, value=None, reduce=None):
    """A copy of ``input`` with ``src`` (or ``value``) written at ``index`` along ``dim``."""
    if src is not None and not isinstance(src, Tensor):
        value, src = src, None
    if reduce is not None:
        if reduce not in ("add", "multiply"):
            raise TorshRuntimeError(f"reduce argument must be either add or multiply, got {reduce}")
        source = src if src is not None else input.new_full(tuple(index.shape), value)
        return scatter_reduce(input, dim, index, source, "sum" if reduce == "add" else "prod")
    _check_index(index, "scatter")
    d = normalize_dim(dim, input._data.ndim)
    full = _along_dim(input, index, d, "scatter", src)
    new = input._data.copy()
    new[full] = _src_part(src, index) if src is not None else value
    out = _wrap(new)
    if needs_grad(input, src):
        node = record(out, _scatter_backward, (input, src), "ScatterBackward0")
        node.d, node.index = d, index
    return out


def _scatter_backward(node, g):
    gx = g.scatter(node.d, node.index, 0.0) if node.next_functions[0] is not None else None
    gs = _pad_to(g.gather(node.d, node.index), node.in_meta[1][1]) if node.next_functions[1] is not None else None
    return gx, gs


def _pad_to(t, shape):
    """``t`` in the leading block of zeros(shape) (gradient of src elements that index didn't address is 0)."""
    if tuple(t.shape) == tuple(shape):
        return t
    return _scatter_into_zeros(shape, tuple(slice(0, s) for s in t.shape), t, accumulate=False)


def scatter_add(input, dim, index, src):
    return scatter_reduce(input, dim, index, src, "sum")


_REDUCE_UFUNC = {"sum": np.add, "prod": np.multiply, "amax": np.maximum, "amin": np.minimum, "mean": np.add}


def _identity(reduce, dtype):
    if reduce in ("sum", "mean"):
        return 0
    if reduce == "prod":
        return 1
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        return info.min if reduce == "amax" else info.max
    return -np.inf if reduce == "amax" else np.inf


def scatter_reduce(input, dim, index, src, reduce, *, include_self=True):
    """Reduce ``src`` into ``input`` at ``index`` along ``dim`` with sum, prod, mean, amax or amin."""
    if reduce not in _REDUCE_UFUNC:
        raise TorshRuntimeError(f"reduce argument must be either sum, prod, mean, amax or amin, got {reduce}")
    _check_index(index, "scatter_reduce")
    d = normalize_dim(dim, input._data.ndim)
    full = _along_dim(input, index, d, "scatter_reduce", src)
    new = input._data.copy()
    vals = _src_part(src, index).astype(new.dtype, copy=False)
    if not include_self:
        new[full] = _identity(reduce, new.dtype)
    if type(new) is np.ndarray:
        _REDUCE_UFUNC[reduce].at(new, full, vals)
    elif reduce == "sum":
        _add_at(new, full, vals)
    else:
        raise TorshNotImplementedError(f"scatter_reduce(reduce={reduce!r}) is not supported on CUDA by torsh yet")
    if reduce == "mean":
        count = np.full(new.shape, 1 if include_self else 0, dtype=np.int64)
        np.add.at(count, full, 1)
        count = np.maximum(count, 1)
        new = new // count if new.dtype.kind in "iu" else (new / count).astype(new.dtype, copy=False)
    out = _wrap(new)
    if needs_grad(input, src):
        node = record(out, _scatter_reduce_backward, (input, src), "ScatterReduceBackward0")
        node.d, node.index, node.reduce, node.include_self = d, index, reduce, include_self
        node.save_for_backward(input, src)
        node.out_data = new
    return out


def _scatter_reduce_backward(node, g):
    """PyTorch's formulas; ties of amax/amin share the gradient evenly."""
    x, src = node.saved_tensors
    d, index, reduce = node.d, node.index, node.reduce
    part = _wrap(_src_part(src, index))
    if reduce == "sum":
        gx, gs = g, g.gather(d, index)
    elif reduce == "mean":
        n = g.new_ones(g.shape) if node.include_self else g.new_zeros(g.shape)
        n = n.scatter_add(d, index, g.new_ones(index.shape))
        gx = g / n.masked_fill(n == 0, 1)
        gs = gx.gather(d, index)
    elif reduce == "prod":
        if (x._data == 0).any() or (part._data == 0).any():
            raise TorshNotImplementedError("the gradient of scatter_reduce(reduce='prod') with zeros in self or src "
                                           "is not supported by torsh yet")
        gr = g * _wrap(node.out_data)
        gx, gs = gr / x, gr.gather(d, index) / part
    else:
        res = _wrap(node.out_data)
        value = res.gather(d, index)
        self_is = (x == res).to(g.dtype)
        src_is = (part == value).to(g.dtype)
        share = g / self_is.scatter_add(d, index, src_is)
        gx, gs = self_is * share, src_is * share.gather(d, index)
    if not node.include_self:
        gx = gx.scatter(d, index, 0.0)
    gs = _pad_to(gs, node.in_meta[1][1])
    return (gx if node.next_functions[0] is not None else None), (gs if node.next_functions[1] is not None else None)


# index_select / index_add / index_copy / index_fill ---------------------------------------------------------------
def _check_select_index(index, size, name):
    if not isinstance(index, Tensor):
        raise TorshTypeError(f"{name}(): argument 'index' must be Tensor, not {type(index).__name__}")
    if index._data.dtype.kind not in "iu":
        raise TorshRuntimeError(f"{name}(): Expected dtype int32/int64 for index")
    if index._data.ndim > 1:
        raise TorshIndexError(f"{name}(): Index is supposed to be a vector")
    idx = index._data.reshape(-1)
    if idx.size and (idx.min() < 0 or idx.max() >= size):
        raise TorshIndexError("index out of range in self")
    return idx


def index_select(input, dim, index):
    arr = input._data
    d = normalize_dim(dim, arr.ndim)
    if arr.ndim == 0:
        idx = _check_select_index(index, 1, "index_select")
        if idx.size != 1:
            raise TorshRuntimeError(f"index_select(): Index to scalar can have only 1 value, got {idx.size} "
                                    "value(s)")
        out = _wrap(arr.copy())
    else:
        idx = _check_select_index(index, arr.shape[d], "index_select")
        out = _wrap(np.take(arr, idx, axis=d))
    if needs_grad(input):
        node = record(out, _index_select_backward, (input,), "IndexSelectBackward0")
        node.d, node.index = d, index
    return out


def _index_select_backward(node, g):
    shape = node.in_meta[0][1]
    if not shape:
        return g
    return g.new_zeros(shape).index_add(node.d, node.index.reshape(-1), g)


def index_add(input, dim, index, source, *, alpha=1):
    arr = input._data
    d = normalize_dim(dim, arr.ndim)
    idx = _check_select_index(index, arr.shape[d] if arr.ndim else 1, "index_add")
    n_src = source._data.shape[d] if source._data.ndim else 1
    if n_src != idx.size:
        raise TorshRuntimeError(f"index_add_(): Number of indices ({idx.size}) should be equal to source.size(dim): "
                              f"({n_src}), for dim: {d}")
    new = arr.copy()
    vals = source._data if alpha == 1 else source._data * alpha
    full = (slice(None),) * d + (idx,) if arr.ndim else ()
    if arr.ndim:
        _add_at(new, full, vals.astype(new.dtype, copy=False))
    else:
        new += vals.astype(new.dtype, copy=False).reshape(())
    out = _wrap(new)
    if needs_grad(input, source):
        node = record(out, _index_add_backward, (input, source), "IndexAddBackward0")
        node.d, node.index, node.alpha = d, index, alpha
    return out


def _index_add_backward(node, g):
    gs = None
    if node.next_functions[1] is not None:
        gs = g.index_select(node.d, node.index.reshape(-1)) if g.ndim else g
        if node.alpha != 1:
            gs = gs * node.alpha
    return g, gs


def _dim_key(input, dim, index):
    d = normalize_dim(dim, input._data.ndim)
    _check_select_index(index, input._data.shape[d] if input._data.ndim else 1, "index")
    return (slice(None),) * d + (index.reshape(-1)._data,)


def index_copy(input, dim, index, source):
    return _index_put(input, _dim_key(input, dim, index), source)


def index_fill(input, dim, index, value):
    if isinstance(value, Tensor) and value.ndim:
        raise TorshIndexError(f"index_fill_ only supports a 0-dimensional value tensor, but got tensor with "
                              f"{value.ndim} dimension(s).")
    return _index_put(input, _dim_key(input, dim, index), value)


# masks / where --------------------------------------------------------------------------------------------------
def _check_mask(mask, name):
    if not isinstance(mask, Tensor) or mask._data.dtype != np.bool_:
        got = mask.dtype.name if isinstance(mask, Tensor) else type(mask).__name__
        raise TorshRuntimeError(f"{name} only supports boolean masks, but got mask with dtype {got}")


def masked_fill(input, mask, value):
    """``input`` with ``value`` where ``mask`` is True (mask broadcast); value may be a 0-d tensor."""
    _check_mask(mask, "masked_fill_")
    if isinstance(value, Tensor):
        if value._data.ndim != 0:
            raise TorshRuntimeError(f"masked_fill_ only supports a 0-dimensional value tensor, but got tensor with "
                                    f"{value.ndim} dimension(s).")
        return where(mask, value.to(input.dtype), input)
    arr = input._data
    broadcast_shapes(mask._data.shape, arr.shape)
    out = _wrap(np.where(mask._data, np.asarray(value).astype(arr.dtype), arr))
    if needs_grad(input):
        node = record(out, lambda n, g: g.masked_fill(n.mask, 0), (input,), "MaskedFillBackward0")
        node.mask = mask
    return out


def where(condition, input=None, other=None):
    """Pick from ``input`` where ``condition`` holds, else ``other`` (with broadcasting and type promotion)."""
    if input is None and other is None:
        return nonzero(condition, as_tuple=True)
    if not isinstance(condition, Tensor):
        from ..creation import tensor

        condition = tensor(condition)
    if condition._data.dtype == np.uint8:
        condition = condition.bool()
    if condition._data.dtype != np.bool_:
        raise TorshRuntimeError(f"where expected condition to be a boolean tensor, but got a tensor with dtype "
                                f"{scalar_type(condition.dtype)}")
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        dt = result_dtype(input, other).np
        a, b = np.asarray(input, dtype=dt), np.asarray(other, dtype=dt)
    else:
        a, b = operands(input, other)
    broadcast_shapes(condition._data.shape, np.shape(a), np.shape(b))
    out = _wrap(np.asarray(np.where(condition._data, a, b)))
    if needs_grad(input, other):
        node = record(out, _where_backward, (input, other), "WhereBackward0")
        node.cond = condition
    return out


def _where_backward(node, g):
    c = node.cond
    ga = where(c, g, 0.0) if node.next_functions[0] is not None else None
    gb = where(c, 0.0, g) if node.next_functions[1] is not None else None
    return ga, gb


def masked_select(input, mask):
    _check_mask(mask, "masked_select")
    shape = broadcast_shapes(tuple(input.shape), tuple(mask.shape))
    return input.expand(shape)[mask.expand(shape)]


def masked_scatter(input, mask, source):
    """``input`` with consecutive elements of ``source`` written where ``mask`` is True."""
    _check_mask(mask, "masked_scatter_")
    m = mask.expand(tuple(input.shape))
    n = int(m._data.sum())
    if source.numel() < n:
        raise TorshRuntimeError("Number of elements of source < number of ones in mask")
    return _index_put(input, (m._data,), source.reshape(-1)[:n])


def nonzero(input, *, as_tuple=False):
    arr = input._data
    if arr.ndim == 0:
        hit = int(bool(arr))
        return (_wrap(np.zeros(hit, dtype=np.int64)),) if as_tuple else _wrap(np.zeros((hit, 0), dtype=np.int64))
    found = np.nonzero(arr)
    if as_tuple:
        return tuple(_wrap(i.astype(np.int64)) for i in found)
    return _wrap(np.stack(found, axis=1).astype(np.int64))


def argwhere(input):
    return nonzero(input)


def _flat_index(index, n, name):
    if not isinstance(index, Tensor) or index._data.dtype.kind not in "iu":
        raise TorshRuntimeError(f"{name}(): Expected a long tensor for index")
    idx = index._data.reshape(-1)
    if idx.size and (idx.min() < -n or idx.max() >= n):
        bad = idx[(idx < -n) | (idx >= n)][0]
        raise TorshIndexError(f"out of range: tried to access index {int(bad)} on a tensor of {n} elements.")
    return np.where(idx < 0, idx + n, idx)


def take(input, index):
    """Elements of the flattened ``input`` at ``index`` (result shaped like ``index``)."""
    idx = _flat_index(index, input.numel(), "take")
    return input.reshape(-1)[_wrap(idx)].reshape(tuple(index.shape))


def put(input, index, source, accumulate=False):
    """A copy of ``input`` with ``source`` written (or added) at flat positions ``index``."""
    idx = _flat_index(index, input.numel(), "put")
    if source.numel() != idx.size:
        raise TorshRuntimeError(f"put_(): Expected source and index to have the same number of elements, but got "
                                f"source.numel() = {source.numel()}, index.numel() = {idx.size}")
    flat = _index_put(input.reshape(-1), (idx,), source.reshape(-1), accumulate)
    return flat.reshape(tuple(input.shape))
