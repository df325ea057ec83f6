"""Joining and rearranging: cat, stack, *stack, flip, roll, repeat, tile, tril/triu, diag, ... against NumPy."""

import numpy as np
import pytest
import torsh_tensor as T
from torsh_autograd import gradcheck, gradgradcheck
from torsh_core import dtypes as D

RNG = np.random.default_rng(5)
A, B = RNG.standard_normal((2, 3)), RNG.standard_normal((2, 3))


def t(a, **kw):
    return T.tensor(np.asarray(a), **kw)


def leaf(a):
    return T.tensor(np.asarray(a, dtype=np.float64), requires_grad=True)


CASES = [
    ("cat0", lambda M, a, b: M.cat([a, b]) if M is T else np.concatenate([a, b])),
    ("cat_neg", lambda M, a, b: M.cat((a, b), -1) if M is T else np.concatenate([a, b], -1)),
    ("stack1", lambda M, a, b: M.stack([a, b], 1)),
    ("stack_neg", lambda M, a, b: M.stack([a, b], -1)),
    ("hstack", lambda M, a, b: M.hstack([a, b])),
    ("vstack", lambda M, a, b: M.vstack([a, b])),
    ("dstack", lambda M, a, b: M.dstack([a, b])),
    ("column_stack", lambda M, a, b: M.column_stack([a, b])),
    ("flip", lambda M, a, b: M.flip(a, (0, 1)) if M is T else np.flip(a, (0, 1))),
    ("fliplr", lambda M, a, b: M.fliplr(a)),
    ("flipud", lambda M, a, b: M.flipud(a)),
    ("roll", lambda M, a, b: M.roll(a, (1, -2), (0, 1)) if M is T else np.roll(a, (1, -2), (0, 1))),
    ("roll_flat", lambda M, a, b: M.roll(a, 4)),
    ("tile", lambda M, a, b: M.tile(a, (2, 1, 3))),
    ("repeat_interleave", lambda M, a, b: M.repeat_interleave(a, 2, 1) if M is T else np.repeat(a, 2, 1)),
    ("tril", lambda M, a, b: M.tril(a, 0) if M is T else np.tril(a, 0)),
    ("triu_k", lambda M, a, b: M.triu(a, 1) if M is T else np.triu(a, 1)),
    ("tril_neg", lambda M, a, b: M.tril(a, -1) if M is T else np.tril(a, -1)),
    ("rot90", lambda M, a, b: M.rot90(a, 1, (0, 1)) if M is T else np.rot90(a, 1, (0, 1))),
    ("rot90_3", lambda M, a, b: M.rot90(a, 3, (0, 1)) if M is T else np.rot90(a, 3, (0, 1))),
    ("diag_mat", lambda M, a, b: M.diag(a, 1) if M is T else np.diag(a, 1)),
    ("kron_repeat", lambda M, a, b: a.repeat(2, 3) if M is T else np.tile(a, (2, 3))),
]


@pytest.mark.parametrize("name, fn", CASES, ids=[c[0] for c in CASES])
def test_join_against_numpy_and_gradcheck(name, fn):
    out = fn(T, t(A), t(B))
    expected = fn(np, A, B)
    assert out.shape == expected.shape
    np.testing.assert_array_equal(out.numpy(), expected)
    np.testing.assert_array_equal(fn(T, t(A.T.copy()).t(), t(B)).numpy(), expected)  # non-contiguous input
    assert gradcheck(lambda a, b: fn(T, a, b), (leaf(A), leaf(B)))


def test_cat_promotes_and_skips_legacy_empty_tensors():
    out = T.cat([t([1, 2]), t([0.5], dtype=D.float32)])
    assert out.dtype is D.float32 and out.numpy().tolist() == [1.0, 2.0, 0.5]
    assert T.cat([t(A), T.tensor([])]).shape == (2, 3)
    assert T.cat([T.zeros(0, 3), T.ones(2, 3)]).shape == (2, 3)
    a, b = T.tensor([1.0], requires_grad=True), T.tensor([2.0], dtype=D.float64, requires_grad=True)
    T.cat([a, b]).sum().backward()
    assert a.grad.dtype is D.float32 and b.grad.dtype is D.float64
    out = T.empty(0)
    T.cat([t([1.0]), t([2.0])], out=out)
    assert out.numpy().tolist() == [1.0, 2.0]


def test_diag_embed_diagflat_repeat_tile_meshgrid():
    v = RNG.standard_normal(3)
    np.testing.assert_array_equal(T.diag(t(v)).numpy(), np.diag(v))
    np.testing.assert_array_equal(T.diag(t(v), -1).numpy(), np.diag(v, -1))
    np.testing.assert_array_equal(T.diagflat(t(A)).numpy(), np.diagflat(A))
    emb = T.diag_embed(t(A))
    assert emb.shape == (2, 3, 3) and np.array_equal(emb.numpy()[1], np.diag(A[1]))
    moved = T.diag_embed(t(A), 1, 0, 2)
    assert moved.shape == (4, 2, 4) and np.array_equal(moved.numpy()[:, 1, :], np.diag(A[1], 1))
    assert t(2.0).repeat(2, 3).shape == (2, 3) and t(A).tile(2).shape == (2, 6)
    np.testing.assert_array_equal(T.repeat_interleave(t(A), t([1, 0]), dim=0).numpy(), A[:1])
    np.testing.assert_array_equal(T.repeat_interleave(t([1, 2])).numpy(), [0, 1, 1])
    x, y = T.meshgrid(t([1, 2, 3]), t([4, 5]), indexing="xy")
    gx, gy = np.meshgrid([1, 2, 3], [4, 5], indexing="xy")
    assert np.array_equal(x.numpy(), gx) and np.array_equal(y.numpy(), gy)
    assert T.cartesian_prod(t([1, 2]), t([3, 4])).numpy().tolist() == [[1, 3], [1, 4], [2, 3], [2, 4]]
    p, q = T.broadcast_tensors(t([[1], [2]]), t([3, 4, 5]))
    assert p.shape == q.shape == (2, 3)
    assert T.atleast_2d(t(1.0)).shape == (1, 1) and T.atleast_3d(t([1.0])).shape == (1, 1, 1)
    assert gradcheck(lambda a: T.diag_embed(a, 1, 0, 2), (leaf(A),))
    assert gradcheck(lambda a: T.diag(a, -1), (leaf(v),))


def test_gradgradcheck_subset():
    assert gradgradcheck(lambda a, b: T.cat([a * a, b], 1), (leaf(A[:, :2]), leaf(B[:, :1])))
    assert gradgradcheck(lambda a: (a * a).repeat(2, 1).tril(), (leaf(A[:, :2]),))


def test_join_errors():
    for bad in (lambda: T.cat([T.ones(2, 3), T.ones(2, 4)]), lambda: T.cat([T.ones(2, 3), T.ones(3)]),
                lambda: T.cat([T.ones(()), T.ones(())]), lambda: T.stack([T.ones(2), T.ones(3)]),
                lambda: T.ones(2, 3).repeat(2), lambda: T.ones(3).tril(), lambda: T.roll(T.ones(2, 3), (1, 2), (0,)),
                lambda: T.diag(T.ones(2, 2, 2))):
        with pytest.raises(RuntimeError):
            bad()
    with pytest.raises(ValueError):
        T.cat([])
    with pytest.raises(TypeError):
        T.cat(T.ones(3))
    with pytest.raises(IndexError):
        T.cat([T.ones(2)], 1)
