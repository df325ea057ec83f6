"""Constructors, size inference, accessors and the checks that keep bad indices away from the C kernels."""

import pickle

import numpy as np
import pytest
import torsh_sparse as S
import torsh_tensor as T
from torsh_core import dtypes
from torsh_core.errors import TorshNotImplementedError, TorshRuntimeError, TorshTypeError, TorshValueError

IDX = [[0, 1, 0, 1], [1, 0, 1, 2]]
V = [1.0, 2.0, 3.0, 4.0]
DENSE = np.array([[0.0, 4.0, 0.0], [2.0, 0.0, 4.0]])


def test_coo_basic_properties(assert_dense):
    s = S.sparse_coo_tensor(IDX, V, (2, 3))
    assert s.layout is S.sparse_coo and s.is_sparse and not s.is_sparse_csr
    assert s.shape == (2, 3) and s.size(1) == 3 and s.ndim == s.dim() == 2 and len(s) == 2 and s.numel() == 6
    assert s.sparse_dim() == 2 and s.dense_dim() == 0 and s._nnz() == 4
    assert s.dtype is dtypes.float32 and s.is_floating_point() and not s.is_coalesced()
    assert s.device.type == "cpu" and s.is_cpu and not s.is_cuda
    assert_dense(s, DENSE)


def test_size_and_dtype_are_inferred(assert_dense):
    s = S.sparse_coo_tensor([[0, 4], [1, 2]], np.ones((2, 3)))
    assert s.shape == (5, 3, 3) and s.sparse_dim() == 2 and s.dense_dim() == 1
    assert S.sparse_coo_tensor(IDX, [1, 2, 3, 4]).dtype is dtypes.int64
    assert S.sparse_coo_tensor(IDX, V, dtype=dtypes.float64).dtype is dtypes.float64
    assert S.sparse_csr_tensor([0, 1, 2], [3, 1], [1.0, 2.0]).shape == (2, 4)
    assert S.sparse_csc_tensor([0, 1, 2], [3, 1], [1.0, 2.0]).shape == (4, 2)
    empty = S.sparse_coo_tensor(np.zeros((2, 0), np.int64), np.zeros(0), (2, 3))
    assert empty._nnz() == 0
    assert_dense(empty, np.zeros((2, 3)))


def test_accessors_follow_pytorch():
    s = S.sparse_coo_tensor(IDX, V, (2, 3))
    with pytest.raises(TorshRuntimeError, match="uncoalesced"):
        s.values()
    with pytest.raises(TorshRuntimeError, match="uncoalesced"):
        s.indices()
    np.testing.assert_array_equal(s._indices().numpy(), IDX)
    assert s._values().tolist() == V
    c = s.coalesce()
    assert c.is_coalesced() and c.indices().tolist() == [[0, 1, 1], [1, 0, 2]] and c.values().tolist() == [4, 2, 4]
    csr = c.to_sparse_csr()
    assert csr.crow_indices().tolist() == [0, 1, 3] and csr.col_indices().tolist() == [1, 0, 2]
    assert csr.values().tolist() == [4, 2, 4] and csr.is_sparse_csr and not csr.is_sparse
    csc = c.to_sparse_csc()
    assert csc.ccol_indices().tolist() == [0, 1, 2, 3] and csc.row_indices().tolist() == [1, 0, 1]
    for wrong, call in ((s, "crow_indices"), (csr, "indices"), (csr, "is_coalesced"), (csc, "col_indices"),
                        (csr, "row_indices")):
        with pytest.raises(TorshRuntimeError, match="expected sparse"):
            getattr(wrong, call)()


def test_index_tensors_are_read_only():
    c = S.sparse_coo_tensor(IDX, V, (2, 3)).coalesce()
    with pytest.raises(ValueError):
        c.indices()._data[0, 0] = 5


@pytest.mark.parametrize("indices,values,size,match", [
    ([[0, 5]], [1.0, 2.0], (3,), "for dim 0, size is 3 but found index 5"),
    ([[0, -1]], [1.0, 2.0], (3,), "negative index -1 for dim 0"),
    ([[0, -1]], [1.0, 2.0], None, "negative index -1 for dim 0"),
    ([[0, 1]], [1.0, 2.0, 3.0], (3,), "same nnz"),
    ([0, 1], [1.0, 2.0], (3,), "sparse_dim x nnz"),
    ([[0.5, 1.0]], [1.0, 2.0], (3,), "int64"),
    ([[0, 1]], [1.0, 2.0], (3, 2), "number of dimensions"),
    ([[0, 1]], [[1.0], [2.0]], (3, 2), "values has incorrect size"),
    ([[0, 1]], 1.0, (3,), "at least one dimension"),
])
def test_coo_rejects_bad_input(indices, values, size, match):
    with pytest.raises(TorshRuntimeError, match=match):
        S.sparse_coo_tensor(indices, values, size)


def test_is_coalesced_claim_is_checked():
    assert S.sparse_coo_tensor([[0, 1], [2, 0]], [1.0, 2.0], (2, 3), is_coalesced=True).is_coalesced()
    with pytest.raises(TorshValueError):
        S.sparse_coo_tensor([[1, 0], [0, 2]], [1.0, 2.0], (2, 3), is_coalesced=True)
    with pytest.raises(TorshValueError):
        S.sparse_coo_tensor([[0, 0], [2, 2]], [1.0, 2.0], (2, 3), is_coalesced=True)


@pytest.mark.parametrize("crow,col,size,match", [
    ([1, 1, 2], [0, 1], (2, 2), r"\[\.\.\., 0\] == 0"),
    ([0, 1, 3], [0, 1], (2, 2), "== nnz"),
    ([0, 2, 1, 2], [0, 1], (3, 2), "<= ncols"),
    ([0, 2, 2], [0, 5], (2, 2), "0 <= col_indices < ncols"),
    ([0, 2, 2], [0, -1], (2, 2), "0 <= col_indices < ncols"),
    ([0, 1, 2], [0, 1], (3, 2), "nrows \\+ 1"),
    ([0, 1, 2], [0, 1], (2,), "does not match"),
    ([], [], (0, 2), "must be 1-D"),
])
def test_csr_rejects_bad_input(crow, col, size, match):
    values = np.ones(len(col))
    with pytest.raises(TorshRuntimeError, match=match):
        S.sparse_csr_tensor(np.array(crow, np.int64), np.array(col, np.int64), values, size)


def test_csc_messages_name_csc_indices():
    with pytest.raises(TorshRuntimeError, match="0 <= row_indices < nrows"):
        S.sparse_csc_tensor([0, 1, 2], [0, 7], [1.0, 2.0], (2, 2))


def test_check_invariants_requires_sorted_distinct_columns():
    assert S.sparse_csr_tensor([0, 2, 2], [1, 0], [1.0, 2.0], (2, 2))._nnz() == 2  # allowed, like PyTorch
    for col in ([1, 0], [1, 1]):
        with pytest.raises(TorshRuntimeError, match="sorted and distinct"):
            S.sparse_csr_tensor([0, 2, 2], col, [1.0, 2.0], (2, 2), check_invariants=True)
    S.sparse_csr_tensor([0, 2, 3], [0, 1, 0], [1.0, 2.0, 3.0], (2, 2), check_invariants=True)


def test_unsupported_variants_say_so():
    with pytest.raises(TorshNotImplementedError, match="batched"):
        S.sparse_csr_tensor([[0, 1], [0, 1]], [[0], [0]], [[1.0], [1.0]])
    with pytest.raises(TorshNotImplementedError, match="block"):
        S.sparse_compressed_tensor([0, 1], [0], [1.0], layout=S.strided)
    with pytest.raises(TorshTypeError, match="create sparse tensors"):
        S.SparseTensor()
    with pytest.raises(TorshTypeError, match="to_dense"):
        np.asarray(S.sparse_coo_tensor(IDX, V))
    with pytest.raises(TorshNotImplementedError, match="to_dense"):
        S.sparse_coo_tensor(IDX, V).exp()


def test_sparse_compressed_tensor_picks_the_layout(assert_dense):
    t = S.sparse_compressed_tensor([0, 1, 2], [1, 0], [1.0, 2.0], (2, 2), layout=S.sparse_csc)
    assert t.layout is S.sparse_csc
    assert_dense(t, np.array([[0.0, 2.0], [1.0, 0.0]]))


def test_values_keep_their_graph_and_requires_grad_makes_a_leaf():
    v = T.tensor(V, requires_grad=True)
    s = S.sparse_coo_tensor(IDX, v * 2, (2, 3))
    assert s.requires_grad and not s.is_leaf and s.grad_fn is not None
    leaf = S.sparse_coo_tensor(IDX, v, (2, 3), requires_grad=True)
    assert leaf.is_leaf and leaf.requires_grad and not v.grad
    with pytest.raises(TorshRuntimeError, match="floating point"):
        S.sparse_coo_tensor(IDX, [1, 2, 3, 4], requires_grad=True)


def test_repr_names_every_part():
    s = S.sparse_coo_tensor(IDX, V, (2, 3), dtype=dtypes.float64, requires_grad=True)
    text = repr(s)
    assert text.startswith("tensor(indices=tensor([[0, 1, 0, 1],\n                       [1, 0, 1, 2]]),")
    assert "values=tensor([1., 2., 3., 4.])" in text
    assert text.endswith("size=(2, 3), nnz=4, dtype=torsh.float64, layout=torsh.sparse_coo, requires_grad=True)")
    assert "crow_indices=tensor([0, 1, 3])" in repr(s.detach().to_sparse_csr())
    assert "ccol_indices=" in repr(s.detach().to_sparse_csc())
    assert "grad_fn=<" in repr(s * 2)


def test_copies_moves_and_pickle(layout, assert_dense):
    s = S.sparse_coo_tensor(IDX, V, (2, 3)).to_sparse(layout=None if layout is S.sparse_coo else layout)
    c = s.clone()
    assert c.layout is layout and c is not s
    assert_dense(c, DENSE)
    d = s.double()
    assert d.dtype is dtypes.float64 and d.layout is layout and s.to(dtypes.float32) is s
    back = pickle.loads(pickle.dumps(s.requires_grad_()))
    assert back.layout is layout and back.requires_grad
    assert_dense(back, DENSE)
    import copy

    deep = copy.deepcopy(s)
    assert deep.requires_grad and deep.is_leaf
    assert_dense(deep, DENSE)
    assert pickle.loads(pickle.dumps(S.sparse_csr)) is S.sparse_csr
