"""linear and bilinear against NumPy, with gradients and shape errors."""

import numpy as np
import pytest
import torsh_functional as F
import torsh_tensor as T


def test_linear_values(rng):
    x, w, b = rng.standard_normal((2, 3, 4)), rng.standard_normal((5, 4)), rng.standard_normal(5)
    np.testing.assert_allclose(F.linear(T.tensor(x), T.tensor(w), T.tensor(b)).numpy(), x @ w.T + b, rtol=1e-12)
    np.testing.assert_allclose(F.linear(T.tensor(x[0, 0]), T.tensor(w)).numpy(), x[0, 0] @ w.T, rtol=1e-12)
    np.testing.assert_allclose(F.linear(T.tensor(x), T.tensor(w[0])).numpy(), x @ w[0], rtol=1e-12)


def test_linear_gradients(rng, leaf, check_grad):
    check_grad(F.linear, leaf(rng.standard_normal((2, 3, 4))), leaf(rng.standard_normal((5, 4))),
               leaf(rng.standard_normal(5)), second=True)


@pytest.mark.parametrize("shape", [(6, 4), (2, 3, 4), (0, 4)])
@pytest.mark.parametrize("with_bias", [True, False])
def test_fused_linear_gradients_and_names(shape, with_bias, rng, leaf, check_grad):
    """The one-node CPU path: every gradient (and its gradient), each only for inputs that take one."""
    x, w, b = leaf(rng.standard_normal(shape)), leaf(rng.standard_normal((5, 4))), leaf(rng.standard_normal(5))
    args = (x, w, b) if with_bias else (x, w)
    if shape[0]:
        check_grad(F.linear, *args, second=True)
    y = F.linear(*args)
    names = {(2, True): "AddmmBackward0", (2, False): "MmBackward0", (3, True): "ViewBackward0",
             (3, False): "UnsafeViewBackward0"}
    assert y.grad_fn.name() == names[len(shape), with_bias] and tuple(y.shape) == shape[:-1] + (5,)
    frozen = T.tensor(rng.standard_normal((5, 4)))
    F.linear(x, frozen).sum().backward()
    assert frozen.grad is None and x.grad is not None


def test_fused_linear_float32_matches_float64(rng):
    x, w, b = rng.standard_normal((37, 300)), rng.standard_normal((70, 300)), rng.standard_normal(70)
    y = F.linear(*(T.tensor(a.astype(np.float32)) for a in (x, w, b)))
    assert y.numpy().dtype == np.float32
    np.testing.assert_allclose(y.numpy(), x @ w.T + b, rtol=1e-4, atol=1e-4)


def test_bilinear_values_and_gradients(rng, leaf, check_grad):
    a, b = rng.standard_normal((4, 3)), rng.standard_normal((4, 2))
    w, c = rng.standard_normal((5, 3, 2)), rng.standard_normal(5)
    expected = np.einsum("ni,oij,nj->no", a, w, b) + c
    np.testing.assert_allclose(F.bilinear(T.tensor(a), T.tensor(b), T.tensor(w), T.tensor(c)).numpy(), expected,
                               rtol=1e-12)
    check_grad(F.bilinear, leaf(a), leaf(b), leaf(w), leaf(c))


def test_errors():
    with pytest.raises(RuntimeError, match="cannot be multiplied"):
        F.linear(T.ones(2, 3), T.ones(4, 5))
    with pytest.raises(TypeError):
        F.linear([1.0], T.ones(1, 1))
    with pytest.raises(RuntimeError, match="input sizes do not match"):
        F.bilinear(T.ones(2, 3), T.ones(2, 2), T.ones(4, 3, 3))
