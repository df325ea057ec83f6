"""backward() and autograd.grad(): roots, grad_outputs, retain/create_graph, allow_unused, inputs=, accumulation."""

import numpy as np
import pytest
import torsh_tensor as T
from torsh_autograd import backward, grad
from torsh_core.errors import TorshError


def leaf(values, dtype=None):
    return T.tensor(values, dtype=dtype, requires_grad=True)


def test_scalar_backward_accumulates_into_leaf_grad(close):
    x = leaf([1.0, 2.0, 3.0])
    (x * x).sum().backward()
    close(x.grad, [2, 4, 6])
    assert x.grad.requires_grad is False and x.grad.grad_fn is None


def test_grads_accumulate_over_calls(close):
    x = leaf([1.0, -2.0])
    for _ in range(3):
        (x * 3).sum().backward()
    close(x.grad, [9, 9])


def test_accumulation_does_not_alias_the_incoming_gradient(close):
    x = leaf([1.0, 2.0])
    g = T.tensor([1.0, 1.0])
    x.backward(g)
    x.backward(g)
    close(g, [1, 1])
    close(x.grad, [2, 2])


def test_leaf_used_twice_gets_the_sum(close):
    x = leaf([2.0])
    (x * x + x).sum().backward()
    close(x.grad, [5])


def test_non_scalar_needs_gradient_argument():
    x = leaf([1.0, 2.0])
    with pytest.raises(RuntimeError, match="implicitly created only for scalar outputs"):
        (x * 2).backward()


def test_gradient_argument_weights_the_output(close):
    x = leaf([1.0, 2.0])
    (x * x).backward(T.tensor([10.0, 100.0]))
    close(x.grad, [20, 400])


def test_gradient_shape_mismatch_names_both_shapes():
    x = leaf([1.0, 2.0])
    with pytest.raises(RuntimeError, match=r"Mismatch in shape.*\[3\].*\[2\]|Mismatch in shape.*3.*2"):
        (x * 2).backward(T.ones(3))


def test_backward_on_tensor_without_grad_raises():
    with pytest.raises(RuntimeError, match="does not require grad"):
        T.ones(2).sum().backward()


def test_backward_twice_without_retain_graph_raises():
    x = leaf([1.0, 2.0])
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        y.backward()


def test_backward_twice_with_retain_graph(close):
    x = leaf([1.0, 2.0])
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    close(x.grad, [4, 8])


def test_graph_without_saved_tensors_can_be_rerun(close):
    """As in PyTorch, only nodes whose saved tensors were freed refuse a second pass."""
    x = leaf([1.0, 2.0])
    y = (x + 1).sum()
    y.backward()
    y.backward()
    close(x.grad, [2, 2])


def test_module_level_backward_with_several_roots(close):
    x = leaf([1.0, 2.0])
    a = (x * 2).sum()
    b = (x * x).sum()
    backward([a, b])
    close(x.grad, [4, 6])
    x.grad = None
    backward([x * 2, x * x], [T.tensor([1.0, 0.0]), T.tensor([0.0, 1.0])])
    close(x.grad, [2, 4])


def test_roots_that_depend_on_each_other(close):
    x = leaf([3.0])
    y = x * 2
    z = y * y
    backward([y.sum(), z.sum()])
    close(x.grad, [2 + 8 * 3])


def test_grad_returns_without_touching_grad_attribute(close):
    x = leaf([1.0, 2.0])
    (gx,) = grad((x ** 2).sum(), x)
    close(gx, [2, 4])
    assert x.grad is None
    assert gx.requires_grad is False


def test_grad_with_several_inputs_and_outputs(close):
    x, y = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    gx, gy = grad([(x * y).sum(), (x * 2).sum()], [x, y])
    close(gx, [3 + 2, 4 + 2])
    close(gy, [1, 2])


def test_grad_outputs_weights(close):
    x = leaf([1.0, 2.0])
    (gx,) = grad(x * x, x, grad_outputs=T.tensor([1.0, -1.0]))
    close(gx, [2, -4])


def test_grad_of_non_leaf_input(close):
    x = leaf([1.0, 2.0])
    y = x * 3
    (gy,) = grad((y * y).sum(), y)
    close(gy, [6, 12])


def test_unused_input_raises_unless_allowed():
    x, unused = leaf([1.0]), leaf([2.0])
    with pytest.raises(RuntimeError, match="allow_unused=True"):
        grad((x * 2).sum(), [x, unused])
    gx, gu = grad((x * 2).sum(), [x, unused], allow_unused=True)
    assert gu is None and gx.item() == 2


def test_materialize_grads_gives_zeros_for_unused(close):
    x, unused = leaf([1.0]), leaf([2.0, 3.0])
    _, gu = grad((x * 2).sum(), [x, unused], materialize_grads=True)
    close(gu, [0, 0])


def test_grad_input_that_does_not_require_grad_raises():
    x = leaf([1.0])
    with pytest.raises(RuntimeError, match="does not require grad"):
        grad((x * 2).sum(), [T.ones(1)])


def test_grad_frees_graph_unless_retained():
    x = leaf([1.0, 2.0])
    y = (x * x).sum()
    grad(y, x)
    with pytest.raises(RuntimeError, match="second time"):
        grad(y, x)
    y = (x * x).sum()
    grad(y, x, retain_graph=True)
    grad(y, x)


def test_grad_only_runs_the_needed_part_of_the_graph():
    """A branch that does not lead to the inputs is not run (its backward would raise)."""
    from torsh_autograd import Function

    class Boom(Function):
        @staticmethod
        def forward(ctx, a):
            return a * 1

        @staticmethod
        def backward(ctx, g):
            raise AssertionError("must not run")

    x, other = leaf([1.0]), leaf([2.0])
    (gx,) = grad((x * 2).sum() + Boom.apply(other).sum(), x)
    assert gx.item() == 2


def test_backward_inputs_restricts_accumulation(close):
    x, y = leaf([1.0]), leaf([2.0])
    (x * y).sum().backward(inputs=[x])
    close(x.grad, [2])
    assert y.grad is None
    (x * y).sum().backward(inputs=y)
    close(y.grad, [1])


def test_backward_inputs_accumulates_into_non_leaf(close):
    x = leaf([1.0, 2.0])
    y = x * 2
    (y * y).sum().backward(inputs=[y])
    close(y.grad, [4, 8])
    assert x.grad is None


def test_backward_empty_inputs_raises():
    x = leaf([1.0])
    with pytest.raises(RuntimeError, match="cannot be empty"):
        (x * 2).sum().backward(inputs=[])


def test_integer_outputs_do_not_carry_grad():
    x = leaf([1.5, 2.5])
    idx = x.argmax()
    assert idx.requires_grad is False and idx.grad_fn is None


def test_int_tensors_cannot_require_grad():
    with pytest.raises(RuntimeError, match="only Tensors of floating point"):
        T.tensor([1, 2]).requires_grad_()


def test_grad_of_leaf_wrt_itself(close):
    x = leaf([1.0, 2.0])
    (g,) = grad(x, x, grad_outputs=T.ones(2))
    close(g, [1, 1])


def test_errors_are_torsh_errors():
    x = leaf([1.0, 2.0])
    with pytest.raises(TorshError):
        (x * 2).backward()


def test_float64_grads_keep_dtype():
    x = leaf(np.array([1.0, 2.0]), dtype=None)
    (x * x).sum().backward()
    assert x.grad.dtype is x.dtype
