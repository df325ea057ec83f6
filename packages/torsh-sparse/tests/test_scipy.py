"""SciPy interop (the optional ``scipy`` extra): round trips and memory sharing; skipped without SciPy."""

import numpy as np
import pytest
import torsh_sparse as S
import torsh_tensor as T
from torsh_core.errors import TorshNotImplementedError, TorshRuntimeError, TorshTypeError

sp = pytest.importorskip("scipy.sparse")


def test_to_scipy_shares_memory(layout, sparse_of):
    t, dense = sparse_of(layout, (7, 5), 12)
    m = S.to_scipy(t)
    assert m.format == {"sparse_coo": "coo", "sparse_csr": "csr", "sparse_csc": "csc"}[layout.name]
    np.testing.assert_allclose(m.toarray(), dense)
    assert np.shares_memory(m.data, t._vals.numpy())
    if layout is not S.sparse_coo:
        assert np.shares_memory(m.indices, t._plain) and np.shares_memory(m.indptr, t._compressed)


@pytest.mark.parametrize("fmt", ["csr", "csc", "coo", "lil", "dok"])
def test_from_scipy(fmt, assert_dense):
    m = sp.random_array((9, 6), density=0.3, format="csr", rng=np.random.default_rng(0)).asformat(fmt)
    t = S.from_scipy(m)
    expected_layout = {"csr": S.sparse_csr, "csc": S.sparse_csc}.get(fmt, S.sparse_coo)
    assert t.layout is expected_layout and t.shape == (9, 6)
    assert_dense(t, m.toarray())
    if fmt in ("csr", "csc", "coo"):
        assert np.shares_memory(t._vals.numpy(), m.data)


def test_round_trip_and_gradients(assert_dense):
    m = sp.csr_array(np.array([[0.0, 2.0], [3.0, 0.0]]))
    t = S.from_scipy(m, requires_grad=True)
    assert t.requires_grad and t.is_leaf
    (t @ T.ones(2, 2, dtype=t.dtype)).sum().backward()
    assert_dense(t.grad, np.array([[0.0, 2.0], [2.0, 0.0]]))
    with pytest.raises(TorshRuntimeError, match="requires grad"):
        S.to_scipy(t)
    assert_dense(S.from_scipy(S.to_scipy(t.detach())), m.toarray())


def test_canonical_coo_stays_coalesced():
    m = sp.coo_array(np.array([[0.0, 2.0], [3.0, 0.0]]))
    m.sum_duplicates()
    assert S.from_scipy(m).is_coalesced()


def test_interop_errors():
    with pytest.raises(TorshTypeError):
        S.from_scipy(np.ones((2, 2)))
    with pytest.raises(TorshTypeError):
        S.to_scipy(T.ones(2, 2))
    with pytest.raises(TorshNotImplementedError, match="2-D"):
        S.to_scipy(T.ones(2, 2, 2).to_sparse())
