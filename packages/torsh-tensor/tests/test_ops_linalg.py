"""Products: matmul/@ (batched, broadcast, 1-D), mm, bmm, mv, dot, outer, einsum, tensordot, with grads and errors."""

import numpy as np
import pytest
import torsh_tensor as T
from torsh_autograd import gradcheck, gradgradcheck
from torsh_core import dtypes as D

RNG = np.random.default_rng(4)


def r(*shape):
    return RNG.standard_normal(shape)


def t(a, **kw):
    return T.tensor(np.asarray(a), **kw)


def leaf(a):
    return T.tensor(np.asarray(a, dtype=np.float64), requires_grad=True)


MATMUL_SHAPES = [((3, 4), (4, 2)), ((4,), (4, 2)), ((3, 4), (4,)), ((4,), (4,)), ((2, 3, 4), (4, 2)),
                 ((4,), (2, 4, 3)), ((2, 3, 4), (4,)), ((2, 1, 3, 4), (3, 4, 2)), ((2, 3, 4), (2, 4, 5))]


@pytest.mark.parametrize("sa, sb", MATMUL_SHAPES, ids=str)
def test_matmul_values_shapes_and_grads(sa, sb):
    a, b = r(*sa), r(*sb)
    out = t(a) @ t(b)
    expected = np.matmul(a, b)
    assert out.shape == expected.shape
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-12)
    small_a, small_b = leaf(a[..., :2] if a.ndim else a), leaf(b[..., :2, :] if b.ndim > 1 else b[:2])
    assert gradcheck(T.matmul, (small_a, small_b))


def test_matmul_noncontiguous_and_integer():
    a = r(4, 3)
    np.testing.assert_allclose((t(a).t() @ t(a)).numpy(), a.T @ a, rtol=1e-12)
    i = RNG.integers(-3, 4, (2, 3))
    out = t(i) @ t(i.T.copy())
    assert out.dtype is D.int64 and out.numpy().tolist() == (i @ i.T).tolist()
    assert (T.zeros(2, 0) @ T.zeros(0, 3)).numpy().tolist() == [[0.0] * 3] * 2


def test_matmul_gradgradcheck():
    assert gradgradcheck(T.matmul, (leaf(r(2, 3)), leaf(r(3, 2))))
    assert gradgradcheck(T.matmul, (leaf(r(3)), leaf(r(2, 3, 2))))


def test_named_products():
    a, b, v, w = r(3, 4), r(4, 2), r(4), r(3)
    np.testing.assert_allclose(T.mm(t(a), t(b)).numpy(), a @ b)
    np.testing.assert_allclose(T.bmm(t(r(2, 3, 4) + 0), t(r(2, 4, 2))).shape, (2, 3, 2))
    np.testing.assert_allclose(T.mv(t(a), t(v)).numpy(), a @ v)
    np.testing.assert_allclose(T.dot(t(v), t(v)).numpy(), v @ v)
    assert T.dot(t(v), t(v)).shape == ()
    np.testing.assert_allclose(T.vdot(t(v), t(v)).numpy(), v @ v)
    np.testing.assert_allclose(T.outer(t(w), t(v)).numpy(), np.outer(w, v))
    np.testing.assert_allclose(T.inner(t(a), t(r(2, 4) + 0)).shape, (3, 2))
    np.testing.assert_allclose(T.kron(t(a[:2, :2]), t(b[:2])).numpy(), np.kron(a[:2, :2], b[:2]))
    np.testing.assert_allclose(T.trace(t(a)).numpy(), np.trace(a))
    c = r(3, 2)
    np.testing.assert_allclose(T.addmm(t(c), t(a), t(b), beta=0.5, alpha=2).numpy(), 0.5 * c + 2 * a @ b)
    nan = t(np.full((3, 2), np.nan))
    assert not np.isnan(T.addmm(nan, t(a), t(b), beta=0).numpy()).any()  # beta=0 ignores input
    np.testing.assert_allclose(T.addmv(t(w), t(a), t(v)).numpy(), w + a @ v)
    for fn, args in ((T.mm, (r(2, 3), r(3, 2))), (T.bmm, (r(2, 2, 3), r(2, 3, 2))), (T.mv, (r(2, 3), r(3))),
                     (T.dot, (r(3), r(3))), (T.outer, (r(2), r(3))), (T.kron, (r(2, 2), r(2))),
                     (T.trace, (r(3, 3),)), (T.addmm, (r(2, 2), r(2, 3), r(3, 2))),
                     (T.baddbmm, (r(2, 2, 2), r(2, 2, 3), r(2, 3, 2)))):
        assert gradcheck(fn, tuple(leaf(x) for x in args))


EINSUM = [
    ("ij,jk->ik", [(3, 4), (4, 2)]), ("bij,bjk->bik", [(2, 3, 4), (2, 4, 2)]), ("ij,jk", [(3, 4), (4, 2)]),
    ("ii->", [(3, 3)]), ("ii->i", [(3, 3)]), ("ij->", [(3, 4)]), ("ij->ji", [(3, 4)]), ("i,j->ij", [(3,), (4,)]),
    ("...ij,...jk->...ik", [(2, 3, 4), (2, 4, 2)]), ("i,j,k->ijk", [(3,), (4,), (2,)]), ("bii->bi", [(2, 3, 3)]),
    ("ijk,ik->j", [(2, 3, 4), (2, 4)]), ("i,i", [(4,), (4,)]), ("...i->...", [(2, 3)]),
    ("ij,j->i", [(2, 3), (1,)]),
]


@pytest.mark.parametrize("eq, shapes", EINSUM, ids=[e[0] for e in EINSUM])
def test_einsum_values_and_grads(eq, shapes):
    arrays = [r(*s) for s in shapes]
    out = T.einsum(eq, *[t(a) for a in arrays])
    expected = np.einsum(eq, *arrays) if eq != "ij,j->i" else arrays[0] @ np.broadcast_to(arrays[1], (3,))
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-12)
    assert gradcheck(lambda *xs: T.einsum(eq, *xs), tuple(leaf(a) for a in arrays))


def test_einsum_list_form_and_gradgrad():
    a, b = r(3), r(3)
    assert T.einsum("i,i->", [t(a), t(b)]).item() == pytest.approx(a @ b)
    assert gradgradcheck(lambda x, y: T.einsum("ij,jk->ik", x, y), (leaf(r(2, 2)), leaf(r(2, 2))))
    assert gradgradcheck(lambda x: T.einsum("ii->i", x), (leaf(r(2, 2)),))


def test_tensordot():
    a, b = r(2, 3, 4), r(4, 2, 5)
    np.testing.assert_allclose(T.tensordot(t(a), t(b), ([0, 2], [1, 0])).numpy(),
                               np.tensordot(a, b, ([0, 2], [1, 0])), rtol=1e-12)
    np.testing.assert_allclose(T.tensordot(t(r(3, 4) + 0), t(r(4, 2)), 1).shape, (3, 2))
    np.testing.assert_allclose(T.tensordot(t(a), t(a), 3).numpy(), np.tensordot(a, a, 3), rtol=1e-12)
    assert gradcheck(lambda x, y: T.tensordot(x, y, ([1], [0])), (leaf(r(2, 3)), leaf(r(3, 2))))


def test_product_errors():
    for bad in (lambda: t(r(2, 3)) @ t(r(2, 3)), lambda: t(r(2, 2, 3)) @ t(r(2, 4, 3)), lambda: T.ones(()) @ T.ones(3),
                lambda: T.ones(2, 2) @ T.ones(2, 2, dtype=D.float64), lambda: T.mm(T.ones(3), T.ones(3, 2)),
                lambda: T.bmm(T.ones(2, 3), T.ones(3, 2)), lambda: T.dot(T.ones(2), T.ones(3)),
                lambda: T.einsum("ij,jk->ik", T.ones(2, 3), T.ones(4, 2)), lambda: T.einsum("ij,jk", T.ones(2, 2)),
                lambda: T.tensordot(T.ones(2, 3), T.ones(4, 2), 1), lambda: T.trace(T.ones(2, 2, 2))):
        with pytest.raises(RuntimeError):
            bad()
    with pytest.raises(RuntimeError, match="2x3 and 2x3"):
        t(r(2, 3)) @ t(r(2, 3))
