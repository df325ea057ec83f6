"""Normalisation layers against NumPy statistics, running-stat updates, first and second derivatives, errors."""

import numpy as np
import pytest
import torsh_functional as F
import torsh_tensor as T


def _norm(a, axes, eps):
    m = a.mean(axis=axes, keepdims=True)
    v = a.var(axis=axes, keepdims=True)
    return (a - m) / np.sqrt(v + eps)


def test_batch_norm_training_and_running_stats(rng):
    x, w, b = rng.standard_normal((4, 3, 5)), rng.standard_normal(3), rng.standard_normal(3)
    rm, rv = T.tensor(np.zeros(3)), T.tensor(np.ones(3))
    out = F.batch_norm(T.tensor(x), rm, rv, T.tensor(w), T.tensor(b), training=True, momentum=0.2)
    expected = _norm(x, (0, 2), 1e-5) * w[:, None] + b[:, None]
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(rm.numpy(), 0.2 * x.mean((0, 2)), rtol=1e-12)
    np.testing.assert_allclose(rv.numpy(), 0.8 + 0.2 * x.var((0, 2), ddof=1), rtol=1e-12)


def test_batch_norm_eval_uses_running_stats(rng):
    x = rng.standard_normal((4, 3))
    rm, rv = rng.standard_normal(3), rng.uniform(0.5, 2, 3)
    out = F.batch_norm(T.tensor(x), T.tensor(rm), T.tensor(rv), eps=1e-3)
    np.testing.assert_allclose(out.numpy(), (x - rm) / np.sqrt(rv + 1e-3), rtol=1e-12)


def test_layer_group_instance_rms(rng):
    x = rng.standard_normal((2, 6, 3, 2))
    np.testing.assert_allclose(F.layer_norm(T.tensor(x), (3, 2)).numpy(), _norm(x, (2, 3), 1e-5), rtol=1e-10)
    grouped = _norm(x.reshape(2, 3, 2, 3, 2), (2, 3, 4), 1e-5).reshape(x.shape)
    np.testing.assert_allclose(F.group_norm(T.tensor(x), 3).numpy(), grouped, rtol=1e-10)
    np.testing.assert_allclose(F.instance_norm(T.tensor(x)).numpy(), _norm(x, (2, 3), 1e-5), rtol=1e-10)
    w = rng.standard_normal(2)
    rms = x / np.sqrt((x * x).mean(-1, keepdims=True) + 1e-6) * w
    np.testing.assert_allclose(F.rms_norm(T.tensor(x), (2,), T.tensor(w), eps=1e-6).numpy(), rms, rtol=1e-12)


def test_float32_statistics(rng):
    x = rng.standard_normal((8, 4, 6)).astype(np.float32) * 3 + 5
    out = F.layer_norm(T.tensor(x), (6,))
    assert out.dtype == T.tensor(x).dtype
    np.testing.assert_allclose(out.numpy(), _norm(x.astype(np.float64), (2,), 1e-5), rtol=1e-4, atol=1e-4)


def test_gradients(rng, leaf, check_grad):
    x = leaf(rng.standard_normal((3, 2, 4)))
    w, b = leaf(rng.standard_normal(2)), leaf(rng.standard_normal(2))
    check_grad(lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True), x, w, b, second=True)
    check_grad(lambda x, w, b: F.layer_norm(x, (2, 4), w, b), x, leaf(rng.standard_normal((2, 4))),
               leaf(rng.standard_normal((2, 4))), second=True)
    check_grad(lambda x, w, b: F.group_norm(x, 2, w, b), leaf(rng.standard_normal((2, 4, 3))),
               leaf(rng.standard_normal(4)), leaf(rng.standard_normal(4)))
    check_grad(lambda x, w, b: F.instance_norm(x, weight=w, bias=b), x, w, b)
    check_grad(lambda x, w: F.rms_norm(x, (4,), w), x, leaf(rng.standard_normal(4)), second=True)
    check_grad(lambda x: F.local_response_norm(x, 3), leaf(rng.standard_normal((2, 5, 3))))
    check_grad(lambda x: F.normalize(x, dim=-1), x, second=True)
    rm, rv = T.tensor(rng.standard_normal(2)), T.tensor(rng.uniform(0.5, 2, 2))
    check_grad(lambda x, w, b: F.batch_norm(x, rm, rv, w, b), x, w, b)


def test_normalize_values(rng):
    x = rng.standard_normal((3, 4))
    np.testing.assert_allclose(F.normalize(T.tensor(x)).numpy(), x / np.linalg.norm(x, axis=1, keepdims=True))
    np.testing.assert_allclose(F.normalize(T.tensor(x), p=1, dim=0).numpy(), x / np.abs(x).sum(0), rtol=1e-12)
    np.testing.assert_array_equal(F.normalize(T.zeros(2, 3)).numpy(), 0.0)


def test_local_response_norm_values(rng):
    x = rng.standard_normal((2, 5, 3))
    sq = np.pad(x * x, ((0, 0), (1, 1), (0, 0)))
    div = (sq[:, :-2] + sq[:, 1:-1] + sq[:, 2:]) / 3
    np.testing.assert_allclose(F.local_response_norm(T.tensor(x), 3).numpy(), x / (1 + 1e-4 * div) ** 0.75,
                               rtol=1e-12)


@pytest.mark.parametrize("call,exc,match", [
    (lambda: F.batch_norm(T.ones(1, 3), None, None, training=True), ValueError, "more than 1 value per channel"),
    (lambda: F.batch_norm(T.ones(2, 3), None, None), RuntimeError, "must be defined in evaluation mode"),
    (lambda: F.batch_norm(T.ones(2, 3), T.ones(4), T.ones(4)), RuntimeError, "running_mean"),
    (lambda: F.layer_norm(T.ones(2, 3), (4,)), RuntimeError, "expected input with shape"),
    (lambda: F.layer_norm(T.ones(2, 3), 3), TypeError, "normalized_shape"),
    (lambda: F.group_norm(T.ones(2, 6, 4), 4), RuntimeError, "divisible by num_groups"),
    (lambda: F.instance_norm(T.ones(2, 3, 1)), ValueError, "more than 1 spatial element"),
    (lambda: F.layer_norm(T.ones(2, 3).long(), (3,)), NotImplementedError, "Long"),
])
def test_errors(call, exc, match):
    with pytest.raises(exc, match=match):
        call()
