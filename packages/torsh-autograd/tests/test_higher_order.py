"""Higher-order derivatives through create_graph=True, checked against closed forms and gradgradcheck."""

import math

import numpy as np
import pytest
import torsh_tensor as T
from torsh_autograd import grad, gradcheck, gradgradcheck


def leaf(values):
    return T.tensor(np.asarray(values, dtype=np.float64), requires_grad=True)


def nth_derivative(f, x, n):
    out = f(x).sum()
    for _ in range(n):
        (out,) = grad(out, x, create_graph=True)
        out = out.sum() if _ < n - 1 else out
    return out


def test_second_and_third_derivative_of_cube(close):
    x = leaf([0.5, -2.0, 3.0])
    close(nth_derivative(lambda t: t ** 3, x, 1), 3 * np.array([0.5, -2.0, 3.0]) ** 2)
    close(nth_derivative(lambda t: t ** 3, x, 2), 6 * np.array([0.5, -2.0, 3.0]))
    close(nth_derivative(lambda t: t ** 3, x, 3), [6, 6, 6])


def test_derivatives_of_sin_cycle(close):
    v = np.array([0.1, 1.0, 2.5])
    x = leaf(v)
    close(nth_derivative(T.sin, x, 1), np.cos(v))
    close(nth_derivative(T.sin, x, 2), -np.sin(v))
    close(nth_derivative(T.sin, x, 3), -np.cos(v))
    close(nth_derivative(T.sin, x, 4), np.sin(v))


def test_second_derivative_of_exp_times_x(close):
    v = np.array([0.0, 0.7])
    x = leaf(v)
    close(nth_derivative(lambda t: t * t.exp(), x, 2), (v + 2) * np.exp(v))


def test_mixed_partial_derivative(close):
    x, y = leaf([2.0]), leaf([3.0])
    (gx,) = grad((x * x * y).sum(), x, create_graph=True)
    (gxy,) = grad(gx.sum(), y)
    close(gxy, [4])


def test_create_graph_backward_leaves_differentiable_grad(close):
    x = leaf([1.5])
    (x ** 3).sum().backward(create_graph=True)
    assert x.grad.requires_grad
    (gg,) = grad(x.grad.sum(), x)
    close(gg, [9])


def test_hessian_vector_product(close):
    v = np.array([1.0, 2.0])
    x = leaf(v)
    f = (x[0] ** 2) * x[1] + x[1] ** 3
    (g,) = grad(f, x, create_graph=True)
    direction = T.tensor([1.0, 0.0], dtype=None).double()
    (hv,) = grad((g * direction).sum(), x)
    close(hv, [2 * v[1], 2 * v[0]])


def test_grad_without_create_graph_is_not_differentiable():
    x = leaf([1.0])
    (g,) = grad((x ** 3).sum(), x)
    assert not g.requires_grad
    with pytest.raises(RuntimeError):
        grad(g.sum(), x)


@pytest.mark.parametrize("fn", [
    lambda x: x ** 3,
    lambda x: x.sin() * x.cos(),
    lambda x: (x * x).exp().sum(),
    lambda x: x.tanh() / (1 + x * x),
])
def test_gradcheck_and_gradgradcheck_of_composites(fn):
    x = leaf([0.3, -0.8, 1.1])
    assert gradcheck(fn, (x,))
    assert gradgradcheck(fn, (x,))


def test_gradgradcheck_two_inputs():
    x, y = leaf([0.5, 1.5]), leaf([-0.3, 0.9])
    assert gradgradcheck(lambda a, b: (a * b.sin() + a * a * b), (x, y))


def test_taylor_coefficients_of_log1p(close):
    x = leaf([0.0])
    derivs = [nth_derivative(T.log1p, x, n).item() for n in range(1, 5)]
    assert derivs == pytest.approx([(-1) ** (n + 1) * math.factorial(n - 1) for n in range(1, 5)])
