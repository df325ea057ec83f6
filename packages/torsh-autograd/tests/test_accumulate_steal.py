"""AccumulateGrad keeps a fresh gradient without copying it only when nothing else can reach its memory."""

import numpy as np
import torsh_tensor as T
from torsh_autograd import Function, tensor_api


def leaf(values):
    return T.tensor(values, requires_grad=True)


def test_fresh_gradient_is_taken_without_a_copy(monkeypatch, close):
    api = tensor_api.get()
    copies = []
    original = api.detached_copy
    monkeypatch.setattr(api, "detached_copy", lambda g: copies.append(g) or original(g))
    x = leaf([1.0, 2.0, 3.0])
    (x * 2).sum().backward()
    assert copies == []
    assert x.grad._base is None and x.grad.grad_fn is None and not x.grad.requires_grad
    (x * 2).sum().backward()  # accumulates in place into the taken buffer
    close(x.grad, [4, 4, 4])


def test_user_gradient_is_copied(close):
    x = leaf([1.0, 2.0])
    g = T.tensor([1.0, 1.0])
    x.backward(g)
    assert not np.shares_memory(x.grad._data, g._data)
    g.add_(5)
    close(x.grad, [1, 1])


def test_one_gradient_sent_to_two_leaves_is_copied(close):
    a, b = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    (a + b).backward(T.tensor([1.0, 1.0]))
    assert not np.shares_memory(a.grad._data, b.grad._data)
    a.grad.add_(1)
    close(b.grad, [1, 1])


def test_views_of_one_gradient_array_are_copied(close):
    a, b = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    (T.stack([a, b]) * T.tensor([[1.0, 2.0], [3.0, 4.0]])).sum().backward()
    assert not np.shares_memory(a.grad._data, b.grad._data)
    close(a.grad, [1, 2])
    close(b.grad, [3, 4])


def test_gradient_kept_by_a_hook_is_copied(close):
    x = leaf([1.0, 2.0])
    kept = []
    x.register_hook(lambda g: kept.append(g))
    (x * 3).sum().backward()
    assert not np.shares_memory(x.grad._data, kept[0]._data)
    kept[0].add_(1)
    close(x.grad, [3, 3])


def test_gradient_kept_by_a_custom_function_is_copied(close):
    kept = []

    class Keep(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 1

        @staticmethod
        def backward(ctx, g):
            kept.append(g * 2)
            return kept[-1]

    x = leaf([1.0, 2.0])
    Keep.apply(x).sum().backward()
    assert not np.shares_memory(x.grad._data, kept[0]._data)
    close(x.grad, [2, 2])


def test_linear_weight_gradient_is_contiguous_and_taken(monkeypatch):
    api = tensor_api.get()
    copies = []
    original = api.detached_copy
    monkeypatch.setattr(api, "detached_copy", lambda g: copies.append(g) or original(g))
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal((5, 3)), rng.standard_normal((4, 3))
    wt = leaf(w)
    (T.tensor(x) @ wt.t()).sum().backward()
    assert copies == [] and wt.grad._data.flags.c_contiguous
    np.testing.assert_allclose(wt.grad._data, np.ones((5, 4)).T @ x, rtol=1e-12)
