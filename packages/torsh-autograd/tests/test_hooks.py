"""Tensor hooks (leaves and non-leaves), retain_grad, Node pre/post hooks, post-accumulate hooks, handle removal."""

import pytest
import torsh_tensor as T


def leaf(*values):
    return T.tensor(list(values), requires_grad=True)


def test_retain_grad_fills_non_leaf_grad(close):
    x = leaf(1.0, 2.0)
    y = x * 3
    y.retain_grad()
    assert y.retains_grad
    (y * y).sum().backward()
    close(y.grad, [6, 12])
    close(x.grad, [18, 36])


def test_non_leaf_grad_is_none_without_retain_grad():
    x = leaf(1.0)
    y = x * 3
    y.sum().backward()
    assert y.grad is None and not y.retains_grad


def test_retain_grad_on_leaf_is_a_no_op_and_errors_without_requires_grad():
    x = leaf(1.0)
    x.retain_grad()
    assert not x.retains_grad
    with pytest.raises(RuntimeError, match="requires_grad=False"):
        T.ones(1).retain_grad()


def test_retained_grad_accumulates_across_backward_calls(close):
    x = leaf(1.0)
    y = x * 2
    y.retain_grad()
    z = (y * 1).sum()
    z.backward(retain_graph=True)
    z.backward()
    close(y.grad, [2])


def test_hook_on_leaf_modifies_accumulated_grad(close):
    x = leaf(1.0, 2.0)
    x.register_hook(lambda g: g * 5)
    (x * 1).sum().backward()
    close(x.grad, [5, 5])


def test_hook_on_non_leaf_modifies_upstream_grad(close):
    x = leaf(1.0, 2.0)
    y = x * 3
    seen = []
    y.register_hook(lambda g: seen.append(g.clone()))
    y.register_hook(lambda g: g * 10)
    y.sum().backward()
    close(seen[0], [1, 1])
    close(x.grad, [30, 30])


def test_retain_grad_sees_the_hooked_grad(close):
    """PyTorch runs the retain_grad hook after the user's tensor hooks, whatever the registration order."""
    x = leaf(1.0, 1.0)
    y = x * 1
    y.retain_grad()
    y.register_hook(lambda g: g * 2)
    (y * 3).sum().backward()
    close(y.grad, [6, 6])
    close(x.grad, [6, 6])


def test_hook_removal(close):
    x = leaf(1.0)
    handle = x.register_hook(lambda g: g * 100)
    handle.remove()
    (x * 2).sum().backward()
    close(x.grad, [2])


def test_hook_on_tensor_without_grad_raises():
    with pytest.raises(RuntimeError, match="doesn't require gradient"):
        T.ones(2).register_hook(lambda g: g)


def test_hook_changing_the_shape_raises():
    x = leaf(1.0, 2.0)
    y = x * 3
    y.register_hook(lambda g: T.ones(3))
    with pytest.raises(RuntimeError, match="size"):
        y.sum().backward()


def test_hooks_also_apply_to_autograd_grad(close):
    from torsh_autograd import grad

    x = leaf(1.0, 1.0)
    y = x * 3
    y.register_hook(lambda g: g * 10)
    (gy,) = grad(y.sum(), y, retain_graph=True)
    close(gy, [10, 10])
    (gx,) = grad(y.sum(), x)
    close(gx, [30, 30])


def test_node_post_hook_replaces_grad_inputs(close):
    x = leaf(1.0, 1.0)
    y = x * 3
    calls = []

    def hook(grad_inputs, grad_outputs):
        calls.append((len(grad_inputs), len(grad_outputs)))
        return (grad_inputs[0] * 10,) + tuple(grad_inputs[1:])

    y.grad_fn.register_hook(hook)
    y.sum().backward()
    close(x.grad, [30, 30])
    assert calls == [(2, 1)]


def test_node_pre_hook_replaces_grad_outputs(close):
    x = leaf(1.0, 1.0)
    y = x * 3
    handle = y.grad_fn.register_prehook(lambda grad_outputs: (grad_outputs[0] * 7,))
    y.sum().backward(retain_graph=True)
    close(x.grad, [21, 21])
    handle.remove()
    x.grad = None
    y.sum().backward()
    close(x.grad, [3, 3])


def test_node_names_and_next_functions():
    x = leaf(1.0)
    y = (x * 2).sum()
    assert y.grad_fn.name() == "SumBackward0"
    (mul_edge,) = y.grad_fn.next_functions
    mul = mul_edge[0]
    assert mul.name() == "MulBackward0"
    acc = mul.next_functions[0][0]
    assert acc.name() == "AccumulateGrad" and acc.variable is x
    assert "MulBackward0" in repr(mul)


def test_node_metadata_is_a_dict():
    y = leaf(1.0) * 2
    y.grad_fn.metadata["tag"] = 1
    assert y.grad_fn.metadata == {"tag": 1}


def test_post_accumulate_grad_hook(close):
    x = leaf(1.0, 2.0)
    seen = []
    handle = x.register_post_accumulate_grad_hook(lambda t: seen.append(t.grad.clone()))
    (x * 2).sum().backward()
    close(seen[0], [2, 2])
    handle.remove()
    (x * 2).sum().backward()
    assert len(seen) == 1
    with pytest.raises(RuntimeError, match="non-leaf"):
        (x * 2).register_post_accumulate_grad_hook(lambda t: None)


def test_handle_as_context_manager(close):
    x = leaf(1.0)
    with x.register_hook(lambda g: g * 0):
        pass
    (x * 2).sum().backward()
    close(x.grad, [2])
