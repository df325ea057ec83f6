"""Random sparse data with NumPy references: repeated indices, empty rows and odd sizes on purpose."""

import numpy as np
import pytest
import torsh_sparse as S
import torsh_tensor as T


def random_coo(shape, nnz, dtype=np.float64, seed=0, sparse_dim=None, unique=False):
    """``(indices, values, dense)``: a COO description and the dense array it stands for (repeats add up)."""
    rng = np.random.default_rng(seed)
    sd = len(shape) if sparse_dim is None else sparse_dim
    if unique:
        cells = int(np.prod(shape[:sd]))
        flat = rng.choice(cells, size=min(nnz, cells), replace=False)
        idx = np.stack(np.unravel_index(flat, shape[:sd])).astype(np.int64).reshape(sd, -1)
    else:
        idx = np.stack([rng.integers(0, n, nnz) for n in shape[:sd]]).astype(np.int64).reshape(sd, nnz)
    vals = rng.standard_normal((idx.shape[1], *shape[sd:])).astype(dtype)
    dense = np.zeros(shape, dtype)
    np.add.at(dense, tuple(idx), vals)
    return idx, vals, dense


def make(layout, shape, nnz, dtype=np.float64, seed=0, requires_grad=False):
    """A 2-D sparse tensor of ``layout`` and its dense NumPy reference."""
    idx, vals, dense = random_coo(shape, nnz, dtype, seed)
    sp = S.sparse_coo_tensor(T.tensor(idx), T.tensor(vals), shape)
    if layout is S.sparse_csr:
        sp = sp.to_sparse_csr()
    elif layout is S.sparse_csc:
        sp = sp.to_sparse_csc()
    return (sp.requires_grad_() if requires_grad else sp), dense


def check_dense(t, expected, rtol=1e-12, atol=1e-12):
    """``t`` (dense or sparse) holds ``expected``."""
    arr = t.to_dense().detach().numpy()
    assert arr.shape == expected.shape
    np.testing.assert_allclose(arr, expected, rtol=rtol, atol=atol)


@pytest.fixture(params=[S.sparse_coo, S.sparse_csr, S.sparse_csc], ids=lambda lay: lay.name)
def layout(request):
    """Each sparse layout in turn."""
    return request.param


@pytest.fixture
def assert_dense():
    """``assert_dense(t, expected, rtol=1e-12, atol=1e-12)``: a tensor of any layout holds ``expected``."""
    return check_dense


@pytest.fixture
def sparse_of():
    """``sparse_of(layout, shape, nnz, dtype=float64, seed=0, requires_grad=False)`` -> (tensor, dense array)."""
    return make


@pytest.fixture
def coo_data():
    """``coo_data(shape, nnz, dtype, seed, sparse_dim, unique)`` -> (indices, values, dense array)."""
    return random_coo
