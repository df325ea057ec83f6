"""Custom autograd.Function: ctx API, non-differentiable outputs, materialized grads, double backward, errors."""

import numpy as np
import pytest
import torsh_tensor as T
from torsh_autograd import Function, grad, gradcheck, once_differentiable


def leaf(*values, dtype=None):
    return T.tensor(list(values), dtype=dtype, requires_grad=True)


class Cube(Function):
    """x**3 with a hand-written backward built from tensor ops (so it is itself differentiable)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x * x

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * 3 * x * x


def test_forward_backward_and_node_name(close):
    x = leaf(1.0, 2.0)
    y = Cube.apply(x)
    assert y.grad_fn.name() == "CubeBackward"
    y.sum().backward()
    close(x.grad, [3, 12])


def test_forward_runs_without_recording():
    class Probe(Function):
        @staticmethod
        def forward(ctx, x):
            from torsh_autograd import is_grad_enabled

            ctx.flag = is_grad_enabled()
            out = x * 2
            ctx.inner_requires_grad = out.requires_grad
            return out

        @staticmethod
        def backward(ctx, g):
            return g * 2

    y = Probe.apply(leaf(1.0))
    assert y.grad_fn.flag is False and y.grad_fn.inner_requires_grad is False


def test_double_backward_through_custom_function(close):
    x = leaf(1.0, 2.0, dtype=None)
    (g,) = grad(Cube.apply(x).sum(), x, create_graph=True)
    close(g, [3, 12])
    (gg,) = grad(g.sum(), x)
    close(gg, [6, 12])


def test_gradcheck_and_gradgradcheck_of_custom_function():
    from torsh_autograd import gradgradcheck

    x = T.tensor(np.array([0.3, -1.2, 2.0]), requires_grad=True)
    assert gradcheck(Cube.apply, (x,))
    assert gradgradcheck(Cube.apply, (x,))


def test_needs_input_grad_follows_arguments():
    seen = {}

    class Scale(Function):
        @staticmethod
        def forward(ctx, x, factor, y):
            seen["needs"] = ctx.needs_input_grad
            return x * factor + y

        @staticmethod
        def backward(ctx, g):
            return (g * 2 if ctx.needs_input_grad[0] else None), None, (g if ctx.needs_input_grad[2] else None)

    Scale.apply(leaf(1.0), 2.0, T.ones(1)).sum().backward()
    assert seen["needs"] == (True, False, False)


def test_mark_non_differentiable_and_materialized_zero_grads(close):
    received = {}

    class MaxAndIndex(Function):
        @staticmethod
        def forward(ctx, x):
            idx = x.argmax()
            value = x.max()
            ctx.mark_non_differentiable(idx)
            ctx.save_for_backward(x, idx)
            return value, idx

        @staticmethod
        def backward(ctx, g_value, g_idx):
            received["g_idx"] = g_idx
            x, idx = ctx.saved_tensors
            out = T.zeros_like(x)
            out[idx] = g_value
            return out

    x = leaf(1.0, 5.0, 3.0)
    value, idx = MaxAndIndex.apply(x)
    assert value.requires_grad and not idx.requires_grad
    value.backward()
    close(x.grad, [0, 1, 0])
    assert received["g_idx"] is not None and float(received["g_idx"].sum()) == 0


def test_float_output_marked_non_differentiable_does_not_require_grad():
    class Detached(Function):
        @staticmethod
        def forward(ctx, x):
            out = x * 2
            ctx.mark_non_differentiable(out)
            return out

        @staticmethod
        def backward(ctx, g):
            return g

    assert Detached.apply(leaf(1.0)).requires_grad is False


def test_set_materialize_grads_false_passes_none_for_unused_outputs(close):
    received = {}

    class Two(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.set_materialize_grads(False)
            return x * 2, x * 3

        @staticmethod
        def backward(ctx, ga, gb):
            received["gb"] = gb
            return ga * 2 if ga is not None else None

    x = leaf(1.0)
    a, _ = Two.apply(x)
    a.sum().backward()
    assert received["gb"] is None
    close(x.grad, [2])


def test_materialized_grad_for_unused_output_is_zeros(close):
    received = {}

    class Two(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2, x * 3

        @staticmethod
        def backward(ctx, ga, gb):
            received["gb"] = gb
            return ga * 2 + gb * 3

    x = leaf(1.0, 1.0)
    a, _ = Two.apply(x)
    a.sum().backward()
    close(received["gb"], [0, 0])
    close(x.grad, [2, 2])


def test_once_differentiable_works_once_and_refuses_double_backward(close):
    class Twice(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * 2

        @staticmethod
        @once_differentiable
        def backward(ctx, g):
            from torsh_autograd import is_grad_enabled

            assert not is_grad_enabled()
            return g * 2

    x = leaf(1.0, 1.0)
    y = Twice.apply(x)
    (g,) = grad((y * y).sum(), x, create_graph=True)
    close(g, [8, 8])
    assert g.grad_fn is not None
    with pytest.raises(RuntimeError, match="once_differentiable"):
        g.sum().backward()
    x2 = leaf(1.0)
    Twice.apply(x2).sum().backward()
    close(x2.grad, [2])


def test_save_for_backward_rejects_non_tensors():
    class Bad(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(3)
            return x

    with pytest.raises(TypeError, match="save_for_backward can only save variables"):
        Bad.apply(leaf(1.0))


def test_wrong_number_of_gradients_raises():
    class Wrong(Function):
        @staticmethod
        def forward(ctx, x, y):
            return x * y

        @staticmethod
        def backward(ctx, g):
            return g

    with pytest.raises(RuntimeError, match=r"incorrect number of gradients \(expected 2, got 1\)"):
        Wrong.apply(leaf(1.0), leaf(2.0)).sum().backward()


def test_extra_none_gradients_are_allowed(close):
    class Extra(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g * 2, None, None

    x = leaf(1.0)
    Extra.apply(x).sum().backward()
    close(x.grad, [2])


def test_gradient_of_wrong_shape_raises():
    class WrongShape(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return T.ones(3)

    with pytest.raises(RuntimeError, match=r"invalid gradient at index 0 - got \[3\] but expected shape compatible "
                                           r"with \[2\]"):
        WrongShape.apply(leaf(1.0, 2.0)).sum().backward()


def test_broadcastable_gradient_is_summed_back(close):
    class Broadcasting(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 1

        @staticmethod
        def backward(ctx, g):
            return T.ones(4, 1)

    x = leaf(1.0)
    Broadcasting.apply(x).sum().backward()
    close(x.grad, [4])


def test_saved_tensors_freed_after_backward():
    x = leaf(1.0)
    y = Cube.apply(x)
    node = y.grad_fn
    y.sum().backward()
    with pytest.raises(RuntimeError, match="freed"):
        _ = node.saved_tensors


def test_in_place_change_of_saved_input_is_detected():
    x = leaf(1.0, 2.0)
    h = x * 1
    y = Cube.apply(h)
    h.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_apply_under_no_grad_records_nothing():
    from torsh_autograd import no_grad

    with no_grad():
        y = Cube.apply(leaf(2.0))
    assert y.grad_fn is None and not y.requires_grad


def test_returning_an_input_gives_a_new_tensor(close):
    class Identity(Function):
        @staticmethod
        def forward(ctx, x):
            return x

        @staticmethod
        def backward(ctx, g):
            return g * 5

    x = leaf(1.0)
    y = Identity.apply(x)
    assert y is not x and x.is_leaf and not y.is_leaf
    y.sum().backward()
    close(x.grad, [5])


def test_setup_context_style(close):
    class Mul(Function):
        @staticmethod
        def forward(x, y):
            return x * y

        @staticmethod
        def setup_context(ctx, inputs, output):
            ctx.save_for_backward(*inputs)

        @staticmethod
        def backward(ctx, g):
            x, y = ctx.saved_tensors
            return g * y, g * x

    x, y = leaf(2.0), leaf(3.0)
    Mul.apply(x, y).sum().backward()
    close(x.grad, [3])
    close(y.grad, [2])


def test_mark_dirty_rebases_history(close):
    class AddOneInPlace(Function):
        @staticmethod
        def forward(ctx, x):
            x.add_(1)
            ctx.mark_dirty(x)
            return x

        @staticmethod
        def backward(ctx, g):
            return g * 10

    a = leaf(1.0, 2.0)
    h = a * 1
    out = AddOneInPlace.apply(h)
    assert out is h and h.grad_fn.name() == "AddOneInPlaceBackward"
    close(h, [2, 3])
    out.sum().backward()
    close(a.grad, [10, 10])


def test_mark_dirty_on_leaf_that_requires_grad_raises():
    class Dirty(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.mark_dirty(x)
            return x

        @staticmethod
        def backward(ctx, g):
            return g

    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        Dirty.apply(leaf(1.0))


def test_legacy_instantiation_raises():
    with pytest.raises(RuntimeError, match="static forward"):
        Cube()
