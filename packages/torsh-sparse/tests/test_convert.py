"""Layout conversions and coalesce against NumPy: round trips, repeated indices, empty rows, hybrid values."""

import numpy as np
import pytest
import torsh_sparse as S
import torsh_tensor as T
from torsh_core.errors import ShapeError, TorshNotImplementedError, TorshRuntimeError

SHAPES = [((0, 0), 0), ((3, 0), 0), ((0, 4), 0), ((1, 1), 1), ((5, 7), 0), ((7, 5), 12), ((33, 17), 200),
          ((64, 3), 500), ((2, 1000), 30)]


@pytest.mark.parametrize("shape,nnz", SHAPES)
def test_every_layout_holds_the_same_matrix(layout, shape, nnz, sparse_of, assert_dense):
    sp, dense = sparse_of(layout, shape, nnz, seed=nnz)
    assert sp.layout is layout and sp.shape == shape
    assert_dense(sp, dense)
    for target in (S.sparse_coo, S.sparse_csr, S.sparse_csc):
        assert_dense(sp.to_sparse(layout=None if target is S.sparse_coo else target), dense)


@pytest.mark.parametrize("shape,nnz", SHAPES)
def test_compressed_indices_are_canonical(shape, nnz, sparse_of):
    csr, dense = sparse_of(S.sparse_csr, shape, nnz, seed=nnz)
    crow, col = csr.crow_indices().numpy(), csr.col_indices().numpy()
    assert crow[0] == 0 and crow[-1] == csr._nnz() and np.all(np.diff(crow) >= 0)
    for r in range(shape[0]):
        cols = col[crow[r]:crow[r + 1]]
        assert np.all(np.diff(cols) > 0)
        np.testing.assert_array_equal(cols, np.flatnonzero(dense[r]))
    csc = csr.to_sparse_csc()
    ccol, row = csc.ccol_indices().numpy(), csc.row_indices().numpy()
    for c in range(shape[1]):
        np.testing.assert_array_equal(row[ccol[c]:ccol[c + 1]], np.flatnonzero(dense[:, c]))


def test_coalesce_sorts_and_sums_repeats(coo_data, assert_dense):
    idx, vals, dense = coo_data((6, 5, 4), 300, seed=3)
    s = S.sparse_coo_tensor(T.tensor(idx), T.tensor(vals), (6, 5, 4))
    c = s.coalesce()
    assert c.is_coalesced() and c.coalesce() is c
    keys = np.ravel_multi_index(tuple(c.indices().numpy()), (6, 5, 4))
    assert np.all(np.diff(keys) > 0)
    np.testing.assert_array_equal(keys, np.flatnonzero(np.isin(np.arange(120), np.ravel_multi_index(tuple(idx),
                                                                                                     (6, 5, 4)))))
    assert_dense(c, dense)


def test_coalesce_of_hybrid_and_one_sparse_dim(coo_data, assert_dense):
    idx, vals, dense = coo_data((9, 3, 2), 40, sparse_dim=1, seed=4)
    c = S.sparse_coo_tensor(T.tensor(idx), T.tensor(vals), (9, 3, 2)).coalesce()
    assert c.values().shape[1:] == (3, 2) and np.all(np.diff(c.indices().numpy()[0]) > 0)
    assert_dense(c, dense)


def test_coalesce_with_a_huge_first_dim():
    s = S.sparse_coo_tensor([[10**12, 5, 10**12], [1, 0, 1]], [1.0, 2.0, 3.0], (10**13, 2))
    c = s.coalesce()
    assert c.indices().tolist() == [[5, 10**12], [0, 1]] and c.values().tolist() == [2.0, 4.0]


def test_dense_to_sparse_with_dense_dims(assert_dense):
    x = np.zeros((4, 3, 2))
    x[1, 2] = [1.0, 0.0]
    x[3, 0] = [0.0, -2.0]
    t = T.tensor(x)
    for sd in (None, 3, 2, 1):
        s = t.to_sparse(sd) if sd is not None else t.to_sparse()
        assert s.sparse_dim() == (3 if sd is None else sd) and s.is_coalesced()
        assert_dense(s, x)
    assert t.to_sparse(2)._nnz() == 2 and t.to_sparse(dense_dim=1).sparse_dim() == 2
    assert_dense(t.to_sparse(0), x)
    csr = t.to_sparse_csr(dense_dim=1)
    assert csr.dense_dim() == 1 and csr.values().shape == (2, 2)
    assert_dense(csr, x)
    assert_dense(t.to_sparse_csc(1), x)


def test_dense_tensor_api():
    t = T.tensor([[0.0, 1.0], [2.0, 0.0]])
    assert t.layout is S.strided and not t.is_sparse and not t.is_sparse_csr
    assert t.to_dense() is t
    assert t.to_sparse_coo().layout is S.sparse_coo
    assert t.to_sparse(layout=S.sparse_csr).layout is S.sparse_csr
    assert t.to_sparse_csc().layout is S.sparse_csc


def test_conversions_to_the_same_layout_return_self():
    s = T.tensor([[0.0, 1.0], [2.0, 0.0]]).to_sparse()
    assert s.to_sparse() is s
    csr = s.to_sparse_csr()
    assert csr.to_sparse_csr() is csr and csr.to_sparse().is_coalesced()
    csc = s.to_sparse_csc()
    assert csc.to_sparse_csc() is csc and csc.to_sparse_csr().layout is S.sparse_csr


def test_uncoalesced_csr_converts_to_uncoalesced_coo(assert_dense):
    csr = S.sparse_csr_tensor([0, 3, 3], [2, 0, 2], [1.0, 2.0, 3.0], (2, 3))
    coo = csr.to_sparse()
    assert not coo.is_coalesced()
    assert_dense(coo, np.array([[2.0, 0.0, 4.0], [0.0, 0.0, 0.0]]))
    assert_dense(csr.to_sparse_csc(), np.array([[2.0, 0.0, 4.0], [0.0, 0.0, 0.0]]))


def test_sparse_mask_takes_values_at_the_mask(assert_dense):
    x = T.tensor(np.arange(6.0).reshape(2, 3))
    mask = S.sparse_coo_tensor([[0, 1, 1], [2, 0, 0]], [1.0, 1.0, 1.0], (2, 3))
    assert_dense(x.sparse_mask(mask), np.array([[0.0, 0.0, 2.0], [3.0, 0.0, 0.0]]))
    assert x.sparse_mask(mask.coalesce().to_sparse_csr()).layout is S.sparse_csr
    with pytest.raises(ShapeError):
        T.ones(3, 3).sparse_mask(mask)


def test_conversion_errors():
    with pytest.raises(TorshRuntimeError, match="sparse_dim"):
        T.ones(2, 2).to_sparse(3)
    with pytest.raises(TorshRuntimeError, match="at least 2 sparse dims"):
        T.ones(3).to_sparse_csr()
    with pytest.raises(TorshNotImplementedError, match="batched"):
        T.ones(2, 2, 2).to_sparse_csr()
    with pytest.raises(TorshNotImplementedError, match="only 2 sparse dims"):
        T.ones(2, 2, 2).to_sparse().to_sparse_csr()
    with pytest.raises(TorshNotImplementedError, match="block"):
        T.ones(2, 2).to_sparse(blocksize=(1, 1))
    with pytest.raises(TorshRuntimeError, match="sparse_dim argument"):
        T.ones(2, 2).to_sparse().to_sparse(1)


def test_to_dense_dtype_and_empty():
    s = S.sparse_coo_tensor([[0]], [3], (2,))
    from torsh_core import dtypes

    d = s.to_dense(dtypes.float64)
    assert d.dtype is dtypes.float64 and d.tolist() == [3.0, 0.0]
    assert S.sparse_csr_tensor([0, 0], [], [], (1, 4)).to_dense().tolist() == [[0.0] * 4]
