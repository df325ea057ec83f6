"""scaled_dot_product_attention and the distance functions against NumPy, with gradients."""

import numpy as np
import pytest
import torsh_functional as F
import torsh_tensor as T


def _softmax(a):
    e = np.exp(a - a.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def test_attention_values(rng):
    q, k, v = rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 5, 4)), rng.standard_normal((2, 5, 6))
    expected = _softmax(q @ k.transpose(0, 2, 1) / 2.0) @ v
    np.testing.assert_allclose(F.scaled_dot_product_attention(T.tensor(q), T.tensor(k), T.tensor(v)).numpy(),
                               expected, rtol=1e-12)
    causal = np.triu(np.full((3, 5), -np.inf), 1)
    expected = _softmax(q @ k.transpose(0, 2, 1) * 0.7 + causal) @ v
    out = F.scaled_dot_product_attention(T.tensor(q), T.tensor(k), T.tensor(v), is_causal=True, scale=0.7)
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-12)


def test_attention_masks(rng):
    q, k, v = rng.standard_normal((3, 4)), rng.standard_normal((5, 4)), rng.standard_normal((5, 2))
    keep = rng.random((3, 5)) < 0.6
    keep[:, 0] = True
    keep[1] = False
    out = F.scaled_dot_product_attention(T.tensor(q), T.tensor(k), T.tensor(v), attn_mask=T.tensor(keep)).numpy()
    scores = np.where(keep, q @ k.T / 2.0, -np.inf)
    np.testing.assert_allclose(out[[0, 2]], _softmax(scores[[0, 2]]) @ v, rtol=1e-12)
    np.testing.assert_array_equal(out[1], 0.0)  # a fully masked row attends to nothing
    bias = rng.standard_normal((3, 5))
    out = F.scaled_dot_product_attention(T.tensor(q), T.tensor(k), T.tensor(v), attn_mask=T.tensor(bias)).numpy()
    np.testing.assert_allclose(out, _softmax(q @ k.T / 2.0 + bias) @ v, rtol=1e-12)


def test_attention_gradients_and_dropout(rng, leaf, check_grad):
    q, k, v = leaf(rng.standard_normal((2, 3, 4))), leaf(rng.standard_normal((2, 4, 4))), leaf(
        rng.standard_normal((2, 4, 3)))
    check_grad(lambda q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=True), q, k, v, second=True)
    T.manual_seed(0)
    out = F.scaled_dot_product_attention(q, k, v, dropout_p=0.5)
    assert out.shape == (2, 3, 3)


def test_distances(rng, leaf, check_grad):
    a, b = rng.standard_normal((4, 5)), rng.standard_normal((4, 5))
    cos = (a * b).sum(1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))
    np.testing.assert_allclose(F.cosine_similarity(T.tensor(a), T.tensor(b)).numpy(), cos, rtol=1e-12)
    np.testing.assert_allclose(F.pairwise_distance(T.tensor(a), T.tensor(b)).numpy(),
                               np.linalg.norm(a - b + 1e-6, axis=1), rtol=1e-12)
    iu = np.triu_indices(4, 1)
    np.testing.assert_allclose(F.pdist(T.tensor(a)).numpy(), np.linalg.norm(a[iu[0]] - a[iu[1]], axis=1),
                               rtol=1e-12)
    check_grad(F.cosine_similarity, leaf(a), leaf(b), second=True)
    check_grad(lambda x, y: F.pairwise_distance(x, y, p=3), leaf(a), leaf(b))
    check_grad(F.pdist, leaf(a))
    with pytest.raises(RuntimeError, match="2D"):
        F.pdist(T.ones(3))
