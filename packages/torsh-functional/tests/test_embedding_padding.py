"""embedding, one_hot and pad against NumPy, with gradients and errors."""

import numpy as np
import pytest
import torsh_functional as F
import torsh_tensor as T


def test_embedding_lookup_and_gradient(rng, leaf, check_grad):
    w = rng.standard_normal((6, 4))
    idx = T.tensor([[0, 2, 2], [5, 1, 2]])
    np.testing.assert_array_equal(F.embedding(idx, T.tensor(w)).numpy(), w[idx.numpy()])
    wt = leaf(w)
    F.embedding(idx, wt, padding_idx=1).sum().backward()
    expected = np.zeros((6, 4))
    for i in idx.numpy().ravel():
        if i != 1:
            expected[i] += 1
    np.testing.assert_array_equal(wt.grad.numpy(), expected)
    check_grad(lambda w: F.embedding(idx, w, padding_idx=-3), leaf(w), second=True)  # row 3 unused: smooth


def test_embedding_scale_grad_by_freq(leaf):
    w = leaf(np.ones((3, 2)))
    F.embedding(T.tensor([0, 0, 0, 2]), w, scale_grad_by_freq=True).sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(), [[1, 1], [0, 0], [1, 1]])


def test_embedding_max_norm_renormalises_rows_in_place():
    w = T.tensor([[3.0, 4.0], [0.3, 0.4], [6.0, 8.0]])
    F.embedding(T.tensor([0, 1]), w, max_norm=1.0)
    norms = np.linalg.norm(w.numpy(), axis=1)
    np.testing.assert_allclose(norms[:2], [1.0, 0.5], rtol=1e-6)
    assert norms[2] == 10.0


def test_embedding_errors():
    with pytest.raises(IndexError, match="index out of range"):
        F.embedding(T.tensor([7]), T.ones(3, 2))
    with pytest.raises(RuntimeError, match="Long, Int"):
        F.embedding(T.tensor([1.0]), T.ones(3, 2))
    with pytest.raises(NotImplementedError, match="sparse"):
        F.embedding(T.tensor([1]), T.ones(3, 2), sparse=True)


def test_one_hot():
    out = F.one_hot(T.tensor([[0, 2], [1, 0]]))
    np.testing.assert_array_equal(out.numpy(), np.eye(3, dtype=np.int64)[[[0, 2], [1, 0]]])
    assert F.one_hot(T.tensor([1]), 5).shape == (1, 5)
    with pytest.raises(RuntimeError, match="smaller than num_classes"):
        F.one_hot(T.tensor([3]), 2)
    with pytest.raises(RuntimeError, match="non-negative"):
        F.one_hot(T.tensor([-1]))
    with pytest.raises(RuntimeError, match="LongTensor"):
        F.one_hot(T.tensor([1.0]))


@pytest.mark.parametrize("pad,mode,np_mode", [
    ((1, 2), "constant", "constant"), ((2, 1, 0, 3), "reflect", "reflect"), ((2, 3, 1, 4), "replicate", "edge"),
    ((2, 3, 1, 4), "circular", "wrap"), ((1, 1, 2, 0, 0, 1), "constant", "constant"),
])
def test_pad_matches_numpy(rng, pad, mode, np_mode):
    x = rng.standard_normal((2, 3, 4, 5))
    widths = [(0, 0)] * 4
    for i in range(len(pad) // 2):
        widths[3 - i] = (pad[2 * i], pad[2 * i + 1])
    np.testing.assert_array_equal(F.pad(T.tensor(x), pad, mode).numpy(), np.pad(x, widths, mode=np_mode))


def test_constant_pad_value_and_negative_crop(rng, leaf, check_grad):
    x = rng.standard_normal((2, 4, 5))
    out = F.pad(T.tensor(x), (-1, 2, 1, -2), value=7.0).numpy()
    expected = np.pad(x[:, :-2, 1:], ((0, 0), (1, 0), (0, 2)), constant_values=7.0)
    np.testing.assert_array_equal(out, expected)
    check_grad(lambda t: F.pad(t, (-1, 2, 1, -2), value=7.0), leaf(x), second=True)
    for mode in ("reflect", "replicate", "circular"):
        check_grad(lambda t, m=mode: F.pad(t, (2, 1, 1, 2), mode=m), leaf(x))


@pytest.mark.parametrize("call,exc,match", [
    (lambda: F.pad(T.ones(2, 3), (1,)), RuntimeError, "divisible by 2"),
    (lambda: F.pad(T.ones(2, 3), (1, 1, 1, 1, 1, 1)), RuntimeError, "less than or equal"),
    (lambda: F.pad(T.ones(1, 2, 3), (3, 3), mode="reflect"), RuntimeError, "Padding size should be less"),
    (lambda: F.pad(T.ones(3), (1, 1), mode="reflect"), NotImplementedError, "non-constant padding"),
    (lambda: F.pad(T.ones(1, 2, 3), (1, 1), mode="mirror"), NotImplementedError, "Unrecognised padding mode"),
])
def test_pad_errors(call, exc, match):
    with pytest.raises(exc, match=match):
        call()
