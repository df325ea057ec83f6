"""Ordering ops (sort, topk, kthvalue, median, mode, unique, searchsorted, ...) against NumPy, with grads."""

import numpy as np
import pytest
import torsh_tensor as T
from torsh_autograd import gradcheck
from torsh_core import dtypes as D

RNG = np.random.default_rng(3)
X = RNG.standard_normal((3, 5))


def t(a, **kw):
    return T.tensor(np.asarray(a), **kw)


def leaf(a):
    return T.tensor(np.asarray(a, dtype=np.float64), requires_grad=True)


@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("descending", [False, True])
def test_sort_values_indices_and_argsort(dim, descending):
    values, indices = t(X).sort(dim, descending=descending)
    order = np.argsort(-X if descending else X, axis=dim, kind="stable")
    np.testing.assert_array_equal(indices.numpy(), order)
    np.testing.assert_array_equal(values.numpy(), np.take_along_axis(X, order, dim))
    np.testing.assert_array_equal(T.argsort(t(X), dim, descending).numpy(), order)
    assert indices.dtype is D.int64
    assert gradcheck(lambda v: v.sort(dim, descending=descending).values, (leaf(X[:2, :3]),))


def test_sort_is_stable_and_puts_nan_last_ascending_first_descending():
    v, i = T.sort(t([3, 1, 3, 1, 2]), stable=True)
    assert v.numpy().tolist() == [1, 1, 2, 3, 3] and i.numpy().tolist() == [1, 3, 4, 0, 2]
    v, i = T.sort(t([2, 1, 2, 1]), descending=True, stable=True)
    assert i.numpy().tolist() == [0, 2, 1, 3]
    nan = t([1.0, float("nan"), -1.0])
    assert nan.sort().indices.numpy().tolist() == [2, 0, 1]
    assert nan.sort(descending=True).indices.numpy().tolist() == [1, 0, 2]
    assert t([True, False]).sort().values.numpy().tolist() == [False, True]
    assert t(X).t().sort(0).values.numpy().tolist() == np.sort(X.T, 0).tolist()  # non-contiguous
    assert T.msort(t(X)).numpy().tolist() == np.sort(X, 0).tolist()


def test_topk_and_kthvalue():
    v, i = t(X).topk(2)
    order = np.argsort(-X, 1, kind="stable")[:, :2]
    np.testing.assert_array_equal(i.numpy(), order)
    np.testing.assert_array_equal(v.numpy(), np.take_along_axis(X, order, 1))
    small = T.topk(t(X), 2, 0, largest=False)
    np.testing.assert_array_equal(small.values.numpy(), np.sort(X, 0)[:2])
    kv = t(X).kthvalue(2, 1)
    np.testing.assert_array_equal(kv.values.numpy(), np.sort(X, 1)[:, 1])
    np.testing.assert_array_equal(np.take_along_axis(X, kv.indices.numpy()[:, None], 1)[:, 0], kv.values.numpy())
    assert T.kthvalue(t(X), 1, 0, keepdim=True).values.shape == (1, 5)
    for fn in (lambda v: v.topk(2).values, lambda v: v.topk(1, 0, largest=False).values,
               lambda v: v.kthvalue(2, 1).values, lambda v: v.kthvalue(1, 0, keepdim=True).values):
        assert gradcheck(fn, (leaf(X[:2, :4]),))
    with pytest.raises(RuntimeError):
        t(X).topk(6)
    with pytest.raises(RuntimeError):
        t(X).kthvalue(0)


def test_median_and_nanmedian():
    assert T.median(t([4.0, 1.0, 3.0, 2.0])).item() == 2.0  # the lower median
    values, indices = t(X).median(1)
    np.testing.assert_array_equal(values.numpy(), np.sort(X, 1)[:, 2])
    np.testing.assert_array_equal(X[np.arange(3), indices.numpy()], values.numpy())
    nan = t([[1.0, float("nan"), 0.0], [3.0, 1.0, 2.0]])
    m = nan.median(1)
    assert np.isnan(m.values.numpy()[0]) and m.indices.numpy()[0] == 1 and m.values.numpy()[1] == 2.0
    assert np.isnan(nan.median().item())
    nm = nan.nanmedian(1)
    assert nm.values.numpy().tolist() == [0.0, 2.0] and nm.indices.numpy().tolist() == [2, 2]
    assert t([float("nan"), 1.0, 2.0, 3.0]).nanmedian().item() == 2.0
    assert np.isnan(T.zeros(0).median().item())
    x = leaf([1.0, 2.0, 2.0, 3.0, 2.0])
    x.median().backward()
    np.testing.assert_allclose(x.grad.numpy(), [0, 1 / 3, 1 / 3, 0, 1 / 3])  # ties share the gradient
    assert gradcheck(lambda v: v.median(1).values, (leaf(X[:2, :3]),))


def test_mode():
    v, i = t([[1, 2, 2, 3], [4, 4, 1, 1]]).mode(1)
    assert v.numpy().tolist() == [2, 1] and i.numpy().tolist() == [2, 3]  # ties: smallest value, last index
    w = leaf([[1.0, 2.0], [1.0, 3.0], [0.5, 3.0]])
    w.mode(0).values.sum().backward()  # the gradient goes to the element whose index is returned
    np.testing.assert_array_equal(w.grad.numpy(), [[0, 0], [1, 0], [0, 1]])


def test_unique_and_unique_consecutive():
    a = t([[3, 1], [3, 2]])
    u, inv, counts = T.unique(a, return_inverse=True, return_counts=True)
    assert u.numpy().tolist() == [1, 2, 3] and inv.numpy().tolist() == [[2, 0], [2, 1]]
    assert counts.numpy().tolist() == [1, 1, 2]
    rows, inv = T.unique(t([[1, 2], [0, 1], [1, 2]]), dim=0, return_inverse=True)
    assert rows.numpy().tolist() == [[0, 1], [1, 2]] and inv.numpy().tolist() == [1, 0, 1]
    v, c = T.unique_consecutive(t([1, 1, 2, 2, 3, 1]), return_counts=True)
    assert v.numpy().tolist() == [1, 2, 3, 1] and c.numpy().tolist() == [2, 2, 1, 1]
    v, inv = t([[1, 1], [1, 1], [2, 2]]).unique_consecutive(return_inverse=True, dim=0)
    assert v.numpy().tolist() == [[1, 1], [2, 2]] and inv.numpy().tolist() == [0, 0, 1]


def test_searchsorted_bucketize_histc_bincount():
    seq = t([1.0, 3.0, 5.0])
    assert T.searchsorted(seq, t([0.0, 3.0, 6.0])).numpy().tolist() == [0, 1, 3]
    assert T.searchsorted(seq, t([3.0]), right=True).numpy().tolist() == [2]
    assert T.searchsorted(seq, t([3.0]), side="right", out_int32=True).dtype is D.int32
    rows = T.searchsorted(t([[1.0, 2.0], [0.0, 5.0]]), t([[1.5], [6.0]]))
    assert rows.numpy().tolist() == [[1], [2]]
    assert T.searchsorted(t([5.0, 1.0, 3.0]), t([2.0]), sorter=t([1, 2, 0])).numpy().tolist() == [1]
    assert T.bucketize(t([0.5, 3.0]), seq).numpy().tolist() == [0, 1]
    assert T.histc(t([1.0, 2.0, 1.0, 4.0]), bins=4, min=0, max=4).numpy().tolist() == [0, 2, 1, 1]
    assert T.bincount(t([0, 1, 1, 3])).numpy().tolist() == [1, 2, 0, 1]
    assert T.bincount(t([0, 1]), t([0.5, 2.0]), minlength=3).numpy().tolist() == [0.5, 2.0, 0.0]
    with pytest.raises(RuntimeError):
        T.bincount(t([-1, 2]))
    with pytest.raises(NotImplementedError):
        T.bincount(t([1.0]))


def test_zero_dim_and_empty():
    s = leaf(1.5)
    for fn in (lambda v: v.sort().values, lambda v: v.topk(1).values, lambda v: v.kthvalue(1).values,
               lambda v: v.median(0).values):
        assert fn(s).shape == () and gradcheck(fn, (s,))
    e = T.zeros(0)
    assert e.sort().values.shape == (0,) and e.topk(0).values.shape == (0,)
