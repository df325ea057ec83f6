"""In-place variants: values, casting rules, version counters, and autograd through writes into views."""

import numpy as np
import pytest
import torsh_autograd as autograd
import torsh_tensor as T
from torsh_autograd import gradcheck, gradgradcheck
from torsh_core import dtypes as D

RNG = np.random.default_rng(7)
X = RNG.uniform(0.5, 2.0, (3, 4))


def t(a, **kw):
    return T.tensor(np.asarray(a), **kw)


def leaf(a):
    return T.tensor(np.asarray(a, dtype=np.float64), requires_grad=True)


INPLACE = [
    ("add_", lambda x: x.add_(2.0), X + 2), ("sub_", lambda x: x.sub_(t(X[0]), alpha=2), X - 2 * X[0]),
    ("mul_", lambda x: x.mul_(t(X[:, :1])), X * X[:, :1]), ("div_", lambda x: x.div_(4), X / 4),
    ("pow_", lambda x: x.pow_(2), X ** 2), ("clamp_", lambda x: x.clamp_(0.8, 1.5), np.clip(X, 0.8, 1.5)),
    ("exp_", lambda x: x.exp_(), np.exp(X)), ("sqrt_", lambda x: x.sqrt_(), np.sqrt(X)),
    ("neg_", lambda x: x.neg_(), -X), ("zero_", lambda x: x.zero_(), X * 0), ("fill_", lambda x: x.fill_(3), X * 0 + 3),
    ("copy_", lambda x: x.copy_(t(X[0])), np.broadcast_to(X[0], X.shape)),
    ("masked_fill_", lambda x: x.masked_fill_(t(X > 1), 0), np.where(X > 1, 0, X)),
    ("iadd", lambda x: x.__iadd__(1), X + 1), ("imul", lambda x: x.__imul__(t(X)), X * X),
    ("itruediv", lambda x: x.__itruediv__(2), X / 2), ("tril_", lambda x: x.tril_(), np.tril(X)),
    ("index_add_", lambda x: x.index_add_(0, t([1]), t(X[:1])), X + np.array([[0], [1], [0]]) * X[0]),
    ("scatter_", lambda x: x.scatter_(1, t([[0], [1], [2]]), 0.0), X * (1 - np.eye(3, 4))),
    ("lerp_", lambda x: x.lerp_(t(X * 0), 0.5), X / 2), ("sigmoid_", lambda x: x.sigmoid_(), 1 / (1 + np.exp(-X))),
    ("cumsum_", lambda x: x.cumsum_(1), np.cumsum(X, 1)), ("unsqueeze_", lambda x: x.unsqueeze_(0), X[None]),
    ("t_", lambda x: x.t_(), X.T),
]


@pytest.mark.parametrize("name, op, expected", INPLACE, ids=[i[0] for i in INPLACE])
def test_inplace_values_identity_and_version(name, op, expected):
    x = t(X.copy())
    before = x._version[0]
    out = op(x)
    assert out is x
    np.testing.assert_allclose(x.numpy(), expected, rtol=1e-12)
    if name not in ("unsqueeze_", "t_"):
        assert x._version[0] > before


@pytest.mark.parametrize("name, op, expected", INPLACE, ids=[i[0] for i in INPLACE])
def test_inplace_on_a_non_leaf_is_differentiable(name, op, expected):
    assert gradcheck(lambda w: op(w * 1), (leaf(X),))


def test_inplace_casting_rules():
    i = t([1, 2])
    with pytest.raises(RuntimeError, match="Float can't be cast to the desired output type Long"):
        i.mul_(1.5)
    with pytest.raises(RuntimeError):
        i.add_(t([0.5, 0.5]))
    with pytest.raises(RuntimeError):
        i.exp_()
    f = t([1.0, 2.0], dtype=D.float32)
    f.add_(t([1, 2]))
    f.mul_(t(2.0, dtype=D.float64))
    assert f.dtype is D.float32 and f.numpy().tolist() == [4.0, 8.0]
    with pytest.raises(RuntimeError):
        T.ones(3).add_(T.ones(2, 3))  # the result may not grow the tensor


def test_out_argument():
    out = T.empty(0, dtype=D.float64)
    T.add(t(X), 1, out=out)
    np.testing.assert_allclose(out.numpy(), X + 1)
    res = T.zeros(2, dtype=D.int64)
    with pytest.raises(RuntimeError):
        T.mul(t([1.0, 2.0]), 2, out=res)


def test_leaf_and_leaf_view_rules():
    w = leaf([1.0, 2.0])
    for bad in (lambda: w.add_(1), lambda: w[0].mul_(2), lambda: w.__setitem__(0, 1.0), lambda: w.zero_()):
        with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
            bad()
    with autograd.no_grad():
        w[0] = 5.0
        w.mul_(2)
    assert w.numpy(force=True).tolist() == [10.0, 4.0] and w.grad_fn is None


def test_writes_into_views_reach_the_base_history():
    w = leaf(X)
    y = w * 2
    y[0].mul_(5)
    y[:, 1:3].clamp_(max=2.0)
    y.diagonal().zero_()
    y.sum().backward()
    expected = np.full(X.shape, 2.0)
    expected[0] *= 5
    clipped = np.zeros(X.shape, bool)
    clipped[:, 1:3] = (2 * X * np.where(np.arange(3)[:, None] == 0, 5, 1))[:, 1:3] > 2.0
    expected[clipped] = 0
    expected[np.arange(3), np.arange(3)] = 0
    np.testing.assert_allclose(w.grad.numpy(), expected)


def test_view_writes_gradcheck_and_gradgradcheck():
    def fn(w, v):
        y = w * 1
        y.t()[1:, 0] = v * 3
        z = y[1]
        z += v.sum()
        y.narrow(1, 0, 2).mul_(w[:, :2])
        return y

    assert gradcheck(fn, (leaf(X), leaf([0.5, 0.7, 0.9])))
    assert gradgradcheck(fn, (leaf(X[:, :3]), leaf([0.5, 0.7])))


def test_setitem_into_plain_tensor_and_copy_into_slice():
    v = leaf([1.0, 2.0, 3.0])
    y = T.zeros(5, dtype=D.float64)
    y[1:4].copy_(v * 2)
    (y * t(np.arange(5.0))).sum().backward()
    np.testing.assert_allclose(v.grad.numpy(), [2.0, 4.0, 6.0])
    u = leaf([1.0, 1.0, 1.0])
    x = T.zeros(2, 3, dtype=D.float64)
    x[0] += u
    x.sum().backward()
    np.testing.assert_allclose(u.grad.numpy(), [1.0, 1.0, 1.0])
    w = leaf([1.0, 1.0, 1.0, 1.0])
    z = w * 3
    z[1:3].fill_(0)
    z.sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), [3.0, 0.0, 0.0, 3.0])


def test_modified_saved_tensor_is_detected():
    w = leaf([1.0, 2.0])
    y = w * 2
    z = y * y
    y.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        z.sum().backward()


def test_double_backward_through_an_inplace_op():
    x = leaf([1.0, 2.0])
    y = x * x
    y.mul_(x)
    (g,) = autograd.grad(y.sum(), x, create_graph=True)
    np.testing.assert_allclose(g.detach().numpy(), [3.0, 12.0])
    g.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [6.0, 12.0])


def test_inplace_on_non_leaf_without_grad_inputs_zeroes_the_old_history():
    w = leaf([1.0, 2.0])
    y = w * 3
    y.copy_(t([5.0, 6.0]))
    (y + w).sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), [1.0, 1.0])


def test_other_views_see_the_new_history_of_their_base():
    w = leaf([1.0, 1.0, 1.0, 1.0])
    y = w * 3
    a, b = y[:2], y[1:3]  # overlapping views
    a.mul_(2)
    (b * t([1.0, 10.0])).sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), [0.0, 6.0, 30.0, 0.0])
    w = leaf([1.0, 1.0, 1.0, 1.0])
    y = w * 3
    tail = y[1:]
    y.mul_(t(np.arange(4.0)))  # the base itself changes after the view was taken
    tail.sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), [0.0, 3.0, 6.0, 9.0])
    v = leaf([1.0, 2.0])
    x = T.zeros(2, 2, dtype=D.float64)
    row = x[0]
    x[0].copy_(v * 5)  # written through another view of the same memory
    (row * t([1.0, 3.0])).sum().backward()
    np.testing.assert_allclose(v.grad.numpy(), [5.0, 15.0])
