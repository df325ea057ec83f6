"""torsh.sparse against PyTorch 2.13.0: results, gradients, index layouts and the exception types."""

import numpy as np
import pytest
import torsh_sparse as S
import torsh_tensor as T
from torsh_core import dtypes

pytestmark = [pytest.mark.compat, pytest.mark.filterwarnings("ignore:Sparse .* support is in beta"),
              pytest.mark.filterwarnings("ignore:Sparse invariant checks are implicitly disabled")]
torch = pytest.importorskip("torch")

IDX = np.array([[0, 1, 0, 1, 2, 3, 3], [1, 0, 1, 2, 2, 0, 3]])  # (0, 1) twice, row 4 empty
SHAPE = (5, 4)
LAYOUT_NAMES = ["sparse_coo", "sparse_csr", "sparse_csc"]


def _vals(seed=0, n=7):
    return np.random.default_rng(seed).uniform(0.5, 2.0, n)


def pair(layout_name, vals=None, requires_grad=False, idx=IDX, shape=SHAPE):
    """The same sparse tensor in torsh and torch (compressed layouts built from the coalesced COO)."""
    v = _vals() if vals is None else vals
    ours = S.sparse_coo_tensor(T.tensor(idx), T.tensor(v), shape)
    theirs = torch.sparse_coo_tensor(torch.tensor(idx), torch.tensor(v), shape)
    if layout_name != "sparse_coo":
        ours = ours.to_sparse(layout=getattr(S, layout_name))
        theirs = theirs.coalesce().to_sparse(layout=getattr(torch, layout_name))
    if requires_grad:
        ours.requires_grad_()
        theirs.requires_grad_()
    return ours, theirs


def same(ours, theirs, rtol=1e-12, atol=1e-12):
    """Equal values (dense forms of sparse tensors) and the same layout."""
    assert ours.layout.name == str(theirs.layout).split(".")[1]
    a = ours.to_dense().detach().numpy()
    b = theirs.to_dense().detach().numpy()
    assert a.shape == b.shape
    np.testing.assert_allclose(a, b, rtol=rtol, atol=atol)


def test_layouts_and_repr():
    ours, theirs = pair("sparse_coo")
    ours, theirs = ours.float(), theirs.float()
    assert repr(ours) == repr(theirs).replace("torch.", "torsh.")
    c_ours, c_theirs = ours.to_sparse_csr(), theirs.coalesce().to_sparse_csr()
    assert repr(c_ours) == repr(c_theirs).replace("torch.", "torsh.")
    assert repr(S.strided) == repr(torch.strided).replace("torch", "torsh")
    assert T.ones(2).layout is S.strided and torch.ones(2).layout is torch.strided


@pytest.mark.parametrize("name", LAYOUT_NAMES)
def test_indices_of_conversions_match(name):
    ours, theirs = pair(name)
    if name == "sparse_coo":
        ours, theirs = ours.coalesce(), theirs.coalesce()
        np.testing.assert_array_equal(ours.indices().numpy(), theirs.indices().numpy())
    elif name == "sparse_csr":
        np.testing.assert_array_equal(ours.crow_indices().numpy(), theirs.crow_indices().numpy())
        np.testing.assert_array_equal(ours.col_indices().numpy(), theirs.col_indices().numpy())
    else:
        np.testing.assert_array_equal(ours.ccol_indices().numpy(), theirs.ccol_indices().numpy())
        np.testing.assert_array_equal(ours.row_indices().numpy(), theirs.row_indices().numpy())
    np.testing.assert_allclose(ours.values().detach().numpy(), theirs.values().detach().numpy())
    assert (ours.sparse_dim(), ours.dense_dim(), ours._nnz()) == (theirs.sparse_dim(), theirs.dense_dim(),
                                                                   theirs._nnz())
    assert (ours.is_sparse, ours.is_sparse_csr) == (theirs.is_sparse, theirs.is_sparse_csr)


def test_dense_to_sparse_matches():
    x = np.zeros((4, 3, 2))
    x[1, 2] = [1.0, 0.0]
    x[3, 0] = [0.0, -2.0]
    for sd in (3, 2, 1):
        ours, theirs = T.tensor(x).to_sparse(sd), torch.tensor(x).to_sparse(sd)
        np.testing.assert_array_equal(ours.indices().numpy(), theirs.indices().numpy())
        np.testing.assert_array_equal(ours.values().numpy(), theirs.values().numpy())
    ours, theirs = T.tensor(x[:, :, 1]).to_sparse_csc(), torch.tensor(x[:, :, 1]).to_sparse_csc()
    np.testing.assert_array_equal(ours.ccol_indices().numpy(), theirs.ccol_indices().numpy())


def _theirs(fn):
    """PyTorch's result, or None where PyTorch has no kernel for that layout (torsh covers more)."""
    try:
        return fn()
    except (RuntimeError, NotImplementedError):
        return None


@pytest.mark.parametrize("name", LAYOUT_NAMES)
def test_elementwise_results_match(name):
    a, ta = pair(name)
    b, tb = pair(name, _vals(1))
    dense = np.arange(20.0).reshape(SHAPE)
    cases = [
        (lambda: a + b, lambda: ta + tb),
        (lambda: a - b * 2, lambda: ta - tb * 2),
        (lambda: a * 2.5, lambda: ta * 2.5),
        (lambda: a / 4, lambda: ta / 4),
        (lambda: -a, lambda: -ta),
        (lambda: a * T.tensor(dense), lambda: ta * torch.tensor(dense)),
        (lambda: a * b, lambda: ta * tb),
        (lambda: a.t(), lambda: ta.t()),
        (lambda: a.sqrt(), lambda: ta.sqrt()),
        (lambda: T.tensor(dense) + a, lambda: torch.tensor(dense) + ta),
    ]
    compared = 0
    for ours, theirs in cases:
        expected = _theirs(theirs)
        if expected is not None:
            same(ours(), expected)
            compared += 1
    assert compared >= 5


def test_coo_reductions_and_softmax_match():
    a, ta = pair("sparse_coo")
    np.testing.assert_allclose(a.sum().item(), ta.sum().item())
    for dim in (0, 1, (0, 1)):
        same(S.sum(a, dim), torch.sparse.sum(ta, dim))
    same(a.sum(0, keepdim=True), ta.sum(0, keepdim=True))
    for dim in (0, 1):
        same(S.softmax(a, dim), torch.sparse.softmax(ta, dim), rtol=1e-10)
        same(S.log_softmax(a, dim), torch.sparse.log_softmax(ta, dim), rtol=1e-10)
    h = np.random.default_rng(0).standard_normal((7, 3))
    ha, hta = pair("sparse_coo", h, shape=(*SHAPE, 3))
    for dim in (0, 1, 2):
        same(S.softmax(ha, dim), torch.sparse.softmax(hta, dim), rtol=1e-10)
        same(S.sum(ha, dim), torch.sparse.sum(hta, dim))


@pytest.mark.parametrize("name", LAYOUT_NAMES)
def test_products_match(name):
    a, ta = pair(name)
    d = np.random.default_rng(2).standard_normal((4, 3))
    e = np.random.default_rng(3).standard_normal((2, 5))
    same(S.mm(a, T.tensor(d)), torch.sparse.mm(ta, torch.tensor(d)))
    same(a @ T.tensor(d), ta @ torch.tensor(d))
    same(a @ T.tensor(d[:, 0].copy()), ta @ torch.tensor(d[:, 0].copy()))
    same(T.tensor(e) @ a, torch.tensor(e) @ ta)
    base = np.ones((5, 3))
    same(S.addmm(T.tensor(base), a, T.tensor(d), beta=0.5, alpha=2.0),
         torch.sparse.addmm(torch.tensor(base), ta, torch.tensor(d), beta=0.5, alpha=2.0))
    if name != "sparse_csc":  # PyTorch has no CSC @ CSC
        same(a @ a.t().to_sparse(layout=None if name == "sparse_coo" else a.layout),
             ta @ (ta.t() if name == "sparse_coo" else ta.t().to_sparse_csr()))


@pytest.mark.parametrize("name", ["sparse_coo", "sparse_csr"])  # PyTorch has no backward through CSC mm
def test_mm_gradients_match(name):
    a, ta = pair(name, requires_grad=True)
    d = np.random.default_rng(4).standard_normal((4, 3))
    dd, tdd = T.tensor(d, requires_grad=True), torch.tensor(d, requires_grad=True)
    w = np.random.default_rng(5).standard_normal((5, 3))
    (S.mm(a, dd) * T.tensor(w)).sum().backward()
    (torch.sparse.mm(ta, tdd) * torch.tensor(w)).sum().backward()
    same(a.grad, ta.grad)
    np.testing.assert_allclose(dd.grad.numpy(), tdd.grad.numpy(), rtol=1e-12)


def test_dense_side_gradients_match_on_the_stored_entries():
    """dense @ sparse: PyTorch returns the unmasked dense gradient for the sparse operand; torsh returns its values'
    gradient (the same numbers at the stored entries), as torch.sparse.mm does for sparse @ dense."""
    a, ta = pair("sparse_coo", requires_grad=True)
    e = np.random.default_rng(6).standard_normal((2, 5))
    ee, tee = T.tensor(e, requires_grad=True), torch.tensor(e, requires_grad=True)
    (ee @ a).pow(2).sum().backward()
    (tee @ ta).pow(2).sum().backward()
    stored = a.detach().to_dense().numpy() != 0
    np.testing.assert_allclose(a.grad.to_dense().numpy(), np.where(stored, ta.grad.to_dense().numpy(), 0),
                               rtol=1e-12)
    np.testing.assert_allclose(ee.grad.numpy(), tee.grad.numpy(), rtol=1e-12)


@pytest.mark.parametrize("op", [
    lambda m, s: m.sparse.sum(s),
    lambda m, s: (s.to_dense() * m.arange(20.0, dtype=m.float64).reshape(5, 4)).sum(),
    lambda m, s: ((s + s * 2.0).to_dense() ** 2).sum(),
    lambda m, s: (m.sparse.softmax(s, 1).to_dense() * m.arange(20.0, dtype=m.float64).reshape(5, 4)).sum(),
    lambda m, s: (m.sparse.log_softmax(s, 0).to_dense() ** 2).sum(),
    lambda m, s: (m.sparse.sum(s, 1).to_dense() ** 2).sum(),
    lambda m, s: (m.sparse.mm(s, s.t()).to_dense() ** 2).sum(),
    lambda m, s: ((s * m.arange(20.0, dtype=m.float64).reshape(5, 4)).to_dense() ** 2).sum(),
])
def test_coo_gradients_match(op):
    a, ta = pair("sparse_coo", requires_grad=True)
    ours = op(_Torsh, a)
    theirs = op(torch, ta)
    np.testing.assert_allclose(ours.item(), theirs.item(), rtol=1e-12)
    ours.backward()
    theirs.backward()
    same(a.grad, ta.grad, rtol=1e-10)


def test_gradients_reach_values_given_to_the_constructor():
    cidx = np.array([[0, 1, 1, 3], [1, 0, 2, 3]])
    v = _vals(n=4)
    ov, tv = T.tensor(v, requires_grad=True), torch.tensor(v, requires_grad=True)
    d = np.random.default_rng(7).standard_normal((4, 2))
    S.mm(S.sparse_coo_tensor(T.tensor(cidx), ov, SHAPE), T.tensor(d)).sum().backward()
    torch.sparse.mm(torch.sparse_coo_tensor(torch.tensor(cidx), tv, SHAPE), torch.tensor(d)).sum().backward()
    np.testing.assert_allclose(ov.grad.numpy(), tv.grad.numpy(), rtol=1e-12)


class _Torsh:
    """The bits of the torch namespace the gradient ops above use, from torsh."""

    sparse = S
    float64 = dtypes.float64

    @staticmethod
    def arange(*args, **kwargs):
        return T.arange(*args, **kwargs)


@pytest.mark.parametrize("call", [
    lambda m, s, d: s @ m.ones(5, 2, dtype=m.float64),
    lambda m, s, d: s @ m.ones(4, 2),
    lambda m, s, d: s + m.ones(5, 4, dtype=m.float64),
    lambda m, s, d: s.values(),
    lambda m, s, d: s.indices(),
    lambda m, s, d: s.crow_indices(),
    lambda m, s, d: s.exp(),
    lambda m, s, d: s.numpy(),
    lambda m, s, d: m.sparse.softmax(s.coalesce().to_sparse_csr(), 1),
    lambda m, s, d: s.coalesce().to_sparse_csr().sum(0),
    lambda m, s, d: s + m.sparse_coo_tensor(m.tensor([[0], [0]]), m.tensor([1.0], dtype=m.float64), (5, 5)),
    lambda m, s, d: m.sparse_coo_tensor(m.tensor([[0, -1]]), m.tensor([1.0, 2.0])),
    lambda m, s, d: m.sparse_coo_tensor(m.tensor([[0, 1]]), m.tensor([1.0, 2.0, 3.0]), (3,)),
    lambda m, s, d: m.sparse_csr_tensor(m.tensor([0, 2, 2]), m.tensor([1, 0]), m.tensor([1.0, 2.0]), (2, 2),
                                        check_invariants=True),
    lambda m, s, d: m.sparse_coo_tensor(m.tensor([[0, 1]]), m.tensor([1, 2]), (3,), requires_grad=True),
    lambda m, s, d: m.sparse_coo_tensor(m.tensor([[0], [1], [1]]), m.ones(1), (2, 2, 2)).t(),
    lambda m, s, d: m.sparse_coo_tensor(m.tensor([[0], [1]]), m.ones(1, 2), (2, 2, 2)).transpose(0, 2),
])
def test_errors_have_pytorch_types(call):
    with pytest.raises(Exception) as theirs:
        call(torch, pair("sparse_coo")[1], None)
    with pytest.raises(Exception) as ours:
        call(_TorshErrors, pair("sparse_coo")[0], None)
    assert isinstance(ours.value, theirs.type), f"torch raised {theirs.type.__name__}: {theirs.value}; " \
                                                f"torsh raised {type(ours.value).__name__}: {ours.value}"


class _TorshErrors(_Torsh):
    tensor = staticmethod(T.tensor)
    ones = staticmethod(T.ones)
    sparse_coo_tensor = staticmethod(S.sparse_coo_tensor)
    sparse_csr_tensor = staticmethod(S.sparse_csr_tensor)
