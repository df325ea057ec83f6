"""gradcheck/gradgradcheck: accept correct backwards, catch wrong ones (raise, or False with raise_exception=False)."""

import numpy as np
import pytest
import torsh_tensor as T
from torsh_autograd import Function, GradcheckError, gradcheck, gradgradcheck


def leaf(values):
    return T.tensor(np.asarray(values, dtype=np.float64), requires_grad=True)


class WrongSquare(Function):
    """Forward x**2 with a backward off by a factor of two."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * x


class WrongSecondDerivative(Function):
    """Correct first derivative of x**3 (3x^2) built so that its own derivative is wrong (2x instead of 6x)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x * x

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * (x * x + 2 * x.detach() * x.detach())


def test_correct_gradient_passes():
    assert gradcheck(lambda x, y: (x * y).sin(), (leaf([0.1, 0.2]), leaf([1.5, -0.5])))


def test_wrong_gradient_raises():
    with pytest.raises(GradcheckError, match="Jacobian mismatch for output 0 with respect to input 0"):
        gradcheck(WrongSquare.apply, (leaf([1.0, 2.0]),))


def test_gradcheck_error_is_a_runtime_error():
    assert issubclass(GradcheckError, RuntimeError)


def test_wrong_gradient_returns_false_without_raising():
    assert gradcheck(WrongSquare.apply, (leaf([1.0, 2.0]),), raise_exception=False) is False


def test_wrong_second_derivative_is_caught_by_gradgradcheck_only():
    x = leaf([0.5, 1.5])
    assert gradcheck(WrongSecondDerivative.apply, (x,))
    assert gradgradcheck(WrongSecondDerivative.apply, (x,), raise_exception=False) is False
    with pytest.raises(GradcheckError):
        gradgradcheck(WrongSecondDerivative.apply, (x,))


def test_non_differentiable_inputs_are_skipped():
    x = leaf([1.0, 2.0])
    assert gradcheck(lambda a, k, b: a * k + b, (x, 3.0, T.ones(2).double()))


def test_multiple_outputs():
    x = leaf([0.2, 0.4, 0.6])
    assert gradcheck(lambda a: (a.exp(), a * a), (x,))


def test_no_input_requiring_grad_raises():
    with pytest.raises(ValueError, match="at least one input tensor to require gradient"):
        gradcheck(lambda a: a * 2, (T.ones(2).double(),))


def test_float32_input_warns():
    x = T.tensor([1.0, 2.0], requires_grad=True)
    with pytest.warns(UserWarning, match="not a double precision"):
        gradcheck(lambda a: a * 2, (x,), eps=1e-3, atol=1e-2, rtol=1e-2)


def test_gradcheck_leaves_inputs_unchanged():
    x = leaf([0.3, 0.7])
    before = x.detach().numpy().copy()
    gradcheck(lambda a: a.sin(), (x,))
    np.testing.assert_array_equal(x.detach().numpy(), before)
    assert x.grad is None


def test_non_contiguous_input():
    base = leaf(np.arange(6.0).reshape(2, 3) / 10)
    assert gradcheck(lambda a: (a.t() * 2).exp(), (base,))


def test_unsupported_checks_raise_not_implemented():
    from torsh_core.errors import TorshNotImplementedError

    x = leaf([1.0])
    with pytest.raises(TorshNotImplementedError, match="check_forward_ad"):
        gradcheck(lambda a: a * 2, (x,), check_forward_ad=True)
    with pytest.raises(NotImplementedError, match="check_batched_grad"):
        gradgradcheck(lambda a: a * 2, (x,), check_batched_grad=True)


def test_fast_mode_runs_the_full_check():
    assert gradcheck(lambda a: a.exp(), (leaf([0.5]),), fast_mode=True)
    assert gradcheck(WrongSquare.apply, (leaf([1.0]),), fast_mode=True, raise_exception=False) is False
