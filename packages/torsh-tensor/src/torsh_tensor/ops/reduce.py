"""Reductions over all or some dims (int or tuple) with keepdim: sum, mean, max/min, var/std, norm, cumsum, ..."""

import collections

import numpy as np
from torsh_core.errors import TorshRuntimeError
from torsh_core.shape import normalize_dim, normalize_dims

from .._operands import wrap_result
from .._tensor import Tensor, _wrap, needs_grad, record

values_indices = collections.namedtuple("values_indices", ["values", "indices"])


def _axes(input, dim):
    nd = input._data.ndim
    if dim is None or (isinstance(dim, (tuple, list)) and len(dim) == 0):
        return tuple(range(nd))
    return normalize_dims(dim, nd)


def _expand_back(g, in_shape, axes, keepdim):
    """Broadcast a reduced gradient back over the reduced axes."""
    if not keepdim and axes:
        shape = list(in_shape)
        for a in axes:
            shape[a] = 1
        g = g.reshape(tuple(shape))
    return g.expand(in_shape)


# sum / mean / prod ------------------------------------------------------------------------------------------
def sum(input, dim=None, keepdim=False, *, dtype=None):  # noqa: A001
    arr = input._data
    axes = _axes(input, dim)
    if dtype is not None:
        arr = arr.astype(dtype.np)
    elif arr.dtype.kind in "biu":
        arr = arr.astype(np.int64)
    out = _wrap(wrap_result(arr.sum(axis=axes, keepdims=keepdim)))
    if needs_grad(input):
        node = record(out, _sum_backward, (input,), "SumBackward1" if dim is not None else "SumBackward0")
        node.info = (input._data.shape, axes, keepdim)
    return out


def _sum_backward(node, g):
    return _expand_back(g, *node.info)


def nansum(input, dim=None, keepdim=False, *, dtype=None):
    return sum(input.masked_fill(input.isnan(), 0), dim, keepdim, dtype=dtype)


def sum_to_size(input, *size):
    """Sum broadcast dims away so the result has ``size`` (the inverse of expand)."""
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    size = tuple(size)
    shp = input._data.shape
    if shp == size:
        return input
    lead = len(shp) - len(size)
    if lead < 0:
        raise TorshRuntimeError(f"size {list(size)} is not expandable to size {list(shp)}")
    axes = list(range(lead))
    for i, s in enumerate(size):
        if s == 1 and shp[lead + i] != 1:
            axes.append(lead + i)
        elif s != shp[lead + i]:
            raise TorshRuntimeError(f"size {list(size)} is not expandable to size {list(shp)}")
    out = sum(input, tuple(axes), keepdim=True) if axes else input
    return out.reshape(size) if out._data.shape != size else out


def mean(input, dim=None, keepdim=False, *, dtype=None):
    if dtype is not None:
        input = input.to(dtype)
    if not (input.is_floating_point() or input.is_complex()):
        raise TorshRuntimeError(
            "mean(): could not infer output dtype. Input dtype must be either a floating point or complex dtype. "
            f"Got: {input.dtype.name.capitalize()}"
        )
    axes = _axes(input, dim)
    n = 1
    for a in axes:
        n *= input._data.shape[a]
    with np.errstate(invalid="ignore", divide="ignore"):
        out = _wrap(wrap_result(input._data.mean(axis=axes, keepdims=keepdim)))
    if needs_grad(input):
        node = record(out, _mean_backward, (input,), "MeanBackward1" if dim is not None else "MeanBackward0")
        node.info = (input._data.shape, axes, keepdim)
        node.n = n
    return out


def _mean_backward(node, g):
    return _expand_back(g / node.n, *node.info)


def nanmean(input, dim=None, keepdim=False, *, dtype=None):
    mask = ~input.isnan()
    return nansum(input, dim, keepdim, dtype=dtype) / mask.sum(dim, keepdim)


def prod(input, dim=None, keepdim=False, *, dtype=None):
    arr = input._data
    if dtype is not None:
        arr = arr.astype(dtype.np)
    elif arr.dtype.kind in "biu":
        arr = arr.astype(np.int64)
    if dim is not None and not isinstance(dim, int):
        raise TypeError("prod(): argument 'dim' must be int")
    axes = _axes(input, dim)
    out = _wrap(wrap_result(arr.prod(axis=axes, keepdims=keepdim)))
    if needs_grad(input):
        node = record(out, _prod_backward, (input,), "ProdBackward0")
        node.save_for_backward(input)
        node.info = (input._data.shape, axes, keepdim)
    return out


def _prod_backward(node, g):
    (x,) = node.saved_tensors
    shape, axes, keepdim = node.info
    if x.numel() == 0:
        return x.new_zeros(shape)
    flat = x if len(axes) == 1 else x.reshape(-1)
    ax = axes[0] if len(axes) == 1 else 0
    gg = _expand_back(g, shape, axes, keepdim)
    excl = _prod_excluding_self(flat, ax)
    if len(axes) != 1:
        excl = excl.reshape(shape)
    return gg * excl


def _prod_excluding_self(x, dim):
    """prod of all other elements along ``dim`` for each element, exact with zeros (cumprod from both sides)."""
    from .join import cat

    n = x.shape[dim]
    ones_shape = list(x.shape)
    ones_shape[dim] = 1
    one = x.new_ones(tuple(ones_shape))
    left = cat([one, x.narrow(dim, 0, n - 1).cumprod(dim)], dim) if n > 1 else one
    rev = x.flip(dim)
    right = cat([one, rev.narrow(dim, 0, n - 1).cumprod(dim)], dim).flip(dim) if n > 1 else one
    return left * right


# max / min ----------------------------------------------------------------------------------------------------
def _extreme(input, dim, keepdim, largest):
    arr = input._data
    if arr.size == 0 and (dim is None or arr.shape[normalize_dim(dim, arr.ndim)] == 0):
        raise TorshRuntimeError(
            "max(): Expected reduction dim to be specified for input.numel() == 0. Specify the reduction dim with "
            "the 'dim' argument." if dim is None else
            f"{'max' if largest else 'min'}(): Expected reduction dim {dim} to have non-zero size."
        )
    if dim is None:
        return amax(input) if largest else amin(input)
    d = normalize_dim(dim, arr.ndim)
    if arr.ndim == 0:
        idx = np.zeros((), dtype=np.int64)
        vals = arr
    else:
        idx = _arg_nan_aware(arr, d, largest)
        vals = np.take_along_axis(arr, np.expand_dims(idx, d), d)
        if not keepdim:
            vals = vals.squeeze(d)
        else:
            idx = np.expand_dims(idx, d)
    values = _wrap(wrap_result(vals))
    indices = _wrap(wrap_result(idx.astype(np.int64)))
    if needs_grad(input):
        node = record(values, _index_reduce_backward, (input,), "MaxBackward0" if largest else "MinBackward0")
        node.info = (arr.shape, d, keepdim)
        node.indices = indices
    return values_indices(values, indices)


def _arg_nan_aware(arr, d, largest):
    """argmax/argmin where NaN wins, as in PyTorch."""
    if arr.dtype.kind in "fc" or arr.dtype.kind == "V":
        nan = np.isnan(arr)
        if nan.any():
            return np.where(nan.any(axis=d), nan.argmax(axis=d), (arr.argmax if largest else arr.argmin)(axis=d))
    return arr.argmax(axis=d) if largest else arr.argmin(axis=d)


def _index_reduce_backward(node, g):
    shape, d, keepdim = node.info
    idx = node.indices
    if not keepdim and len(shape):
        g = g.unsqueeze(d)
        idx = idx.unsqueeze(d)
    from ..creation import zeros

    return zeros(shape, dtype=g.dtype, device=g.device).scatter(d, idx, g) if len(shape) else g


def max(input, dim=None, keepdim=False, *, out=None):  # noqa: A001
    if isinstance(dim, Tensor):
        from .arith import maximum

        return maximum(input, dim)
    return _extreme(input, dim, keepdim, True)


def min(input, dim=None, keepdim=False, *, out=None):  # noqa: A001
    if isinstance(dim, Tensor):
        from .arith import minimum

        return minimum(input, dim)
    return _extreme(input, dim, keepdim, False)


def _amaxmin(input, dim, keepdim, largest):
    arr = input._data
    axes = _axes(input, dim)
    if arr.size == 0 and any(arr.shape[a] == 0 for a in axes) or (arr.size == 0 and not axes):
        raise TorshRuntimeError(
            f"{'amax' if largest else 'amin'}(): Expected reduction dim to be specified for input.numel() == 0."
        )
    fn = np.max if largest else np.min
    out = _wrap(wrap_result(fn(arr, axis=axes, keepdims=keepdim)))
    if needs_grad(input):
        node = record(out, _amaxmin_backward, (input,), "AmaxBackward0" if largest else "AminBackward0")
        node.save_for_backward(input)
        node.out_keep = fn(arr, axis=axes, keepdims=True)
        node.info = (arr.shape, axes, keepdim)
    return out


def _amaxmin_backward(node, g):
    (x,) = node.saved_tensors
    shape, axes, keepdim = node.info
    mask = (x == _wrap(node.out_keep)).to(g.dtype)
    count = mask.sum(axes, keepdim=True)
    return _expand_back(g, shape, axes, keepdim) * mask / count


def amax(input, dim=(), keepdim=False):
    return _amaxmin(input, dim, keepdim, True)


def amin(input, dim=(), keepdim=False):
    return _amaxmin(input, dim, keepdim, False)


def aminmax(input, *, dim=None, keepdim=False):
    mm = collections.namedtuple("aminmax", ["min", "max"])
    return mm(amin(input, dim if dim is not None else (), keepdim), amax(input, dim if dim is not None else (),
                                                                          keepdim))


def argmax(input, dim=None, keepdim=False):
    arr = input._data
    if arr.size == 0:
        raise TorshRuntimeError("argmax(): Expected reduction dim to be specified for input.numel() == 0.")
    if dim is None:
        r = _arg_nan_aware(arr.reshape(-1), 0, True)
        return _wrap(np.asarray(r, dtype=np.int64).reshape((1,) * arr.ndim if keepdim else ()))
    d = normalize_dim(dim, arr.ndim)
    r = _arg_nan_aware(arr, d, True) if arr.ndim else np.zeros((), np.int64)
    return _wrap(wrap_result(np.expand_dims(r, d) if keepdim and arr.ndim else r).astype(np.int64))


def argmin(input, dim=None, keepdim=False):
    arr = input._data
    if arr.size == 0:
        raise TorshRuntimeError("argmin(): Expected reduction dim to be specified for input.numel() == 0.")
    if dim is None:
        r = _arg_nan_aware(arr.reshape(-1), 0, False)
        return _wrap(np.asarray(r, dtype=np.int64).reshape((1,) * arr.ndim if keepdim else ()))
    d = normalize_dim(dim, arr.ndim)
    r = _arg_nan_aware(arr, d, False) if arr.ndim else np.zeros((), np.int64)
    return _wrap(wrap_result(np.expand_dims(r, d) if keepdim and arr.ndim else r).astype(np.int64))


# var / std ------------------------------------------------------------------------------------------------------
def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    if isinstance(dim, bool):
        unbiased, dim = dim, None
    if correction is None:
        correction = 1 if unbiased is None or unbiased else 0
    axes = _axes(input, dim)
    n = 1
    for a in axes:
        n *= input._data.shape[a]
    centered = input - input.mean(axes, keepdim=True)
    sq = (centered * centered.conj()).real if input.is_complex() else centered * centered
    return sq.sum(axes, keepdim=keepdim) / _max0(n - correction)


def _max0(v):
    return v if v > 0 else 0.0 * v if v == 0 else 0


def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    return var(input, dim, unbiased, keepdim, correction=correction).sqrt()


def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    return var(input, dim, unbiased, keepdim, correction=correction), mean(input, dim, keepdim)


def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    return std(input, dim, unbiased, keepdim, correction=correction), mean(input, dim, keepdim)


# norms --------------------------------------------------------------------------------------------------------
def norm(input, p="fro", dim=None, keepdim=False, dtype=None):
    if dtype is not None:
        input = input.to(dtype)
    if p == "fro" or p == 2 or p is None:
        return _norm2(input, dim, keepdim)
    if p == "nuc":
        from torsh_core.errors import TorshNotImplementedError

        raise TorshNotImplementedError("norm(p='nuc') needs torsh-linalg (torsh.linalg.matrix_norm)")
    a = input.abs()
    if p == float("inf"):
        return a.amax(dim if dim is not None else (), keepdim)
    if p == float("-inf"):
        return a.amin(dim if dim is not None else (), keepdim)
    if p == 0:
        return (input != 0).to(input.dtype if input.is_floating_point() else None).sum(dim, keepdim)
    if p == 1:
        return a.sum(dim, keepdim)
    return a.pow(p).sum(dim, keepdim).pow(1.0 / p)


def _norm2(input, dim, keepdim):
    arr = input._data
    axes = _axes(input, dim)
    absarr = np.abs(arr) if arr.dtype.kind == "c" else arr
    out = _wrap(wrap_result(np.sqrt((absarr * absarr).sum(axis=axes, keepdims=keepdim))))
    if needs_grad(input):
        node = record(out, _norm2_backward, (input,), "NormBackward1")
        node.save_for_backward(input)
        node.info = (arr.shape, axes, keepdim)
        node.out_keep = np.sqrt((absarr * absarr).sum(axis=axes, keepdims=True))
    return out


def _norm2_backward(node, g):
    (x,) = node.saved_tensors
    shape, axes, keepdim = node.info
    n = x.norm(2, axes, keepdim=True) if g.requires_grad else _wrap(node.out_keep)
    scale = (x / n).masked_fill(n == 0, 0)
    return _expand_back(g, shape, axes, keepdim) * scale


def logsumexp(input, dim, keepdim=False):
    axes = _axes(input, dim)
    m = input.detach().amax(axes, keepdim=True)
    m = m.masked_fill(m.isinf(), 0)
    out = (input - m).exp().sum(axes, keepdim=True).log() + m
    return out if keepdim else out.squeeze(axes) if axes else out


# cumulative ---------------------------------------------------------------------------------------------------
def cumsum(input, dim, *, dtype=None):
    arr = input._data
    if dtype is not None:
        arr = arr.astype(dtype.np)
    elif arr.dtype.kind in "biu":
        arr = arr.astype(np.int64)
    d = normalize_dim(dim, arr.ndim)
    out = _wrap(wrap_result(np.cumsum(arr, axis=d) if arr.ndim else arr.copy()))
    if needs_grad(input):
        node = record(out, _cumsum_backward, (input,), "CumsumBackward0")
        node.dim = d
    return out


def _cumsum_backward(node, g):
    if g.ndim == 0:
        return g
    return g.flip(node.dim).cumsum(node.dim).flip(node.dim)


def cumprod(input, dim, *, dtype=None):
    arr = input._data
    if dtype is not None:
        arr = arr.astype(dtype.np)
    elif arr.dtype.kind in "biu":
        arr = arr.astype(np.int64)
    d = normalize_dim(dim, arr.ndim)
    out = _wrap(wrap_result(np.cumprod(arr, axis=d) if arr.ndim else arr.copy()))
    if needs_grad(input):
        node = record(out, _cumprod_backward, (input,), "CumprodBackward0")
        node.dim = d
        node.save_for_backward(input)
    return out


def _cumprod_backward(node, g):
    """d out_j / d x_i = prod_{k<=j, k!=i} x_k: exact with zeros by an O(n^2) sum over positions."""
    (x,) = node.saved_tensors
    d = node.dim
    if x.ndim == 0:
        return g
    n = x.shape[d]
    from .join import stack

    grads = []
    for i in range(n):
        ones = x.narrow(d, i, 1) * 0 + 1
        parts = [x.narrow(d, 0, i), ones, x.narrow(d, i + 1, n - i - 1)]
        from .join import cat

        y = cat(parts, d).cumprod(d)
        contrib = (g * y).narrow(d, i, n - i).sum(d)
        grads.append(contrib)
    return stack(grads, d)


def cummax(input, dim):
    return _cum_extreme(input, dim, np.maximum)


def cummin(input, dim):
    return _cum_extreme(input, dim, np.minimum)


def _cum_extreme(input, dim, fn):
    arr = input._data
    d = normalize_dim(dim, arr.ndim)
    vals = fn.accumulate(arr, axis=d) if arr.ndim else arr.copy()
    n = arr.shape[d] if arr.ndim else 1
    pos = np.arange(n).reshape([-1 if i == d else 1 for i in range(arr.ndim)]) if arr.ndim else np.zeros((), int)
    hit = np.where(arr == vals, pos, 0)
    idx = np.maximum.accumulate(hit, axis=d) if arr.ndim else hit
    values = _wrap(wrap_result(vals))
    indices = _wrap(wrap_result(idx.astype(np.int64)))
    if needs_grad(input):
        node = record(values, _cum_extreme_backward, (input,), "CummaxBackward0")
        node.indices = indices
        node.dim = d
        node.shape = arr.shape
    return values_indices(values, indices)


def _cum_extreme_backward(node, g):
    from ..creation import zeros

    return zeros(node.shape, dtype=g.dtype, device=g.device).scatter_add(node.dim, node.indices, g)


def logcumsumexp(input, dim):
    d = normalize_dim(dim, input.ndim)
    m = input.detach().amax(d, keepdim=True)
    m = m.masked_fill(m.isinf(), 0)
    return (input - m).exp().cumsum(d).log() + m


# boolean ----------------------------------------------------------------------------------------------------
def all(input, dim=None, keepdim=False):  # noqa: A001
    return _wrap(wrap_result(np.all(input._data, axis=_axes(input, dim), keepdims=keepdim)))


def any(input, dim=None, keepdim=False):  # noqa: A001
    return _wrap(wrap_result(np.any(input._data, axis=_axes(input, dim), keepdims=keepdim)))


def count_nonzero(input, dim=None):
    return _wrap(wrap_result(np.asarray(np.count_nonzero(input._data, axis=_axes(input, dim)), dtype=np.int64)))
