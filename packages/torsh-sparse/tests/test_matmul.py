"""Sparse products against NumPy: spmm, spmv and dense @ sparse in every layout, spgemm, addmm, and the errors."""

import numpy as np
import pytest
import torsh_sparse as S
import torsh_tensor as T
from torsh_core import dtypes
from torsh_core.errors import DTypeError, ShapeError, TorshNotImplementedError

SHAPES = [((0, 0), 0, 3), ((4, 0), 0, 2), ((0, 5), 0, 2), ((1, 1), 1, 1), ((7, 5), 12, 3), ((33, 17), 150, 64),
          ((65, 31), 400, 65), ((5, 300), 50, 0), ((40, 30), 0, 4)]
RTOL = {np.float32: 1e-5, np.float64: 1e-12}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape,nnz,k", SHAPES)
def test_sparse_times_dense(layout, shape, nnz, k, dtype, sparse_of, assert_dense):
    sp, ref = sparse_of(layout, shape, nnz, dtype=dtype, seed=nnz + k)
    d = np.random.default_rng(k).standard_normal((shape[1], k)).astype(dtype)
    tol = RTOL[dtype]
    expected = ref.astype(np.float64) @ d
    for out in (S.mm(sp, T.tensor(d)), sp @ T.tensor(d), sp.mm(T.tensor(d)), sp.matmul(T.tensor(d))):
        assert out.layout is S.strided and out.dtype is sp.dtype and out.shape == (shape[0], k)
        assert_dense(out, expected, rtol=tol, atol=tol * 10)
    x = d[:, 0] if k else np.zeros(shape[1], dtype)
    assert_dense(sp @ T.tensor(x), ref.astype(np.float64) @ x, rtol=tol, atol=tol * 10)
    assert_dense(sp.mv(T.tensor(x)), ref.astype(np.float64) @ x, rtol=tol, atol=tol * 10)


@pytest.mark.parametrize("shape,nnz,k", SHAPES)
def test_dense_times_sparse(layout, shape, nnz, k, sparse_of, assert_dense):
    sp, ref = sparse_of(layout, shape, nnz, seed=nnz)
    d = np.random.default_rng(1).standard_normal((k, shape[0]))
    assert_dense(T.tensor(d) @ sp, d @ ref)
    assert_dense(S.mm(T.tensor(d), sp), d @ ref)
    v = np.random.default_rng(2).standard_normal(shape[0])
    assert_dense(T.tensor(v) @ sp, v @ ref)


def test_non_contiguous_dense_operands(layout, sparse_of, assert_dense):
    sp, ref = sparse_of(layout, (20, 12), 60)
    base = np.random.default_rng(0).standard_normal((24, 30))
    for view in (T.tensor(base)[::2, :7], T.tensor(base[:7, :12]).t(), T.tensor(base)[:12, ::3]):
        assert_dense(sp @ view, ref @ view.numpy())
    assert_dense(T.tensor(base)[:5, :20] @ sp, base[:5, :20] @ ref)


def test_integer_and_complex_products_take_numpy():
    s = S.sparse_coo_tensor([[0, 1, 1], [1, 0, 1]], [2, 3, 4], (2, 2))
    assert (s @ T.tensor([[1, 2], [3, 4]])).tolist() == [[6, 8], [15, 22]]
    c = S.sparse_coo_tensor([[0], [1]], [1 + 2j], (2, 2))
    assert (c @ T.tensor([[0j, 0j], [1j, 1.0 + 0j]])).tolist() == [[-2 + 1j, 1 + 2j], [0j, 0j]]


@pytest.mark.parametrize("shapes", [((7, 5), (5, 6)), ((30, 20), (20, 25)), ((0, 3), (3, 4)), ((4, 0), (0, 3)),
                                    ((1, 1), (1, 1))])
def test_sparse_times_sparse(layout, shapes, sparse_of, assert_dense):
    (sa, sb) = shapes
    a, da = sparse_of(layout, sa, sa[0] * sa[1] // 3, seed=1)
    b, db = sparse_of(layout, sb, sb[0] * sb[1] // 3, seed=2)
    out = a @ b
    assert out.layout is layout
    assert_dense(out, da @ db)
    if layout is S.sparse_coo:
        assert out.is_coalesced()
    assert_dense(S.mm(a, b), da @ db)


def test_addmm(layout, sparse_of, assert_dense):
    sp, ref = sparse_of(layout, (6, 5), 12)
    d = np.random.default_rng(0).standard_normal((5, 3))
    base = np.random.default_rng(1).standard_normal((6, 3))
    assert_dense(S.addmm(T.tensor(base), sp, T.tensor(d)), base + ref @ d)
    assert_dense(S.addmm(T.tensor(base), sp, T.tensor(d), beta=0.5, alpha=-2.0), 0.5 * base - 2 * ref @ d)
    assert_dense(S.addmm(T.tensor(np.full((6, 3), np.nan)), sp, T.tensor(d), beta=0), ref @ d)
    assert_dense(S.addmm(T.tensor(base[0]), sp, T.tensor(d)), base[0] + ref @ d)


def test_product_errors(sparse_of):
    sp, _ = sparse_of(S.sparse_csr, (4, 3), 5)
    with pytest.raises(ShapeError, match=r"cannot be multiplied \(4x3 and 4x2\)"):
        sp @ T.ones(4, 2, dtype=dtypes.float64)
    with pytest.raises(ShapeError, match="cannot be multiplied"):
        T.ones(2, 3, dtype=dtypes.float64) @ sp
    with pytest.raises(ShapeError, match="cannot be multiplied"):
        sp @ sp
    with pytest.raises(DTypeError, match="float32"):
        sp @ T.ones(3, 2)
    with pytest.raises(ShapeError, match="matrices expected"):
        S.mm(sp, T.ones(3, dtype=dtypes.float64))
    with pytest.raises(TorshNotImplementedError, match="reduce"):
        S.mm(sp, T.ones(3, 2, dtype=dtypes.float64), reduce="amax")
    hybrid = S.sparse_coo_tensor([[0], [1]], [[1.0, 2.0]], (2, 2, 2))
    with pytest.raises(TorshNotImplementedError, match="hybrid"):
        hybrid @ T.ones(2, 2)
    with pytest.raises(TorshNotImplementedError, match="batched"):
        S.sparse_coo_tensor([[0], [1], [1]], [1.0], (2, 2, 2)) @ T.ones(2, 2)
    with pytest.raises(TorshNotImplementedError, match="matrix or a vector"):
        sp @ T.ones(2, 3, 2, dtype=dtypes.float64)
    with pytest.raises(DTypeError):
        sp @ sp.t().float()


def test_the_pattern_is_sorted_once_and_shared(sparse_of):
    sp, _ = sparse_of(S.sparse_coo, (50, 40), 300)
    d = T.ones(40, 3, dtype=dtypes.float64)
    sp @ d
    pattern = sp._pattern_cache
    sp @ d
    assert sp._pattern_cache is pattern and pattern._csr is not None
    assert (sp * 2)._pattern_cache is pattern
