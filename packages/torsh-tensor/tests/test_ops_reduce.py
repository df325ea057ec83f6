"""Reductions: dims as int or tuple (negative too), keepdim, empty and 0-d inputs, grads, errors."""

import numpy as np
import pytest
import torsh_tensor as T
from torsh_autograd import gradcheck, gradgradcheck
from torsh_core import dtypes as D

RNG = np.random.default_rng(2)
X = RNG.standard_normal((2, 3, 4))


def t(a, **kw):
    return T.tensor(np.asarray(a), **kw)


def leaf(a):
    return T.tensor(np.asarray(a, dtype=np.float64), requires_grad=True)


def _np_dim(dim):
    return dim if not isinstance(dim, list) else tuple(dim)


DIMS = [None, 0, -1, (0, 2), (-1, 1)]
REDUCTIONS = [
    ("sum", np.sum), ("mean", np.mean), ("amax", np.max), ("amin", np.min), ("nansum", np.nansum),
    ("var", lambda a, axis, keepdims: np.var(a, axis=axis, keepdims=keepdims, ddof=1)),
    ("std", lambda a, axis, keepdims: np.std(a, axis=axis, keepdims=keepdims, ddof=1)),
    ("logsumexp", lambda a, axis, keepdims: np.log(np.sum(np.exp(a), axis=axis, keepdims=keepdims))),
    ("norm", lambda a, axis, keepdims: np.sqrt(np.sum(a * a, axis=axis, keepdims=keepdims))),
]


@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("dim", DIMS, ids=str)
@pytest.mark.parametrize("name, ref", REDUCTIONS, ids=[r[0] for r in REDUCTIONS])
def test_reduction_values_and_shapes(name, ref, dim, keepdim):
    if name == "logsumexp" and dim is None:
        dim = (0, 1, 2)
    out = getattr(T, name)(t(X), dim=dim, keepdim=keepdim) if name != "norm" else t(X).norm(dim=dim, keepdim=keepdim)
    expected = ref(X, axis=dim, keepdims=keepdim)
    assert out.shape == np.shape(expected) and out.dtype is D.float64
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-12)


@pytest.mark.parametrize("dim", [None, 1, (0, 2)], ids=str)
@pytest.mark.parametrize("name", ["sum", "mean", "amax", "amin", "var", "std", "logsumexp", "norm", "nansum"])
def test_reduction_gradcheck(name, dim):
    x = leaf(X[:, :2, :2])
    if name == "logsumexp" and dim is None:
        dim = (0, 1, 2)
    assert gradcheck(lambda v: getattr(T, name)(v, dim=dim, keepdim=False) if name != "norm" else v.norm(dim=dim), (x,))


@pytest.mark.parametrize("name", ["sum", "mean", "prod", "var", "norm", "logsumexp", "cumsum", "cumprod"])
def test_reduction_gradgradcheck(name):
    x = leaf([[0.5, -1.2, 0.8], [1.5, 0.3, -0.7]])
    fns = {"prod": lambda v: v.prod(1), "logsumexp": lambda v: v.logsumexp(1), "cumsum": lambda v: v.cumsum(1),
           "cumprod": lambda v: v.cumprod(1), "norm": lambda v: v.norm(dim=1)}
    assert gradgradcheck(fns.get(name, lambda v: getattr(v, name)(1)), (x,))


def test_integer_and_bool_sums_accumulate_in_int64_and_dtype_argument():
    i = t(np.arange(6, dtype=np.int32).reshape(2, 3))
    assert i.sum().dtype is D.int64 and i.sum(0).numpy().tolist() == [3, 5, 7]
    assert t([True, True, False]).sum().item() == 2
    assert i.prod(1).dtype is D.int64 and i.cumsum(1).dtype is D.int64
    f = T.tensor([1.0, 2.0], requires_grad=True)
    s = f.sum(dtype=D.float64)
    assert s.dtype is D.float64
    s.backward()
    assert f.grad.dtype is D.float32
    with pytest.raises(RuntimeError):
        i.mean()
    assert i.mean(dtype=D.float64).item() == 2.5


def test_prod_and_cumprod_gradients_are_exact_with_zeros():
    for data in ([[0.5, 0.0, 2.0, 3.0]], [[0.0, 0.0, 2.0, 1.5]], [[1.5, -2.0, 0.7, 1.1]]):
        x = leaf(data)
        assert gradcheck(lambda v: v.prod(1), (x,))
        assert gradcheck(lambda v: v.prod(), (x,))
        assert gradcheck(lambda v: v.cumprod(1), (x,))
    x = leaf([[0.0, 2.0, 3.0]])
    x.prod().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[6.0, 0.0, 0.0]])


def test_max_min_with_dim_return_values_and_indices():
    for fn, ref, arg in ((T.max, np.max, np.argmax), (T.min, np.min, np.argmin)):
        values, indices = fn(t(X), 1)
        np.testing.assert_array_equal(values.numpy(), ref(X, axis=1))
        np.testing.assert_array_equal(indices.numpy(), arg(X, axis=1))
        assert indices.dtype is D.int64
        kept = fn(t(X), -1, keepdim=True)
        assert kept.values.shape == (2, 3, 1) and kept.indices.shape == (2, 3, 1)
    assert T.max(t(X)).item() == X.max()
    np.testing.assert_array_equal(T.max(t([1.0, 5.0]), t([3.0, 2.0])).numpy(), [3.0, 5.0])
    assert T.argmax(t(X)).item() == X.argmax() and T.argmin(t(X), 2, keepdim=True).shape == (2, 3, 1)
    assert T.argmax(t(X), keepdim=True).shape == (1, 1, 1)
    nan = t([[1.0, float("nan"), 3.0]])
    assert np.isnan(nan.max(1).values.item()) and nan.max(1).indices.item() == 1 and nan.argmax().item() == 1
    mm = T.aminmax(t(X), dim=0)
    np.testing.assert_array_equal(mm.min.numpy(), X.min(0))
    np.testing.assert_array_equal(mm.max.numpy(), X.max(0))


def test_max_gradients_ties():
    x = leaf([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]])
    x.max(1).values.sum().backward()
    assert x.grad.numpy().sum(1).tolist() == [1.0, 1.0]  # one winner per row along a dim
    y = leaf([1.0, 3.0, 3.0])
    y.max().backward()
    np.testing.assert_array_equal(y.grad.numpy(), [0.0, 0.5, 0.5])  # full reductions share ties
    z = leaf([[1.0, 3.0], [3.0, 0.0]])
    z.amax(1).sum().backward()
    np.testing.assert_array_equal(z.grad.numpy(), [[0.0, 1.0], [1.0, 0.0]])
    assert gradcheck(lambda v: v.max(1).values, (leaf(X[0]),))
    assert gradcheck(lambda v: v.min(0, keepdim=True).values, (leaf(X[0]),))


def test_var_std_correction_and_unbiased():
    x = t(X)
    np.testing.assert_allclose(x.var(1, correction=0).numpy(), X.var(1))
    np.testing.assert_allclose(x.std(1, unbiased=False).numpy(), X.std(1))
    np.testing.assert_allclose(T.var(x, 0, True).numpy(), X.var(0, ddof=1))
    np.testing.assert_allclose(T.std(x, (0, 2), correction=2).numpy(), X.std((0, 2), ddof=2))
    v, m = T.var_mean(x, 1)
    np.testing.assert_allclose(v.numpy(), X.var(1, ddof=1))
    np.testing.assert_allclose(m.numpy(), X.mean(1))
    s = leaf([[2.0, 2.0], [1.0, 3.0]])
    s.std(1).sum().backward()
    assert s.grad.numpy()[0].tolist() == [0.0, 0.0]  # constant rows: zero (not NaN) gradient
    assert np.isnan(t([1.0]).var().item())  # n - correction == 0
    with pytest.raises(RuntimeError):
        t([1, 2]).var()


def test_norms():
    x = t(X)
    for p, ref in ((1, lambda a, ax: np.abs(a).sum(ax)), (3, lambda a, ax: (np.abs(a) ** 3).sum(ax) ** (1 / 3)),
                   (float("inf"), lambda a, ax: np.abs(a).max(ax)), (float("-inf"), lambda a, ax: np.abs(a).min(ax)),
                   (0, lambda a, ax: (a != 0).sum(ax))):
        np.testing.assert_allclose(x.norm(p, 1).numpy(), ref(X, 1), rtol=1e-12)
    assert x.norm().item() == pytest.approx(np.sqrt((X ** 2).sum()))
    z = leaf([[0.0, 0.0], [3.0, 4.0]])
    z.norm(dim=1).sum().backward()
    np.testing.assert_allclose(z.grad.numpy(), [[0.0, 0.0], [0.6, 0.8]])  # zero norm: zero subgradient
    assert gradcheck(lambda v: v.norm(3, 1), (leaf(X[0, :2]),))
    with pytest.raises(NotImplementedError):
        x.norm("nuc")


def test_logsumexp_is_stable():
    big = t([[1000.0, 1000.0], [-float("inf"), -float("inf")]])
    out = big.logsumexp(1).numpy()
    assert out[0] == pytest.approx(1000 + np.log(2)) and out[1] == -np.inf


def test_cumulative_ops():
    x = t(X)
    np.testing.assert_allclose(x.cumsum(1).numpy(), np.cumsum(X, 1))
    np.testing.assert_allclose(T.cumsum(x, -1).numpy(), np.cumsum(X, -1))
    np.testing.assert_allclose(x.cumprod(2).numpy(), np.cumprod(X, 2))
    values, indices = x.cummax(1)
    np.testing.assert_allclose(values.numpy(), np.maximum.accumulate(X, 1))
    np.testing.assert_array_equal(np.take_along_axis(X, indices.numpy(), 1), values.numpy())
    np.testing.assert_allclose(x.cummin(0).values.numpy(), np.minimum.accumulate(X, 0))
    np.testing.assert_allclose(x.logcumsumexp(2).numpy(), np.log(np.cumsum(np.exp(X), 2)))
    for fn in (lambda v: v.cumsum(1), lambda v: v.cummax(1).values, lambda v: v.cummin(0).values,
               lambda v: v.logcumsumexp(1)):
        assert gradcheck(fn, (leaf(X[0, :, :3]),))


def test_boolean_reductions_and_count_nonzero():
    b = RNG.random((3, 4)) < 0.5
    np.testing.assert_array_equal(t(b).all(1).numpy(), b.all(1))
    np.testing.assert_array_equal(t(b).any(0, keepdim=True).numpy(), b.any(0, keepdims=True))
    assert t(X).all().item() and not t([0.0, 1.0]).all().item()
    i = RNG.integers(-1, 2, (3, 4))
    np.testing.assert_array_equal(T.count_nonzero(t(i), 1).numpy(), np.count_nonzero(i, 1))
    assert T.count_nonzero(t(i), (0, 1)).item() == np.count_nonzero(i)


def test_empty_and_zero_dim_inputs():
    e = T.zeros(0, 3, dtype=D.float64)
    assert e.sum(0).numpy().tolist() == [0.0, 0.0, 0.0] and e.sum(1).shape == (0,)
    assert e.prod(0).numpy().tolist() == [1.0, 1.0, 1.0]
    assert np.isnan(e.mean(0).numpy()).all() and e.amax(1).shape == (0,)
    assert e.cumsum(0).shape == (0, 3)
    for bad in (lambda: e.max(), lambda: e.amax(0), lambda: e.max(0), lambda: e.argmax()):
        with pytest.raises((RuntimeError, IndexError)):
            bad()
    s = leaf(2.5)
    for fn in (lambda v: v.sum(0), lambda v: v.mean(), lambda v: v.max(0).values, lambda v: v.cumsum(0),
               lambda v: v.logsumexp(0), lambda v: v.prod(), lambda v: v.amax(-1)):
        out = fn(s)
        assert out.shape == () and out.item() == pytest.approx(2.5)
        assert gradcheck(fn, (s,))
    assert t(2.0).std(correction=0).item() == 0.0


def test_bad_dims_raise_index_error():
    for bad in (lambda: t(X).sum(3), lambda: t(X).mean(-4), lambda: t(X).max(5), lambda: t(X).cumsum(3),
                lambda: t(X).argmax(3)):
        with pytest.raises(IndexError):
            bad()
    with pytest.raises(RuntimeError):
        t(X).sum((0, 0))
    with pytest.raises(TypeError):
        t(X).prod((0, 1))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("keepdim", [False, True])
def test_large_whole_sums_run_in_c_and_keep_dtype_shape_and_grad(dtype, keepdim):
    """Whole sums of large contiguous float arrays go to the threaded C sum (float32 accumulated in float64)."""
    from torsh_tensor.ops import reduce

    a = RNG.standard_normal((70, 1000)).astype(dtype) + 1
    assert a.size >= reduce._C_SUM_MIN
    x = T.tensor(a, requires_grad=True)
    s = x.sum(keepdim=keepdim) if keepdim else x.sum()
    assert s.dtype == x.dtype and s.shape == ((1, 1) if keepdim else ())
    exact = a.astype(np.float64).sum()
    assert abs(s.item() - exact) <= abs(exact) * (1e-7 if dtype is np.float32 else 1e-13)
    s.backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.ones_like(a))
    strided = T.tensor(a)[:, ::2]  # not contiguous: NumPy's sum
    assert abs(strided.sum().item() - a[:, ::2].astype(np.float64).sum()) <= abs(exact) * 1e-6
