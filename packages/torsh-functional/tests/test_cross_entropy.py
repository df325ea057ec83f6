"""cross_entropy and nll_loss against NumPy, with first and second derivatives and PyTorch's errors."""

import numpy as np
import pytest
import torsh_functional as F
import torsh_tensor as T


def _log_softmax(a, axis=1):
    z = a - a.max(axis=axis, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=axis, keepdims=True))


def ce_reference(x, t, w=None, ignore=-100, eps=0.0, reduction="mean"):
    """Cross entropy by its definition on (N, C) logits and class indices."""
    c = x.shape[1]
    w = np.ones(c) if w is None else w
    logp = _log_softmax(x)
    valid = t != ignore
    ts = np.where(valid, t, 0)
    wt = w[ts] * valid
    nll = -wt * logp[np.arange(len(t)), ts]
    smooth = -(logp * w).sum(1) * valid
    loss = (1 - eps) * nll + eps / c * smooth
    if reduction == "none":
        return loss
    return loss.sum() if reduction == "sum" else loss.sum() / wt.sum()


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("eps", [0.0, 0.2])
@pytest.mark.parametrize("weighted", [False, True])
def test_index_targets(rng, reduction, eps, weighted):
    x, t = rng.standard_normal((7, 5)) * 3, rng.integers(0, 5, 7)
    t[2] = 1
    w = rng.uniform(0.5, 2, 5) if weighted else None
    out = F.cross_entropy(T.tensor(x), T.tensor(t), None if w is None else T.tensor(w), ignore_index=1,
                          reduction=reduction, label_smoothing=eps)
    np.testing.assert_allclose(out.numpy(), ce_reference(x, t, w, 1, eps, reduction), rtol=1e-12)


def test_k_dimensional_and_unbatched(rng):
    x, t = rng.standard_normal((2, 4, 3, 2)), rng.integers(0, 4, (2, 3, 2))
    flat_x = x.transpose(0, 2, 3, 1).reshape(-1, 4)
    out = F.cross_entropy(T.tensor(x), T.tensor(t), reduction="none").numpy()
    np.testing.assert_allclose(out.ravel(), ce_reference(flat_x, t.ravel(), reduction="none"), rtol=1e-12)
    np.testing.assert_allclose(F.cross_entropy(T.tensor(x[0, :, 0, 0]), T.tensor(t[0, 0, 0])).numpy(),
                               ce_reference(x[:1, :, 0, 0], t[:1, 0, 0]), rtol=1e-12)


def test_probability_targets(rng):
    x, p = rng.standard_normal((6, 4)), rng.dirichlet(np.ones(4), 6)
    w = rng.uniform(0.5, 2, 4)
    q = (p * 0.9 + 0.1 / 4) * w
    expected = -(q * _log_softmax(x)).sum(1).mean()
    out = F.cross_entropy(T.tensor(x), T.tensor(p), T.tensor(w), label_smoothing=0.1)
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-12)


def test_gradients(rng, leaf, check_grad):
    x, t = leaf(rng.standard_normal((5, 4))), T.tensor(rng.integers(0, 4, 5))
    w = T.tensor(rng.uniform(0.5, 2, 4))
    check_grad(lambda x: F.cross_entropy(x, t), x, second=True)
    check_grad(lambda x: F.cross_entropy(x, t, w, ignore_index=t.numpy()[0].item(), label_smoothing=0.3,
                                         reduction="none"), x, second=True)
    p = leaf(rng.dirichlet(np.ones(4), 5))
    check_grad(lambda x, p: F.cross_entropy(x, p, w, reduction="sum"), x, p, second=True)
    check_grad(lambda x: F.nll_loss(F.log_softmax(x, 1), t, w), x, second=True)
    xk, tk = leaf(rng.standard_normal((2, 3, 2, 2))), T.tensor(rng.integers(0, 3, (2, 2, 2)))
    check_grad(lambda x: F.cross_entropy(x, tk, label_smoothing=0.1), xk)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_fused_path_gradients_with_ignored_rows(rng, leaf, check_grad, reduction):
    """The one-node C path ((N, C) logits, indices, no weight or smoothing): values, both derivatives, its name."""
    x, t = leaf(rng.standard_normal((6, 5)) * 3), T.tensor(np.array([0, 4, -100, 2, 2, 1]))
    out = F.cross_entropy(x, t, reduction=reduction)
    assert out.grad_fn.name() == "NllLossBackward0"
    np.testing.assert_allclose(out.detach().numpy(), ce_reference(x.detach().numpy(), t.numpy(), None, -100, 0.0,
                                                                  reduction), rtol=1e-12)
    check_grad(lambda x: F.cross_entropy(x, t, reduction=reduction), x, second=True)
    x32 = T.tensor(x.detach().numpy().astype(np.float32), requires_grad=True)
    F.cross_entropy(x32, t, reduction=reduction).sum().backward()
    assert x32.grad.numpy().dtype == np.float32 and x32.grad.numpy()[2].tolist() == [0] * 5


def test_all_targets_ignored_gives_nan_like_pytorch():
    out = F.cross_entropy(T.ones(2, 3), T.tensor([-100, -100]))
    assert np.isnan(out.item())


def test_nll_loss_values(rng):
    x, t, w = rng.standard_normal((6, 3)), rng.integers(0, 3, 6), rng.uniform(0.5, 2, 3)
    picked = -x[np.arange(6), t] * w[t]
    np.testing.assert_allclose(F.nll_loss(T.tensor(x), T.tensor(t), T.tensor(w)).numpy(), picked.sum() / w[t].sum())
    np.testing.assert_allclose(F.nll_loss(T.tensor(x), T.tensor(t), reduction="none").numpy(), -x[np.arange(6), t])


@pytest.mark.parametrize("call,exc,match", [
    (lambda: F.cross_entropy(T.ones(3, 4), T.tensor([0, 1, 5])), IndexError, "Target 5 is out of bounds."),
    (lambda: F.nll_loss(T.ones(3, 4), T.tensor([0, -3, 1])), IndexError, "Target -3 is out of bounds."),
    (lambda: F.cross_entropy(T.ones(3, 4), T.tensor([0, 1])), ValueError, "batch_size"),
    (lambda: F.cross_entropy(T.ones(3, 4), T.tensor([0, 1, 2]).int()), RuntimeError, "Long or Byte"),
    (lambda: F.cross_entropy(T.ones(3, 4), T.tensor([0, 1, 2]), T.ones(3)), RuntimeError, "for all 4 classes"),
    (lambda: F.cross_entropy(T.ones(2, 3, 4), T.zeros(2, 5).long()), RuntimeError, "Expected target size"),
    (lambda: F.cross_entropy(T.ones(3, 4), T.ones(3, 4), ignore_index=1), RuntimeError, "ignore_index"),
    (lambda: F.cross_entropy(T.ones(3, 4), T.tensor([0, 1, 2]), label_smoothing=1.5), RuntimeError,
     "label_smoothing"),
    (lambda: F.cross_entropy(T.ones(3, 4), T.tensor([0, 1, 2]), reduction="avg"), ValueError,
     "not a valid value for reduction"),
])
def test_errors(call, exc, match):
    with pytest.raises(exc, match=match):
        call()
