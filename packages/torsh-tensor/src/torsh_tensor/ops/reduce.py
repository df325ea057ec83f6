"""Reductions over all or some dims (int or tuple) with keepdim: sum, mean, max/min, var/std, norm, cumsum, ..."""

import builtins
import collections

import numpy as np
from torsh_core.errors import TorshIndexError, TorshNotImplementedError, TorshRuntimeError, TorshTypeError
from torsh_core.shape import normalize_dim, normalize_dims

from .._operands import wrap_result
from .._tensor import Tensor, _wrap, needs_grad
from ._graph import record
from ._names import scalar_type

__all__ = """
sum nansum sum_to_size mean nanmean prod max min amax amin aminmax argmax argmin var std var_mean std_mean norm
logsumexp cumsum cumprod cummax cummin logcumsumexp all any count_nonzero
""".split()

try:
    from torsh_backend.reduce import sum_all as _sum_all_kernel
except ImportError:  # the compiled backend is missing: NumPy alone
    _sum_all_kernel = None

_C_SUM_MIN = 1 << 16  # below this NumPy's single-threaded sum is as fast as a call into C
_C_SUM_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))

values_indices = collections.namedtuple("values_indices", ["values", "indices"])
min_max = collections.namedtuple("aminmax", ["min", "max"])


def _axes(input, dim):
    """The reduced axes: all of them for None or an empty tuple."""
    nd = input._data.ndim
    if dim is None or (isinstance(dim, (tuple, list)) and len(dim) == 0):
        return tuple(range(nd))
    return normalize_dims(dim, nd)


def _expand_back(g, in_shape, axes, keepdim):
    """Broadcast a reduced gradient back over the reduced axes."""
    if not keepdim and axes and g._data.ndim:  # a 0-d gradient broadcasts as it is
        shape = list(in_shape)
        for a in axes:
            shape[a] = 1
        g = g.reshape(tuple(shape))
    return g.expand(in_shape)


def _count(shape, axes):
    n = 1
    for a in axes:
        n *= shape[a]
    return n


def _accumulate_dtype(arr, dtype):
    """sum/prod/cumsum accumulate integers and bools in int64 unless a dtype is given."""
    if dtype is not None:
        return arr.astype(dtype.np)
    return arr.astype(np.int64) if arr.dtype.kind in "biu" else arr


# sum / mean / prod ------------------------------------------------------------------------------------------
def sum(input, dim=None, keepdim=False, *, dtype=None):  # noqa: A001
    axes = _axes(input, dim)
    arr = _accumulate_dtype(input._data, dtype)
    if (len(axes) == arr.ndim and arr.size >= _C_SUM_MIN and _sum_all_kernel is not None
            and type(arr) is np.ndarray and arr.dtype in _C_SUM_DTYPES):  # a large whole sum (a loss) on the threads
        total = _sum_all_kernel(arr)
        out = _wrap(total.reshape((1,) * arr.ndim) if keepdim else total)
    else:
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
    bad = TorshRuntimeError(f"size {list(size)} is not expandable to size {list(shp)}")
    if lead < 0:
        raise bad
    axes = list(range(lead))
    for i, s in enumerate(size):
        if s == 1 and shp[lead + i] != 1:
            axes.append(lead + i)
        elif s != shp[lead + i]:
            raise bad
    out = sum(input, tuple(axes), keepdim=True) if axes else input
    return out.reshape(size) if out._data.shape != size else out


def mean(input, dim=None, keepdim=False, *, dtype=None):
    if dtype is not None:
        input = input.to(dtype)
    if not (input.is_floating_point() or input.is_complex()):
        raise TorshRuntimeError(
            "mean(): could not infer output dtype. Input dtype must be either a floating point or complex dtype. "
            f"Got: {scalar_type(input.dtype)}"
        )
    axes = _axes(input, dim)
    arr, n = input._data, _count(input._data.shape, axes)
    # the mean of nothing is NaN (NumPy would warn about it)
    res = arr.mean(axis=axes, keepdims=keepdim) if n else arr.sum(axis=axes, keepdims=keepdim) * np.nan
    out = _wrap(wrap_result(res))
    if needs_grad(input):
        node = record(out, _mean_backward, (input,), "MeanBackward1" if dim is not None else "MeanBackward0")
        node.info = (input._data.shape, axes, keepdim)
        node.n = n
    return out


def _mean_backward(node, g):
    return _expand_back(g / node.n, *node.info)


def nanmean(input, dim=None, keepdim=False, *, dtype=None):
    return nansum(input, dim, keepdim, dtype=dtype) / (~input.isnan()).sum(dim, keepdim)


def prod(input, dim=None, keepdim=False, *, dtype=None):
    if dim is not None and not hasattr(dim, "__index__"):
        raise TorshTypeError(f"prod(): argument 'dim' must be int, not {type(dim).__name__}")
    axes = _axes(input, dim)
    arr = _accumulate_dtype(input._data, dtype)
    out = _wrap(wrap_result(arr.prod(axis=axes, keepdims=keepdim)))
    if needs_grad(input):
        node = record(out, _prod_backward, (input,), "ProdBackward0" if dim is None else "ProdBackward1")
        node.save_for_backward(input)
        node.info = (input._data.shape, axes, keepdim)
    return out


def _prod_backward(node, g):
    """The product of the other elements: exclusive cumulative products from both ends, exact with zeros."""
    (x,) = node.saved_tensors
    shape, axes, keepdim = node.info
    if x.numel() == 0:
        return x.new_zeros(shape)
    gg = _expand_back(g, shape, axes, keepdim)
    if len(axes) == 1:
        return gg * _prod_of_others(x, axes[0])
    return gg * _prod_of_others(x.reshape(-1), 0).reshape(shape)


def _prod_of_others(x, dim):
    from .join import cat

    n = x.shape[dim]
    one = x.new_ones(tuple(x.shape[:dim]) + (1,) + tuple(x.shape[dim + 1:]))
    if n == 1:
        return one
    left = cat([one, x.narrow(dim, 0, n - 1).cumprod(dim)], dim)
    right = cat([one, x.flip(dim).narrow(dim, 0, n - 1).cumprod(dim)], dim).flip(dim)
    return left * right


# max / min ----------------------------------------------------------------------------------------------------
def _empty_reduction_error(name, dim):
    if dim is None:
        return TorshRuntimeError(f"{name}(): Expected reduction dim to be specified for input.numel() == 0. Specify "
                                 "the reduction dim with the 'dim' argument.")
    return TorshIndexError(f"{name}(): Expected reduction dim {dim} to have non-zero size.")


def _extreme(input, dim, keepdim, largest):
    name = "max" if largest else "min"
    arr = input._data
    if dim is None:
        if arr.size == 0:
            raise _empty_reduction_error(name, None)
        return _amaxmin(input, None, False, largest)
    d = normalize_dim(dim, arr.ndim)
    if arr.ndim == 0:
        idx = np.zeros((), dtype=np.int64)
        vals = arr.copy()
    else:
        if arr.shape[d] == 0:
            raise _empty_reduction_error(name, d)
        idx = _arg_nan_aware(arr, d, largest)
        vals = np.take_along_axis(arr, np.expand_dims(idx, d), d)
        if keepdim:
            idx = np.expand_dims(idx, d)
        else:
            vals = vals.squeeze(d)
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
    """All of the gradient goes to the selected element."""
    shape, d, keepdim = node.info
    if not shape:
        return g
    idx = node.indices
    if not keepdim:
        g, idx = g.unsqueeze(d), idx.unsqueeze(d)
    return g.new_zeros(shape).scatter(d, idx, g)


def max(input, dim=None, keepdim=False):  # noqa: A001
    """The largest value overall, or (values, indices) along ``dim``; ``max(a, b)`` is ``maximum``."""
    if isinstance(dim, Tensor):
        from .arith import maximum

        return maximum(input, dim)
    return _extreme(input, dim, keepdim, True)


def min(input, dim=None, keepdim=False):  # noqa: A001
    if isinstance(dim, Tensor):
        from .arith import minimum

        return minimum(input, dim)
    return _extreme(input, dim, keepdim, False)


def _amaxmin(input, dim, keepdim, largest):
    arr = input._data
    axes = _axes(input, dim)
    name = "amax" if largest else "amin"
    if arr.size == 0 and (not axes or builtins.any(arr.shape[a] == 0 for a in axes)):
        raise _empty_reduction_error(name, None if dim is None or dim == () else dim)
    fn = np.max if largest else np.min
    out = _wrap(wrap_result(fn(arr, axis=axes, keepdims=keepdim)))
    if needs_grad(input):
        node = record(out, _amaxmin_backward, (input,), "AmaxBackward0" if largest else "AminBackward0")
        node.save_for_backward(input)
        node.out_keep = fn(arr, axis=axes, keepdims=True)
        node.info = (arr.shape, axes, keepdim)
    return out


def _amaxmin_backward(node, g):
    """Ties share the gradient evenly."""
    (x,) = node.saved_tensors
    shape, axes, keepdim = node.info
    mask = (x == _wrap(node.out_keep)).to(g.dtype)
    return _expand_back(g, shape, axes, keepdim) * mask / mask.sum(axes, keepdim=True)


def amax(input, dim=(), keepdim=False):
    return _amaxmin(input, dim, keepdim, True)


def amin(input, dim=(), keepdim=False):
    return _amaxmin(input, dim, keepdim, False)


def aminmax(input, *, dim=None, keepdim=False):
    d = dim if dim is not None else ()
    return min_max(amin(input, d, keepdim), amax(input, d, keepdim))


def _arg(input, dim, keepdim, largest):
    arr = input._data
    if dim is None:
        if arr.size == 0:
            raise TorshIndexError(f"{'argmax' if largest else 'argmin'}(): Expected reduction dim to be specified "
                                  "for input.numel() == 0.")
        r = _arg_nan_aware(arr.reshape(-1), 0, largest)
        return _wrap(np.asarray(r, dtype=np.int64).reshape((1,) * arr.ndim if keepdim else ()))
    d = normalize_dim(dim, arr.ndim)
    if arr.ndim == 0:
        return _wrap(np.zeros((), np.int64))
    if arr.shape[d] == 0:
        raise _empty_reduction_error("argmax" if largest else "argmin", d)
    r = _arg_nan_aware(arr, d, largest)
    return _wrap(np.asarray(np.expand_dims(r, d) if keepdim else r, dtype=np.int64))


def argmax(input, dim=None, keepdim=False):
    return _arg(input, dim, keepdim, True)


def argmin(input, dim=None, keepdim=False):
    return _arg(input, dim, keepdim, False)


# var / std ------------------------------------------------------------------------------------------------------
def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """Sum of squared deviations over (n - correction); correction defaults to 1 (Bessel)."""
    if isinstance(dim, bool):
        unbiased, dim = dim, None
    if correction is None:
        correction = 1 if unbiased is None or unbiased else 0
    if not (input.is_floating_point() or input.is_complex()):
        raise TorshRuntimeError(f"std and var only support floating point and complex dtypes, got {input.dtype.name}")
    axes = _axes(input, dim)
    n = _count(input._data.shape, axes)
    centered = input - input.mean(axes, keepdim=True)
    sq = (centered * centered.conj()).real if input.is_complex() else centered * centered
    with np.errstate(divide="ignore", invalid="ignore"):
        return sq.sum(axes, keepdim=keepdim) / (n - correction if n > correction else 0.0)


def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    v = var(input, dim, unbiased, keepdim, correction=correction)
    out = _wrap(np.sqrt(v._data))
    if needs_grad(v):
        node = record(out, _std_backward, (v,), "StdBackward0")
        node.save_for_backward(v)
    return out


def _std_backward(node, g):
    """d sqrt(v) = g / (2 std), and 0 where std is 0 (PyTorch's choice for constant inputs)."""
    (v,) = node.saved_tensors
    s = v.sqrt()
    return (g / (2 * s)).masked_fill(s == 0, 0)


def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    if isinstance(dim, bool):
        unbiased, dim = dim, None
    return var(input, dim, unbiased, keepdim, correction=correction), mean(input, dim, keepdim)


def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    if isinstance(dim, bool):
        unbiased, dim = dim, None
    return std(input, dim, unbiased, keepdim, correction=correction), mean(input, dim, keepdim)


# norms --------------------------------------------------------------------------------------------------------
def norm(input, p="fro", dim=None, keepdim=False, dtype=None):
    """Vector p-norms over ``dim`` (all elements by default); 'fro' is the 2-norm of the flattened dims."""
    if dtype is not None:
        input = input.to(dtype)
    if not (input.is_floating_point() or input.is_complex()):
        raise TorshRuntimeError(f"linalg.vector_norm: Expected a floating point or complex tensor as input. Got "
                                f"{scalar_type(input.dtype)}")
    if p == "nuc":
        raise TorshNotImplementedError("norm(p='nuc') needs torsh-linalg (torsh.linalg.matrix_norm)")
    if p in ("fro", 2, 2.0, None):
        return _norm2(input, dim, keepdim)
    a = input.abs()
    d = dim if dim is not None else ()
    if p == float("inf"):
        return a.amax(d, keepdim)
    if p == float("-inf"):
        return a.amin(d, keepdim)
    if p == 0:
        return (input != 0).to(a.dtype).sum(dim, keepdim)
    if p == 1:
        return a.sum(dim, keepdim)
    return a.pow(p).sum(dim, keepdim).pow(1.0 / p)


def _norm2(input, dim, keepdim):
    arr = input._data
    axes = _axes(input, dim)
    absarr = np.abs(arr) if arr.dtype.kind == "c" else arr
    keep = np.sqrt((absarr * absarr).sum(axis=axes, keepdims=True))
    out = _wrap(wrap_result(keep if keepdim else keep.reshape([s for i, s in enumerate(keep.shape)
                                                                if i not in axes])))
    if needs_grad(input):
        node = record(out, _norm2_backward, (input,), "NormBackward1")
        node.save_for_backward(input)
        node.info = (arr.shape, axes, keepdim)
        node.out_keep = keep
    return out


def _norm2_backward(node, g):
    """x / ||x||, and 0 where the norm is 0 (PyTorch's subgradient)."""
    (x,) = node.saved_tensors
    shape, axes, keepdim = node.info
    n = x.norm(2, axes, keepdim=True) if g.requires_grad else _wrap(node.out_keep)
    return _expand_back(g, shape, axes, keepdim) * (x / n).masked_fill(n == 0, 0)


def logsumexp(input, dim, keepdim=False):
    """log(sum(exp(x))) shifted by the max for stability (all -inf stays -inf)."""
    axes = _axes(input, dim)
    if not (input.is_floating_point() or input.is_complex()):
        input = input.to(_default_float())
    m = input.detach().amax(axes, keepdim=True)
    m = m.masked_fill(m.isinf(), 0)
    out = (input - m).exp().sum(axes, keepdim=True).log() + m
    return out if keepdim or not axes else out.squeeze(axes)


def _default_float():
    from torsh_core.config import get_default_dtype

    return get_default_dtype()


# cumulative ---------------------------------------------------------------------------------------------------
def cumsum(input, dim, *, dtype=None):
    arr = _accumulate_dtype(input._data, dtype)
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
    arr = _accumulate_dtype(input._data, dtype)
    d = normalize_dim(dim, arr.ndim)
    out = _wrap(wrap_result(np.cumprod(arr, axis=d) if arr.ndim else arr.copy()))
    if needs_grad(input):
        node = record(out, _cumprod_backward, (input,), "CumprodBackward0")
        node.dim = d
        node.save_for_backward(input)
    return out


def _cumprod_backward(node, g):
    """Without zeros: reversed cumsum of g * y, over x. With zeros: sum over positions of exclusive products."""
    (x,) = node.saved_tensors
    d = node.dim
    if x.ndim == 0:
        return g
    if not (x._data == 0).any():
        y = x.cumprod(d)
        return (g * y).flip(d).cumsum(d).flip(d) / x
    from .join import cat, stack

    n = x.shape[d]
    grads = []
    for i in range(n):
        # d y_j / d x_i for j >= i: the cumulative product with x_i replaced by 1
        ones = x.narrow(d, i, 1).detach() * 0 + 1
        y = cat([x.narrow(d, 0, i), ones, x.narrow(d, i + 1, n - i - 1)], d).cumprod(d)
        grads.append((g * y).narrow(d, i, n - i).sum(d))
    return stack(grads, d)


def cummax(input, dim):
    return _cum_extreme(input, dim, np.maximum, "CummaxBackward0")


def cummin(input, dim):
    return _cum_extreme(input, dim, np.minimum, "CumminBackward0")


def _cum_extreme(input, dim, fn, name):
    """Running max/min and the index where it was (last) reached."""
    arr = input._data
    d = normalize_dim(dim, arr.ndim)
    if arr.ndim == 0:
        vals, idx = arr.copy(), np.zeros((), np.int64)
    else:
        vals = fn.accumulate(arr, axis=d)
        pos = np.arange(arr.shape[d]).reshape([-1 if i == d else 1 for i in range(arr.ndim)])
        idx = np.maximum.accumulate(np.where(arr == vals, pos, 0), axis=d)
    values = _wrap(wrap_result(vals))
    indices = _wrap(wrap_result(idx.astype(np.int64)))
    if needs_grad(input):
        node = record(values, _cum_extreme_backward, (input,), name)
        node.indices = indices
        node.dim = d
    return values_indices(values, indices)


def _cum_extreme_backward(node, g):
    if g.ndim == 0:
        return g
    return g.new_zeros(node.in_meta[0][1]).scatter_add(node.dim, node.indices, g)


def logcumsumexp(input, dim):
    d = normalize_dim(dim, input.ndim)
    if input.ndim == 0:
        return input * 1
    m = input.detach().amax(d, keepdim=True)
    m = m.masked_fill(m.isinf(), 0)
    return (input - m).exp().cumsum(d).log() + m


# boolean ----------------------------------------------------------------------------------------------------
def all(input, dim=None, keepdim=False):  # noqa: A001
    return _wrap(wrap_result(np.all(input._data, axis=_axes(input, dim), keepdims=keepdim)))


def any(input, dim=None, keepdim=False):  # noqa: A001
    return _wrap(wrap_result(np.any(input._data, axis=_axes(input, dim), keepdims=keepdim)))


def count_nonzero(input, dim=None):
    return _wrap(np.asarray(np.count_nonzero(input._data, axis=_axes(input, dim)), dtype=np.int64))
