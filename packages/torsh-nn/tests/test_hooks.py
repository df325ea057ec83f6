"""Forward pre/post hooks (order, prepend, with_kwargs, always_call) and full backward (pre) hooks."""

import numpy as np
import pytest
import torsh_nn as nn
import torsh_tensor as T


class Scale(nn.Module):
    def forward(self, x, factor=1.0):
        return x * factor


def test_forward_hook_order_prepend_and_removal():
    m = Scale()
    calls = []
    h1 = m.register_forward_pre_hook(lambda mod, args: calls.append("pre1"))
    m.register_forward_pre_hook(lambda mod, args: calls.append("pre0"), prepend=True)
    m.register_forward_hook(lambda mod, args, out: calls.append("post1"))
    m.register_forward_hook(lambda mod, args, out: calls.append("post0"), prepend=True)
    m(T.ones(1))
    assert calls == ["pre0", "pre1", "post0", "post1"]
    h1.remove()
    calls.clear()
    m(T.ones(1))
    assert calls == ["pre0", "post0", "post1"]


def test_hooks_replace_inputs_and_outputs():
    m = Scale()
    m.register_forward_pre_hook(lambda mod, args: args[0] * 2)  # a single value is wrapped into a tuple
    m.register_forward_hook(lambda mod, args, out: out + 1)
    assert m(T.ones(1)).item() == 3.0


def test_with_kwargs_hooks():
    m = Scale()
    seen = {}

    def pre(mod, args, kwargs):
        seen["kwargs"] = dict(kwargs)
        return args, {"factor": 10.0}

    def post(mod, args, kwargs, out):
        seen["post_kwargs"] = dict(kwargs)

    m.register_forward_pre_hook(pre, with_kwargs=True)
    m.register_forward_hook(post, with_kwargs=True)
    assert m(T.ones(1), factor=3.0).item() == 10.0
    assert seen == {"kwargs": {"factor": 3.0}, "post_kwargs": {"factor": 10.0}}
    m.register_forward_pre_hook(lambda mod, a, k: 5, with_kwargs=True)
    with pytest.raises(RuntimeError, match="forward pre-hook must return None or a tuple"):
        m(T.ones(1))


def test_always_call_runs_when_forward_raises():
    class Boom(nn.Module):
        def forward(self, x):
            raise ValueError("boom")

    m = Boom()
    calls = []
    m.register_forward_hook(lambda mod, args, out: calls.append(("always", out)), always_call=True)
    m.register_forward_hook(lambda mod, args, out: calls.append("normal"))
    with pytest.raises(ValueError, match="boom"):
        m(T.ones(1))
    assert calls == [("always", None)]


def test_full_backward_hook_sees_and_replaces_grad_input():
    lin = nn.Linear(3, 2)
    record = {}

    def hook(mod, grad_input, grad_output):
        record["in"] = [g.detach().numpy().copy() for g in grad_input]
        record["out"] = [g.detach().numpy().copy() for g in grad_output]
        return (grad_input[0] * 0,)

    lin.register_full_backward_hook(hook)
    x = T.randn(4, 3, requires_grad=True)
    lin(x).sum().backward()
    w = lin.weight.detach().numpy()
    np.testing.assert_allclose(record["out"][0], np.ones((4, 2)))
    np.testing.assert_allclose(record["in"][0], np.ones((4, 2)) @ w, rtol=1e-6)
    assert float(x.grad.abs().sum()) == 0.0
    assert lin.weight.grad is not None


def test_full_backward_pre_hook_replaces_grad_output_and_order():
    m = Scale()
    calls = []
    m.register_full_backward_pre_hook(lambda mod, go: (calls.append("pre"), (go[0] * 3,))[1])
    m.register_full_backward_hook(lambda mod, gi, go: calls.append(("hook", float(go[0].sum()))))
    x = T.ones(2, requires_grad=True)
    m(x, 2.0).sum().backward()
    assert calls == ["pre", ("hook", 6.0)]
    np.testing.assert_allclose(x.grad.numpy(), [6.0, 6.0])


def test_backward_hook_without_input_grad_gets_none():
    lin = nn.Linear(2, 2)
    seen = []
    lin.register_full_backward_hook(lambda mod, gi, go: seen.append(gi))
    lin(T.ones(1, 2)).sum().backward()
    assert seen == [(None,)]


def test_backward_hook_wrong_count_and_legacy_hook():
    m = Scale()
    m.register_full_backward_hook(lambda mod, gi, go: (gi[0], gi[0]))
    x = T.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="Backward hook returned an invalid number of grad_input, got 2"):
        m(x).sum().backward()
    with pytest.raises(NotImplementedError, match="register_full_backward_hook"):
        Scale().register_backward_hook(lambda *a: None)
