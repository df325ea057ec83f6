"""Sums over all or some dims and the sparse softmax, against NumPy on the dense arrays."""

import numpy as np
import pytest
import torsh_sparse as S
import torsh_tensor as T
from torsh_core import dtypes
from torsh_core.errors import TorshNotImplementedError, TorshRuntimeError


def _coo(coo_data, shape, nnz, sparse_dim=None, seed=0):
    idx, vals, dense = coo_data(shape, nnz, sparse_dim=sparse_dim, seed=seed)
    return S.sparse_coo_tensor(T.tensor(idx), T.tensor(vals), shape), dense


def test_sum_of_everything(layout, sparse_of):
    sp, dense = sparse_of(layout, (9, 7), 25)
    total = sp.sum()
    assert total.layout is S.strided and total.shape == ()
    np.testing.assert_allclose(total.item(), dense.sum(), rtol=1e-12)
    np.testing.assert_allclose(S.sum(sp).item(), dense.sum(), rtol=1e-12)
    assert S.sum(sp, dtype=dtypes.float32).dtype is dtypes.float32
    with pytest.raises(TorshRuntimeError, match="expected a sparse tensor"):
        S.sum(T.ones(2, 2))


@pytest.mark.parametrize("dims", [0, 1, -1, (0, 2), (1, 2), (0, 1, 2), (2, 3), (0, 3), 3])
def test_sum_over_dims_of_a_hybrid_tensor(dims, coo_data, assert_dense):
    sp, dense = _coo(coo_data, (4, 5, 6, 3), 40, sparse_dim=3, seed=1)
    expected = dense.sum(axis=dims)
    out = S.sum(sp, dims)
    assert_dense(out, expected)
    reduced_sparse = {d % 4 for d in np.atleast_1d(dims)} & {0, 1, 2}
    if out.layout is S.sparse_coo and reduced_sparse:
        assert out.is_coalesced()
    assert_dense(sp.sum(dims, keepdim=True), dense.sum(axis=dims, keepdims=True))


def test_sum_of_all_sparse_dims_is_dense(coo_data):
    sp, dense = _coo(coo_data, (4, 5, 2), 9, sparse_dim=2)
    out = S.sum(sp, (0, 1))
    assert out.layout is S.strided
    np.testing.assert_allclose(out.numpy(), dense.sum(axis=(0, 1)), rtol=1e-12)


def test_sum_keeps_integer_values():
    s = S.sparse_coo_tensor([[0, 1, 1], [1, 0, 1]], T.tensor([1, 2, 3], dtype=dtypes.int32), (2, 2))
    assert S.sum(s, 0).dtype is dtypes.int32 and S.sum(s, 0).to_dense().tolist() == [2, 4]
    assert s.sum().dtype is dtypes.int64 and s.sum().item() == 6


def test_sum_of_compressed_over_dims(sparse_of, assert_dense):
    csr, dense = sparse_of(S.sparse_csr, (6, 5), 12)
    out = csr.sum(0, keepdim=True)
    assert out.layout is S.sparse_csr
    assert_dense(out, dense.sum(axis=0, keepdims=True))
    with pytest.raises(TorshRuntimeError, match="keepdim=False"):
        csr.sum(1)


def _softmax_reference(dense, mask, axis, log):
    """Softmax over the stored entries along ``axis`` (the rest are -inf); zero where nothing is stored."""
    x = np.where(mask, dense, -np.inf)
    with np.errstate(invalid="ignore", divide="ignore"):
        m = np.max(x, axis=axis, keepdims=True)
        m = np.where(np.isfinite(m), m, 0)
        e = np.exp(x - m)
        total = e.sum(axis=axis, keepdims=True)
        out = (x - m - np.log(total)) if log else e / total
    return np.where(mask, out, 0.0)


@pytest.mark.parametrize("log", [False, True])
@pytest.mark.parametrize("dim", [0, 1, 2, -1])
def test_softmax_over_sparse_and_dense_dims(dim, log, coo_data, assert_dense):
    idx, vals, dense = coo_data((6, 5, 3), 14, sparse_dim=2, seed=2, unique=True)
    sp = S.sparse_coo_tensor(T.tensor(idx), T.tensor(vals * 5), (6, 5, 3))
    stored = np.zeros((6, 5), bool)
    stored[tuple(idx)] = True
    mask = np.broadcast_to(stored[..., None], (6, 5, 3))
    out = (S.log_softmax if log else S.softmax)(sp, dim)
    assert out.layout is S.sparse_coo and out.is_coalesced()
    assert_dense(out, _softmax_reference(dense * 5, mask, dim % 3, log), rtol=1e-10, atol=1e-12)


def test_softmax_sums_repeats_first(assert_dense):
    s = S.sparse_coo_tensor([[0, 0, 0], [1, 1, 2]], [1.0, 1.0, 0.0], (1, 3))
    e = np.exp([2.0, 0.0])
    assert_dense(S.softmax(s, 1), np.array([[0.0, e[0] / e.sum(), e[1] / e.sum()]]), rtol=1e-7)
    big = S.sparse_coo_tensor([[0, 0]], [1000.0, 999.0], (2,))
    assert np.isfinite(S.softmax(big, 0).to_dense().numpy()).all()


def test_softmax_dtype_and_errors():
    s = S.sparse_coo_tensor([[0, 1]], [1.0, 2.0], (3,))
    assert S.softmax(s, 0, dtype=dtypes.float64).dtype is dtypes.float64
    with pytest.raises(TorshNotImplementedError, match="not implemented for"):
        S.softmax(S.sparse_coo_tensor([[0, 1]], [1, 2], (3,)), 0)
    with pytest.raises(TorshNotImplementedError, match="COO"):
        S.softmax(T.tensor([[1.0, 2.0]]).to_sparse_csr(), 1)
    with pytest.raises(TorshNotImplementedError, match="COO"):
        S.log_softmax(T.ones(2, 2), 1)
