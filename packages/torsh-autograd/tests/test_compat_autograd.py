"""Gradients (first and second order) of composite expressions against PyTorch 2.13.0."""

import numpy as np
import pytest
import torsh_tensor as T
from torsh_autograd import grad

pytestmark = pytest.mark.compat
torch = pytest.importorskip("torch")

EXPRESSIONS = {
    "poly": lambda x, y: (x ** 3 - 2 * x * y + y * y).sum(),
    "trig": lambda x, y: (x.sin() * y.cos() + (x * y).tanh()).sum(),
    "exp_log": lambda x, y: ((x * x + 1).log() * y.exp()).mean(),
    "div_sqrt": lambda x, y: (x / (y * y + 1).sqrt()).sum(),
    "broadcast": lambda x, y: (x.reshape(2, 2, 1) * y.reshape(1, 4) - y).pow(2).sum(),
    "reduce_mix": lambda x, y: (x.sigmoid() * y).sum() * x.max() + (y - x).abs().mean(),
}

VALUES = (np.array([0.3, -1.2, 0.8, 2.0]), np.array([1.1, 0.4, -0.7, 0.25]))


def _both(name):
    tx, ty = (T.tensor(v, requires_grad=True) for v in VALUES)
    px, py = (torch.tensor(v, requires_grad=True) for v in VALUES)
    return EXPRESSIONS[name], (tx, ty), (px, py)


@pytest.mark.parametrize("name", sorted(EXPRESSIONS))
def test_first_order_grads_match_torch(name):
    fn, (tx, ty), (px, py) = _both(name)
    fn(tx, ty).backward()
    fn(px, py).backward()
    np.testing.assert_allclose(tx.grad.numpy(), px.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(ty.grad.numpy(), py.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", sorted(EXPRESSIONS))
def test_second_order_grads_match_torch(name):
    fn, (tx, ty), (px, py) = _both(name)
    tg = grad(fn(tx, ty), (tx, ty), create_graph=True)
    pg = torch.autograd.grad(fn(px, py), (px, py), create_graph=True)
    tgg = grad((tg[0] * tg[1]).sum(), (tx, ty), allow_unused=True)
    pgg = torch.autograd.grad((pg[0] * pg[1]).sum(), (px, py), allow_unused=True)
    for a, b in zip(tgg, pgg):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-9, atol=1e-12)


def test_retain_grad_and_hooks_match_torch():
    results = []
    for lib in (T, torch):
        x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = x * 2
        y.retain_grad()
        y.register_hook(lambda g: g * 3)
        z = (y * y).sum()
        z.backward()
        results.append((x.grad.tolist(), y.grad.tolist()))
    assert results[0] == results[1]


def test_accumulation_over_two_backwards_matches_torch():
    results = []
    for lib in (T, torch):
        x = lib.tensor([0.5, -1.5], requires_grad=True)
        y = (x.exp() * x).sum()
        y.backward(retain_graph=True)
        y.backward()
        results.append(x.grad.tolist())
    np.testing.assert_allclose(results[0], results[1], rtol=1e-6)


def test_grad_fn_names_match_torch():
    names = []
    for lib in (T, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        names.append([t.grad_fn.name() for t in (x + 1, x * x, x.exp(), x.sum(), x / 2, x.sin(), -x)])
    assert names[0] == names[1]
