"""Regression, binary, divergence and margin losses against NumPy formulas, with gradients."""

import math

import numpy as np
import pytest
import torsh_functional as F
import torsh_tensor as T


def _sig(a):
    return 1 / (1 + np.exp(-a))


def _pair(rng, shape=(4, 5)):
    return rng.standard_normal(shape), rng.standard_normal(shape)


def test_regression_losses(rng):
    x, y = _pair(rng)
    d = x - y
    tx, ty = T.tensor(x), T.tensor(y)
    np.testing.assert_allclose(F.mse_loss(tx, ty).numpy(), (d * d).mean())
    np.testing.assert_allclose(F.l1_loss(tx, ty, reduction="sum").numpy(), np.abs(d).sum())
    sl1 = np.where(np.abs(d) < 0.5, 0.5 * d * d / 0.5, np.abs(d) - 0.25)
    np.testing.assert_allclose(F.smooth_l1_loss(tx, ty, beta=0.5, reduction="none").numpy(), sl1)
    hub = np.where(np.abs(d) < 0.8, 0.5 * d * d, 0.8 * (np.abs(d) - 0.4))
    np.testing.assert_allclose(F.huber_loss(tx, ty, delta=0.8).numpy(), hub.mean())
    w = rng.uniform(0.5, 2, x.shape)
    np.testing.assert_allclose(F.mse_loss(tx, ty, weight=T.tensor(w)).numpy(), (w * d * d).sum() / w.sum())
    np.testing.assert_allclose(F.huber_loss(tx, ty, weight=T.tensor(w)).numpy(),
                               (w * np.where(np.abs(d) < 1, 0.5 * d * d, np.abs(d) - 0.5)).mean())


def test_binary_losses(rng):
    p, t = rng.uniform(0.05, 0.95, (4, 5)), rng.uniform(0, 1, (4, 5))
    bce = -(t * np.log(p) + (1 - t) * np.log(1 - p))
    np.testing.assert_allclose(F.binary_cross_entropy(T.tensor(p), T.tensor(t)).numpy(), bce.mean())
    z, pw = rng.standard_normal((4, 5)) * 5, rng.uniform(0.5, 2, 5)
    sig = _sig(z)
    expected = -(pw * t * np.log(sig) + (1 - t) * np.log(1 - sig))
    out = F.binary_cross_entropy_with_logits(T.tensor(z), T.tensor(t), pos_weight=T.tensor(pw), reduction="none")
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-10)
    saturated = F.binary_cross_entropy(T.tensor([0.0, 1.0]), T.tensor([1.0, 0.0]), reduction="none")
    np.testing.assert_array_equal(saturated.numpy(), [100.0, 100.0])
    extreme = F.binary_cross_entropy_with_logits(T.tensor([800.0, -800.0]), T.tensor([0.0, 1.0]), reduction="none")
    np.testing.assert_allclose(extreme.numpy(), [800.0, 800.0])


def test_divergences(rng):
    logq, p = np.log(rng.dirichlet(np.ones(5), 4)), rng.dirichlet(np.ones(5), 4)
    p[0, 0] = 0.0
    kl = np.where(p > 0, p * np.log(np.where(p > 0, p, 1)), 0) - p * logq
    np.testing.assert_allclose(F.kl_div(T.tensor(logq), T.tensor(p), reduction="batchmean").numpy(), kl.sum() / 4)
    logp = np.log(p[1:])
    np.testing.assert_allclose(F.kl_div(T.tensor(logq[1:]), T.tensor(logp), reduction="sum", log_target=True).numpy(),
                               (p[1:] * (logp - logq[1:])).sum())
    with pytest.warns(UserWarning, match="batchmean"):
        F.kl_div(T.tensor(logq), T.tensor(p))
    x, y = rng.standard_normal((4, 5)), rng.uniform(0, 3, (4, 5))
    np.testing.assert_allclose(F.poisson_nll_loss(T.tensor(x), T.tensor(y)).numpy(), (np.exp(x) - y * x).mean())
    v = rng.uniform(0.5, 2, (4, 5))
    gnll = 0.5 * (np.log(v) + (x - y) ** 2 / v) + 0.5 * math.log(2 * math.pi)
    np.testing.assert_allclose(F.gaussian_nll_loss(T.tensor(x), T.tensor(y), T.tensor(v), full=True).numpy(),
                               gnll.mean())


def test_margin_losses(rng):
    a, b = rng.standard_normal(6), rng.standard_normal(6)
    y = rng.choice([-1.0, 1.0], 6)
    np.testing.assert_allclose(F.margin_ranking_loss(T.tensor(a), T.tensor(b), T.tensor(y), margin=0.2).numpy(),
                               np.maximum(0, -y * (a - b) + 0.2).mean())
    np.testing.assert_allclose(F.hinge_embedding_loss(T.tensor(a), T.tensor(y), reduction="none").numpy(),
                               np.where(y == 1, a, np.maximum(0, 1 - a)))
    np.testing.assert_allclose(F.soft_margin_loss(T.tensor(a), T.tensor(y)).numpy(), np.log1p(np.exp(-y * a)).mean())
    x1, x2 = _pair(rng, (6, 3))
    cos = (x1 * x2).sum(1) / np.sqrt(((x1 * x1).sum(1) + 1e-12) * ((x2 * x2).sum(1) + 1e-12))
    np.testing.assert_allclose(F.cosine_embedding_loss(T.tensor(x1), T.tensor(x2), T.tensor(y), 0.1).numpy(),
                               np.where(y == 1, 1 - cos, np.maximum(0, cos - 0.1)).mean())
    an, po, ne = rng.standard_normal((3, 6, 3))
    dp, dn = np.linalg.norm(an - po + 1e-6, axis=1), np.linalg.norm(an - ne + 1e-6, axis=1)
    np.testing.assert_allclose(F.triplet_margin_loss(T.tensor(an), T.tensor(po), T.tensor(ne)).numpy(),
                               np.maximum(1 + dp - dn, 0).mean())
    x, t = rng.standard_normal((6, 4)), rng.integers(0, 4, 6)
    margins = np.maximum(0, 1 - x[np.arange(6), t][:, None] + x)
    margins[np.arange(6), t] = 0
    np.testing.assert_allclose(F.multi_margin_loss(T.tensor(x), T.tensor(t)).numpy(), (margins.sum(1) / 4).mean())
    lab = rng.integers(0, 2, (6, 4)).astype(float)
    mlsm = -(lab * np.log(_sig(x)) + (1 - lab) * np.log(_sig(-x))).mean(1).mean()
    np.testing.assert_allclose(F.multilabel_soft_margin_loss(T.tensor(x), T.tensor(lab)).numpy(), mlsm)


def test_gradients(rng, leaf, check_grad):
    x, y = _pair(rng, (3, 4))
    x = x + np.sign(x - y) * 0.3  # keep |x - y| away from the kinks at 0 and beta/delta
    for fn in (F.mse_loss, F.l1_loss, lambda a, b: F.smooth_l1_loss(a, b, beta=0.1),
               lambda a, b: F.huber_loss(a, b, delta=0.1), F.soft_margin_loss,
               lambda a, b: F.binary_cross_entropy_with_logits(a, _sig_t(b), pos_weight=T.tensor([1.0, 2.0, 0.5, 3.0])),
               lambda a, b: F.poisson_nll_loss(a, b.abs()), lambda a, b: F.gaussian_nll_loss(a, b, a.exp())):
        check_grad(fn, leaf(x), leaf(y))
    check_grad(F.binary_cross_entropy, leaf(rng.uniform(0.1, 0.9, (3, 4))), leaf(rng.uniform(0, 1, (3, 4))),
               second=True)
    check_grad(lambda a, b: F.kl_div(a, b, reduction="batchmean"), leaf(np.log(rng.dirichlet(np.ones(4), 3))),
               leaf(rng.dirichlet(np.ones(4), 3)))
    check_grad(lambda a, b: F.kl_div(a, b, reduction="sum", log_target=True), leaf(x), leaf(y))
    a, b, n = (leaf(rng.standard_normal((4, 3))) for _ in range(3))
    check_grad(lambda a, b, n: F.triplet_margin_loss(a, b, n, margin=5.0, swap=True), a, b, n)
    check_grad(lambda a, b: F.cosine_embedding_loss(a, b, T.tensor([1.0, -1.0, 1.0, -1.0]), margin=-1.0), a, b)
    check_grad(lambda a: F.multi_margin_loss(a, T.tensor([0, 2, 1, 0]), p=2, margin=5.0), a)
    signs = T.tensor([1.0, -1.0, -1.0, 1.0])
    check_grad(lambda u, v: F.margin_ranking_loss(u, v, signs, margin=10.0), leaf(rng.standard_normal(4)),
               leaf(rng.standard_normal(4)))
    check_grad(lambda u: F.hinge_embedding_loss(u, signs, margin=10.0), leaf(rng.standard_normal(4)))
    labels = T.tensor(rng.integers(0, 2, (4, 3)).astype(float))
    check_grad(lambda a: F.multilabel_soft_margin_loss(a, labels), a)


def _sig_t(t):
    return t.sigmoid()


@pytest.mark.parametrize("call,exc,match", [
    (lambda: F.binary_cross_entropy(T.tensor([1.5]), T.tensor([1.0])), RuntimeError, "between 0 and 1"),
    (lambda: F.binary_cross_entropy(T.ones(2, 2) / 2, T.ones(4) / 2), ValueError, "different to the input size"),
    (lambda: F.binary_cross_entropy_with_logits(T.ones(2), T.ones(3)), ValueError, "must be the same as input"),
    (lambda: F.smooth_l1_loss(T.ones(2), T.ones(2), beta=-1.0), RuntimeError, "negative values for beta"),
    (lambda: F.huber_loss(T.ones(2), T.ones(2), delta=0.0), RuntimeError, "non-positive values for delta"),
    (lambda: F.mse_loss(T.ones(2), T.ones(2), reduction="avg"), ValueError, "not a valid value"),
    (lambda: F.mse_loss(T.ones(2), T.ones(2), weight=T.ones(3)), ValueError, "same size"),
    (lambda: F.gaussian_nll_loss(T.ones(2, 3), T.ones(2, 3), T.ones(3)), ValueError, "incorrect size"),
    (lambda: F.gaussian_nll_loss(T.ones(2), T.ones(2), -1.0), ValueError, "negative"),
    (lambda: F.multi_margin_loss(T.ones(2, 3), T.tensor([0, 1]), p=3), ValueError, "p == 1 and p == 2"),
    (lambda: F.cosine_embedding_loss(T.ones(2, 3), T.ones(2, 3), T.ones(2, 1)), RuntimeError, "0D or 1D target"),
    (lambda: F.triplet_margin_loss(T.ones(2, 3), T.ones(3), T.ones(2, 3)), RuntimeError, "same number of dimensions"),
    (lambda: F.ctc_loss(T.ones(5, 2, 3), T.ones(2, 2).long(), T.tensor([5, 5]), T.tensor([2, 2])),
     NotImplementedError, "ctc_loss"),
])
def test_errors(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def test_size_mismatch_warns():
    with pytest.warns(UserWarning, match="different to the input size"):
        F.mse_loss(T.ones(3, 1), T.ones(3))


def test_legacy_reduction_arguments():
    with pytest.warns(UserWarning, match="size_average and reduce args will be deprecated"):
        out = F.l1_loss(T.tensor([1.0, 3.0]), T.zeros(2), size_average=False)
    assert out.item() == 4.0
