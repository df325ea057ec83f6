"""Elementwise sparse ops, transpose and the unary functions, against the dense NumPy arrays they stand for."""

import numpy as np
import pytest
import torsh_sparse as S
import torsh_tensor as T
from torsh_core import dtypes
from torsh_core.errors import ShapeError, TorshNotImplementedError, TorshRuntimeError


def test_add_and_sub(layout, sparse_of, assert_dense):
    a, da = sparse_of(layout, (7, 5), 15, seed=1)
    b, db = sparse_of(layout, (7, 5), 9, seed=2)
    for out, ref in ((a + b, da + db), (a - b, da - db), (a.add(b, alpha=2), da + 2 * db), (a.sub(b, alpha=3),
                                                                                              da - 3 * db)):
        assert out.layout is layout
        assert_dense(out, ref)
    dense = T.tensor(np.ones((7, 5)))
    assert_dense(dense + a, 1 + da)
    assert_dense(dense - a, 1 - da)
    assert_dense(T.add(dense, b.to_dense()), 1 + db)
    with pytest.raises(TorshRuntimeError, match=r"add\(sparse, dense\) is not supported"):
        a + dense
    with pytest.raises(TorshRuntimeError, match="not supported"):
        a + 1


def test_add_coalesced_inputs_gives_coalesced_output(sparse_of):
    a, _ = sparse_of(S.sparse_coo, (4, 4), 6, seed=1)
    b, _ = sparse_of(S.sparse_coo, (4, 4), 6, seed=2)
    assert not (a + b).is_coalesced()
    assert (a.coalesce() + b.coalesce()).is_coalesced()


def test_add_checks_operands(sparse_of):
    a, _ = sparse_of(S.sparse_coo, (4, 4), 6)
    b, _ = sparse_of(S.sparse_coo, (4, 5), 6)
    with pytest.raises(ShapeError, match=r"\[4, 4\] != \[4, 5\]"):
        a + b
    with pytest.raises(TorshNotImplementedError, match="layouts"):
        a + a.to_sparse_csr()


def test_add_promotes_dtypes():
    a = S.sparse_coo_tensor([[0], [1]], [1.0], (2, 2))
    b = S.sparse_coo_tensor([[0], [1]], [2.0], (2, 2), dtype=dtypes.float64)
    assert (a + b).dtype is dtypes.float64


def test_mul_by_scalars_and_division(layout, sparse_of, assert_dense):
    a, da = sparse_of(layout, (6, 4), 10)
    for out, ref in ((a * 2.5, da * 2.5), (3 * a, 3 * da), (a / 4, da / 4), (-a, -da), (a * T.tensor(2.0), 2 * da),
                     (a.div(2, rounding_mode="floor"), np.floor(da / 2))):
        assert out.layout is layout
        assert_dense(out, ref)
    ints = S.sparse_coo_tensor([[0, 1]], [1, 3], (3,))
    assert (ints * 0.5).dtype is dtypes.float32
    with pytest.raises(TorshNotImplementedError, match="divided by a scalar"):
        a / T.ones(6, 4)


def test_mul_with_dense_gathers_at_the_entries(layout, sparse_of, assert_dense):
    a, da = sparse_of(layout, (6, 4), 14)
    d = np.random.default_rng(0).standard_normal((6, 4))
    for other, ref in ((d, d), (d[0], d[0]), (d[:, :1], d[:, :1])):
        out = a * T.tensor(other)
        assert out.layout is layout and out._nnz() == a._nnz()
        assert_dense(out, da * ref)
        assert_dense(T.tensor(other) * a, da * ref)
    with pytest.raises(ShapeError):
        a * T.ones(6, 5)
    with pytest.raises(TorshNotImplementedError, match="broadcasts it"):
        a * T.ones(2, 6, 4)


def test_mul_hybrid_with_dense(coo_data, assert_dense):
    idx, vals, dense = coo_data((5, 4, 3), 8, sparse_dim=2, seed=2)
    s = S.sparse_coo_tensor(T.tensor(idx), T.tensor(vals), (5, 4, 3))
    w = np.arange(3.0)
    assert_dense(s * T.tensor(w), dense * w)


def test_mul_of_two_sparse_is_their_intersection(layout, sparse_of, assert_dense):
    a, da = sparse_of(layout, (9, 8), 30, seed=5)
    b, db = sparse_of(layout, (9, 8), 30, seed=6)
    out = a * b
    assert out.layout is layout
    assert_dense(out, da * db)
    assert out._nnz() == np.count_nonzero((da != 0) & (db != 0))


def test_in_place_scaling(sparse_of, assert_dense):
    a, da = sparse_of(S.sparse_csr, (4, 4), 6)
    a *= 2
    a /= 4
    a.mul_(3)
    assert_dense(a, da * 1.5)
    with pytest.raises(TorshNotImplementedError):
        a.mul_(T.ones(4, 4))


@pytest.mark.parametrize("name", ["abs", "sqrt", "sin", "tanh", "expm1", "log1p", "sign", "floor", "frac", "erf",
                                  "relu", "atan", "deg2rad"])
def test_unary_functions_apply_to_the_summed_values(name, layout, sparse_of, assert_dense):
    a, da = sparse_of(layout, (5, 6), 20, seed=9)
    out = getattr(a, name)()
    ref = {"relu": lambda x: np.maximum(x, 0), "frac": lambda x: x - np.trunc(x), "erf": None}.get(name)
    if name == "erf":
        import math

        ref = np.vectorize(math.erf)
    ref = ref or getattr(np, {"deg2rad": "deg2rad"}.get(name, name))
    with np.errstate(invalid="ignore"):
        expected = ref(da)
    assert out.layout is layout
    assert_dense(out, np.where(da == 0, 0.0, expected), atol=1e-7)
    if layout is S.sparse_coo:
        assert out.is_coalesced()


def test_transpose_and_t(layout, sparse_of, assert_dense):
    a, da = sparse_of(layout, (6, 4), 10)
    for out in (a.t(), a.transpose(0, 1), a.T, a.transpose(-1, -2)):
        assert out.shape == (4, 6)
        assert_dense(out, da.T)
    if layout is not S.sparse_coo:
        assert a.t().layout is (S.sparse_csc if layout is S.sparse_csr else S.sparse_csr)
        assert np.shares_memory(a.t()._plain, a._plain)  # no copy
    assert a.transpose(1, 1) is a


def test_transpose_of_coo_dims(coo_data, assert_dense):
    idx, vals, dense = coo_data((3, 4, 5, 2), 10, sparse_dim=3, seed=1)
    s = S.sparse_coo_tensor(T.tensor(idx), T.tensor(vals), dense.shape)
    assert_dense(s.transpose(0, 2), dense.transpose(2, 1, 0, 3))
    assert not s.transpose(0, 2).is_coalesced()
    idx, vals, dense = coo_data((3, 4, 5, 2), 10, sparse_dim=2, seed=1)
    h = S.sparse_coo_tensor(T.tensor(idx), T.tensor(vals), dense.shape)
    assert_dense(h.transpose(2, 3), dense.transpose(0, 1, 3, 2))
    with pytest.raises(TorshRuntimeError, match="transposed dimensions must be sparse"):
        h.transpose(0, 2)
    with pytest.raises(TorshRuntimeError, match="t\\(\\) expects"):
        h.t()
    v = S.sparse_coo_tensor([[1]], [2.0], (3,))
    assert v.t() is v
