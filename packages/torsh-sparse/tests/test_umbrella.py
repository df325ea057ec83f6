"""``import torsh`` exposes torsh-sparse as torch does (skipped when the umbrella is not installed)."""

import pytest
import torsh_sparse as S

torsh = pytest.importorskip("torsh")


def test_torch_names_resolve_to_torsh_sparse():
    assert torsh.sparse is S
    for name in ("sparse_coo_tensor", "sparse_csr_tensor", "sparse_csc_tensor", "sparse_compressed_tensor",
                 "sparse_coo", "sparse_csr", "sparse_csc", "strided", "layout"):
        assert getattr(torsh, name) is getattr(S, name)


def test_dense_tensors_get_the_sparse_methods():
    x = torsh.tensor([[0.0, 1.0], [2.0, 0.0]])
    assert x.layout is torsh.strided and not x.is_sparse
    s = x.to_sparse()
    assert s.layout is torsh.sparse_coo and isinstance(s, torsh.Tensor) and torsh.is_tensor(s)
    assert (s @ torsh.ones(2, 1)).tolist() == [[1.0], [2.0]]
    assert torsh.sparse.mm(s, torsh.ones(2, 1)).tolist() == [[1.0], [2.0]]
