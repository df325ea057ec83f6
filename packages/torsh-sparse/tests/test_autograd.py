"""Gradients: float64 finite differences (gradcheck) for every differentiable sparse op, and ``.grad`` of leaves."""

import numpy as np
import pytest
import torsh_sparse as S
import torsh_tensor as T
from torsh_autograd import gradcheck, gradgradcheck
from torsh_core import dtypes

IDX = T.tensor([[0, 1, 0, 1, 2, 3, 3], [1, 0, 1, 2, 2, 0, 3]])  # (0, 1) repeats; row 4 is empty
SHAPE = (5, 4)


def _values(n=7, seed=0):
    return T.tensor(np.random.default_rng(seed).uniform(0.5, 2.0, n), dtype=dtypes.float64, requires_grad=True)


def _dense(shape, seed=1):
    return T.tensor(np.random.default_rng(seed).standard_normal(shape), requires_grad=True)


def _build(layout):
    def build(v, shape=SHAPE, idx=IDX):
        s = S.sparse_coo_tensor(idx, v, shape)
        return s if layout is S.sparse_coo else s.to_sparse(layout=layout)

    return build


def test_mm_gradients_reach_values_and_dense(layout):
    build = _build(layout)
    v, d = _values(), _dense((4, 3))
    assert gradcheck(lambda v, d: S.mm(build(v), d), (v, d))
    assert gradcheck(lambda v, d: build(v) @ d[:, 0], (v, d))
    assert gradcheck(lambda v, d: d.t() @ build(v).t(), (v, d))


def test_dense_times_sparse_gradients(layout):
    build = _build(layout)
    v, d = _values(), _dense((3, 5))
    assert gradcheck(lambda v, d: d @ build(v), (v, d))
    assert gradcheck(lambda v, d: d[0] @ build(v), (v, d))


def test_mm_second_derivatives(layout):
    build = _build(layout)
    assert gradgradcheck(lambda v, d: S.mm(build(v), d), (_values(), _dense((4, 2))))


def test_sparse_times_sparse_gradients(layout):
    build = _build(layout)
    other = T.tensor([[0, 1, 2, 3, 3], [2, 0, 1, 1, 0]])
    assert gradcheck(lambda v, w: (build(v) @ build(w, (4, 3), other)).to_dense(), (_values(), _values(5, 3)))


def test_addmm_gradients():
    base = _dense((5, 2), 7)
    assert gradcheck(lambda b, v, d: S.addmm(b, _build(S.sparse_coo)(v), d, beta=0.5, alpha=3.0),
                     (base, _values(), _dense((4, 2))))


@pytest.mark.parametrize("op", [
    lambda s: s.to_dense(),
    lambda s: s.coalesce().to_dense() if s.is_sparse else s.to_dense(),
    lambda s: (s + s * 2.0).to_dense(),
    lambda s: (s - s * 0.5).to_dense(),
    lambda s: (s * T.tensor(np.arange(20.0).reshape(5, 4))).to_dense(),
    lambda s: (s * s).to_dense(),
    lambda s: s.sum(),
    lambda s: s.t().to_dense(),
    lambda s: s.sqrt().to_dense(),
    lambda s: (s / 3).to_dense(),
])
def test_elementwise_gradients(op, layout):
    build = _build(layout)
    assert gradcheck(lambda v: op(build(v)), (_values(),))


def test_values_gradient_when_built_from_dense(layout):
    x = T.tensor(np.array([[0.0, 1.5], [2.0, 0.0], [0.0, -1.0]]), requires_grad=True)
    w = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    (x.to_sparse(layout=None if layout is S.sparse_coo else layout) @ T.tensor(w)).sum().backward()
    mask = x.detach().numpy() != 0  # the gradient of the stored values only, as PyTorch gives it
    np.testing.assert_allclose(x.grad.numpy(), np.where(mask, np.ones((3, 3)) @ w.T, 0.0), rtol=1e-12)


def test_reductions_and_softmax_gradients():
    build = _build(S.sparse_coo)
    assert gradcheck(lambda v: S.sum(build(v), 0).to_dense(), (_values(),))
    assert gradcheck(lambda v: S.sum(build(v), 1).to_dense(), (_values(),))
    assert gradcheck(lambda v: S.sum(build(v), (0, 1)), (_values(),))
    assert gradcheck(lambda v: S.softmax(build(v), 1).to_dense(), (_values(),))
    assert gradcheck(lambda v: S.softmax(build(v), 0).to_dense(), (_values(),))
    assert gradcheck(lambda v: S.log_softmax(build(v), 1).to_dense(), (_values(),))
    assert gradgradcheck(lambda v: S.log_softmax(build(v), 0).to_dense(), (_values(),))


def test_hybrid_gradients():
    idx = T.tensor([[0, 2, 0], [1, 1, 1]])
    v = T.tensor(np.random.default_rng(0).standard_normal((3, 2)), requires_grad=True)
    build = lambda v: S.sparse_coo_tensor(idx, v, (3, 2, 2))  # noqa: E731
    assert gradcheck(lambda v: build(v).to_dense(), (v,))
    assert gradcheck(lambda v: S.sum(build(v), 2).to_dense(), (v,))
    assert gradcheck(lambda v: S.softmax(build(v), 2).to_dense(), (v,))
    assert gradcheck(lambda v: S.softmax(build(v), 0).to_dense(), (v,))


def test_leaf_grad_is_sparse_on_the_coalesced_pattern():
    s = S.sparse_coo_tensor(IDX, _values().detach(), SHAPE, requires_grad=True)
    d = _dense((4, 3))
    S.mm(s, d).sum().backward()
    g = s.grad
    assert g.layout is S.sparse_coo and g.is_coalesced() and g._nnz() == 6
    dense_grad = np.ones((5, 3)) @ d.detach().numpy().T
    mask = s.detach().to_dense().numpy() != 0
    np.testing.assert_allclose(g.to_dense().numpy(), np.where(mask, dense_grad, 0), rtol=1e-12)
    np.testing.assert_allclose(d.grad.numpy(), s.detach().to_dense().numpy().T @ np.ones((5, 3)), rtol=1e-12)
    s.grad = None
    assert s.grad is None
    s.grad = s.detach() * 2
    assert s._vals.grad is not None
    from torsh_core.errors import TorshRuntimeError

    with pytest.raises(TorshRuntimeError, match="exactly the indices"):
        s.grad = s.detach().coalesce()


def test_leaf_grad_keeps_compressed_layouts(layout):
    s = _build(layout)(_values().detach()).coalesce() if layout is S.sparse_coo else _build(layout)(
        _values().detach())
    s.requires_grad_()
    (s @ _dense((4, 2))).sum().backward()
    assert s.grad.layout is layout and s.grad._nnz() == s._nnz()


def test_backward_from_a_sparse_result():
    v = _values()
    s = S.sparse_coo_tensor(IDX, v, SHAPE) * 2
    s.backward(T.ones(*SHAPE, dtype=dtypes.float64))
    np.testing.assert_array_equal(v.grad.numpy(), np.full(7, 2.0))
