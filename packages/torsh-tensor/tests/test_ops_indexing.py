"""Indexing: [] get/set (basic, advanced, masks, autograd), gather/scatter, index_*, masked_*, where, take, put."""

import numpy as np
import pytest
import torsh_tensor as T
from torsh_autograd import gradcheck, gradgradcheck
from torsh_core import dtypes as D

RNG = np.random.default_rng(6)
X = RNG.standard_normal((3, 4))
X3 = RNG.standard_normal((2, 3, 4))


def t(a, **kw):
    return T.tensor(np.asarray(a), **kw)


def leaf(a):
    return T.tensor(np.asarray(a, dtype=np.float64), requires_grad=True)


MASK = RNG.random((3, 4)) < 0.5
INDICES = [
    ("int", 1), ("neg_int", -1), ("slice", slice(1, None)), ("step", (slice(None), slice(None, None, 2))),
    ("int_pair", (2, 3)), ("none", (None, 1)), ("ellipsis", (Ellipsis, 2)), ("list", [0, 2, 0]),
    ("two_lists", ([0, 1], [2, 3])), ("list_and_slice", (slice(None), [1, 1, 3])), ("mask", MASK),
    ("row_mask", np.array([True, False, True])), ("nested_list", [[0, 1], [2, 2]]), ("bool_true", True),
    ("mixed_none", (None, slice(None), [0, 3])), ("empty_list", []),
]


def _torsh_index(idx):
    """The same index with arrays as tensors (what users pass)."""
    if isinstance(idx, tuple):
        return tuple(_torsh_index(i) for i in idx)
    return t(idx) if isinstance(idx, np.ndarray) else idx


@pytest.mark.parametrize("name, idx", INDICES, ids=[i[0] for i in INDICES])
def test_getitem_matches_numpy_and_gradcheck(name, idx):
    np_idx = np.array(idx, dtype=np.int64) if name == "empty_list" else idx
    np.testing.assert_array_equal(t(X)[_torsh_index(idx)].numpy(), X[np_idx])
    np.testing.assert_array_equal(t(X.T.copy()).t()[_torsh_index(idx)].numpy(), X[np_idx])  # non-contiguous
    if name != "bool_true":
        assert gradcheck(lambda v: v[_torsh_index(idx)], (leaf(X),))


def test_advanced_indices_split_by_slice_and_int_tensors():
    np.testing.assert_array_equal(t(X3)[[0, 1], :, [0, 2]].numpy(), X3[[0, 1], :, [0, 2]])
    idx = t(RNG.integers(0, 3, (2, 2)))
    np.testing.assert_array_equal(t(X)[idx].numpy(), X[idx.numpy()])
    np.testing.assert_array_equal(t(X)[t(1)].numpy(), X[1])
    np.testing.assert_array_equal(t(X)[t([1, 0, 1], dtype=D.int32)].numpy(), X[[1, 0, 1]])
    x = leaf(X)
    x[[0, 0, 2]].sum().backward()  # repeated indices accumulate
    np.testing.assert_array_equal(x.grad.numpy()[:, 0], [2, 0, 1])
    assert gradgradcheck(lambda v: v[[0, 0, 1]] ** 2, (leaf(X[:2, :2]),))


def test_basic_getitem_is_a_view():
    base = t(X.copy())
    v = base[1:, ::2]
    v[0, 0] = 100.0
    assert base.numpy()[1, 0] == 100.0 and v._version[0] == base._version[0]
    copy = base[[0, 1]]
    copy[0, 0] = -5.0
    assert base.numpy()[0, 0] != -5.0


@pytest.mark.parametrize("index, value", [
    ((1,), 7.0), ((slice(None), 1), np.arange(3.0)), ((Ellipsis, slice(1, 3)), np.array([1.0, 2.0])),
    ((MASK,), 0.5), (([0, 2],), np.arange(4.0)), (([0, 1], [1, 2]), np.array([5.0, 6.0])),
])
def test_setitem_broadcasts_values_like_numpy(index, value):
    a = t(X.copy())
    expected = X.copy()
    expected[index] = value
    a[_torsh_index(index)] = t(value) if isinstance(value, np.ndarray) else value
    np.testing.assert_array_equal(a.numpy(), expected)


def test_setitem_casts_and_errors():
    a = T.zeros(3, dtype=D.int64)
    a[0] = 2.7
    a[1:] = t([True, True])
    assert a.numpy().tolist() == [2, 1, 1]
    with pytest.raises(RuntimeError):
        a[:] = t([1, 2])
    with pytest.raises(IndexError):
        a[5] = 1
    with pytest.raises(IndexError):
        a[1.5]
    with pytest.raises(IndexError):
        a[t([1.0])]
    with pytest.raises(IndexError):
        a[0, 0]
    with pytest.raises(IndexError):
        t(X)[t([True, False])]
    with pytest.raises(ValueError):
        a[::-1]


def test_setitem_with_autograd_for_value_and_target():
    v = leaf([1.0, 2.0])
    x = T.zeros(3, 2, dtype=D.float64)
    x[1] = v * 3
    (x * t(np.arange(6.0).reshape(3, 2))).sum().backward()
    np.testing.assert_array_equal(v.grad.numpy(), [6.0, 9.0])
    w, u = leaf(X[:2]), leaf([10.0, 20.0, 30.0, 40.0])

    def assign(w, u):
        y = w * 1
        y[y > 0.5] = 0.0
        y[0] = u
        y[:, 1:3] = u[:2] * 2
        return y

    assert gradcheck(assign, (w, u))
    assert gradgradcheck(lambda w, u: assign(w, u) ** 2, (leaf(X[:2, :3]), leaf([1.0, 2.0, 3.0])))


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_gather_scatter_roundtrip(dim):
    index = RNG.integers(0, X.shape[dim], (2, 3) if dim == 0 else (3, 2))
    out = T.gather(t(X), dim, t(index))
    block = X[:, :3] if dim == 0 else X  # gather reads the leading block that index spans in the other dims
    np.testing.assert_array_equal(out.numpy(), np.take_along_axis(block, index, dim))
    src = RNG.standard_normal(index.shape)
    added = X.copy()
    grids = list(np.indices(index.shape, sparse=True))
    grids[dim if dim >= 0 else dim + 2] = index
    np.add.at(added, tuple(grids), src)
    np.testing.assert_allclose(T.scatter_add(t(X), dim, t(index), t(src)).numpy(), added)
    assert gradcheck(lambda v: v.gather(dim, t(index)), (leaf(X),))
    assert gradcheck(lambda v, s: v.scatter_add(dim, t(index), s), (leaf(X), leaf(src)))
    if dim != 0:  # take_along_dim broadcasts the other dims instead of reading a block
        assert T.take_along_dim(t(X), t(index), dim).numpy().tolist() == out.numpy().tolist()


def test_scatter_value_src_and_reductions():
    index = t([[0, 1], [2, 3], [1, 0]])
    src = RNG.standard_normal((3, 2))
    out = t(X).scatter(1, index, t(src))
    expected = X.copy()
    expected[np.arange(3)[:, None], index.numpy()] = src
    np.testing.assert_array_equal(out.numpy(), expected)
    assert t(X).scatter(1, index, 1.5).numpy()[0, 1] == 1.5
    assert gradcheck(lambda v, s: v.scatter(1, index, s), (leaf(X), leaf(src)))
    dup = t([[0, 0, 1], [2, 2, 2], [3, 1, 3]])
    vals = RNG.uniform(0.5, 2.0, (3, 3))
    for reduce, ufunc in (("sum", np.add), ("prod", np.multiply), ("amax", np.maximum), ("amin", np.minimum)):
        for include_self in (True, False):
            expected = X.copy()
            if not include_self:
                expected[np.arange(3)[:, None], dup.numpy()] = {"sum": 0, "prod": 1, "amax": -np.inf,
                                                                  "amin": np.inf}[reduce]
            ufunc.at(expected, (np.arange(3)[:, None], dup.numpy()), vals)
            got = t(X).scatter_reduce(1, dup, t(vals), reduce, include_self=include_self)
            np.testing.assert_allclose(got.numpy(), expected, err_msg=f"{reduce} {include_self}")
    mean = t(X).scatter_reduce(1, dup, t(vals), "mean")
    assert mean.numpy()[0, 0] == pytest.approx((X[0, 0] + vals[0, 0] + vals[0, 1]) / 3)
    for reduce in ("sum", "mean", "amax", "amin", "prod"):
        for include_self in (True, False):
            assert gradcheck(lambda v, s, r=reduce, i=include_self: v.scatter_reduce(1, dup, s, r, include_self=i),
                             (leaf(X), leaf(vals)))


def test_index_select_add_copy_fill():
    idx = t([2, 0, 2])
    np.testing.assert_array_equal(T.index_select(t(X), 1, idx).numpy(), X[:, [2, 0, 2]])
    src = RNG.standard_normal((3, 3))
    expected = X.copy()
    np.add.at(expected, (slice(None), [2, 0, 2]), 2 * src)
    np.testing.assert_allclose(t(X).index_add(1, idx, t(src), alpha=2).numpy(), expected)
    copied = t(X).index_copy(0, t([2, 0]), t(X[:2] * 0))
    assert (copied.numpy()[[0, 2]] == 0).all() and (copied.numpy()[1] == X[1]).all()
    filled = t(X).index_fill(1, t([3]), -1.0)
    assert (filled.numpy()[:, 3] == -1).all()
    assert t(2.0).index_select(0, t([0])).shape == ()
    for fn, args in ((lambda v: v.index_select(1, idx), (X,)), (lambda v, s: v.index_add(1, idx, s), (X, src)),
                     (lambda v, s: v.index_copy(1, t([3, 0, 1]), s), (X, src)),
                     (lambda v: v.index_fill(0, t([1]), 2.0), (X,))):
        assert gradcheck(fn, tuple(leaf(a) for a in args))


def test_masked_ops_where_nonzero():
    m = t(MASK)
    np.testing.assert_array_equal(t(X).masked_fill(m, 0.5).numpy(), np.where(MASK, 0.5, X))
    np.testing.assert_array_equal(t(X).masked_fill(m[0], 0.5).numpy(), np.where(MASK[0], 0.5, X))
    assert T.zeros(3).masked_fill(T.ones(2, 3, dtype=D.bool), 1.0).shape == (2, 3)
    np.testing.assert_array_equal(T.masked_select(t(X), m).numpy(), X[MASK])
    src = np.arange(12.0)
    expected = X.copy()
    expected[MASK] = src[:MASK.sum()]
    np.testing.assert_array_equal(t(X).masked_scatter(m, t(src)).numpy(), expected)
    cond = RNG.random((3, 1)) < 0.5
    np.testing.assert_array_equal(T.where(t(cond), t(X), t(X[0])).numpy(), np.where(cond, X, X[0]))
    assert T.where(t(cond), 1.0, 0.0).dtype is D.float32
    assert T.where(t(cond), t([1, 2, 3, 4]), 0.5).dtype is D.float32
    np.testing.assert_array_equal(T.nonzero(t(MASK)).numpy(), np.argwhere(MASK))
    rows, cols = T.nonzero(t(MASK), as_tuple=True)
    assert np.array_equal(rows.numpy(), np.nonzero(MASK)[0]) and np.array_equal(cols.numpy(), np.nonzero(MASK)[1])
    assert T.where(t(MASK))[1].numpy().tolist() == np.nonzero(MASK)[1].tolist()
    assert T.nonzero(t(3.0)).shape == (1, 0) and T.argwhere(t(X)).shape == (12, 2)
    for fn, args in ((lambda v: v.masked_fill(m, 0.0), (X,)), (lambda v: v.masked_select(m), (X,)),
                     (lambda v, s: v.masked_scatter(m, s), (X, src)), (lambda a, b: T.where(t(cond), a, b), (X, X[0])),
                     (lambda v, f: v.masked_fill(m, f), (X, 2.0))):
        assert gradcheck(fn, tuple(leaf(a) for a in args))
    with pytest.raises(RuntimeError):
        t(X).masked_fill(t(MASK.astype(np.int64)), 0.0)
    with pytest.raises(RuntimeError):
        T.where(t(X), t(X), t(X))


def test_take_and_put():
    idx = t([[0, 11], [-1, 5]])
    np.testing.assert_array_equal(T.take(t(X), idx).numpy(), X.reshape(-1)[[[0, 11], [-1, 5]]])
    src = t([1.0, 2.0, 3.0])
    put = t(X).put(t([0, 11, 5]), src)
    assert put.numpy().reshape(-1)[[0, 11, 5]].tolist() == [1.0, 2.0, 3.0]
    acc = t(X).put(t([0, 0, -1]), src, accumulate=True)
    assert acc.numpy()[0, 0] == pytest.approx(X[0, 0] + 3) and acc.numpy()[-1, -1] == pytest.approx(X[-1, -1] + 3)
    a = t(X.copy())
    a.put_(t([1]), t([9.0]))
    assert a.numpy()[0, 1] == 9.0
    assert gradcheck(lambda v: T.take(v, idx), (leaf(X),))
    assert gradcheck(lambda v, s: v.put(t([0, 0, 5]), s, accumulate=True), (leaf(X), leaf([1.0, 2.0, 3.0])))
    assert gradcheck(lambda v, s: v.put(t([0, 7, 5]), s), (leaf(X), leaf([1.0, 2.0, 3.0])))
    for bad in (lambda: T.take(t(X), t([12])), lambda: t(X).put(t([-13]), t([1.0]))):
        with pytest.raises(IndexError):
            bad()


def test_index_errors():
    for bad in (lambda: t(X).index_select(0, t([3])), lambda: t(X).index_select(0, t([[0]])),
                lambda: t(X)[t([3])], lambda: t(X)[3]):
        with pytest.raises(IndexError):
            bad()
    for bad in (lambda: t(X).gather(1, t([[4]])), lambda: t(X).gather(1, t([0])),
                lambda: t(X).scatter(0, t([[5]]), 1.0), lambda: t(X).index_add(0, t([0]), t(X[:2])),
                lambda: t(X).gather(0, t([[0.0]])),
                lambda: t(X).masked_scatter(t(MASK), t([1.0])), lambda: t(2.0).index_select(0, t([0, 0]))):
        with pytest.raises(RuntimeError):
            bad()
