"""Activations against NumPy formulas, their gradients against finite differences, in-place and error behaviour."""

import math

import numpy as np
import pytest
import torsh_functional as F
import torsh_tensor as T
from torsh_core.errors import TorshNotImplementedError, TorshRuntimeError

ERF = np.vectorize(math.erf)


def _sig(a):
    return 1 / (1 + np.exp(-a))


def _softplus(a):
    return np.log1p(np.exp(a))


SELU_A, SELU_S = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946

REFERENCES = {
    "relu": (F.relu, lambda a: np.maximum(a, 0)),
    "relu6": (F.relu6, lambda a: np.clip(a, 0, 6)),
    "leaky_relu": (lambda x: F.leaky_relu(x, 0.1), lambda a: np.where(a > 0, a, 0.1 * a)),
    "elu": (lambda x: F.elu(x, 0.5), lambda a: np.where(a > 0, a, 0.5 * (np.exp(a) - 1))),
    "selu": (F.selu, lambda a: SELU_S * np.where(a > 0, a, SELU_A * (np.exp(a) - 1))),
    "celu": (lambda x: F.celu(x, 2.0), lambda a: np.maximum(a, 0) + np.minimum(0, 2.0 * (np.exp(a / 2.0) - 1))),
    "gelu": (F.gelu, lambda a: 0.5 * a * (1 + ERF(a / math.sqrt(2)))),
    "gelu_tanh": (lambda x: F.gelu(x, approximate="tanh"),
                  lambda a: 0.5 * a * (1 + np.tanh(math.sqrt(2 / math.pi) * (a + 0.044715 * a ** 3)))),
    "silu": (F.silu, lambda a: a * _sig(a)),
    "mish": (F.mish, lambda a: a * np.tanh(_softplus(a))),
    "softplus": (F.softplus, _softplus),
    "softplus_beta": (lambda x: F.softplus(x, beta=3.0, threshold=2.0),
                      lambda a: np.where(3 * a > 2, a, _softplus(3 * a) / 3)),
    "hardtanh": (lambda x: F.hardtanh(x, -0.5, 0.8), lambda a: np.clip(a, -0.5, 0.8)),
    "hardswish": (F.hardswish, lambda a: a * np.clip(a + 3, 0, 6) / 6),
    "hardsigmoid": (F.hardsigmoid, lambda a: np.clip(a + 3, 0, 6) / 6),
    "sigmoid": (F.sigmoid, _sig),
    "tanh": (F.tanh, np.tanh),
    "logsigmoid": (F.logsigmoid, lambda a: np.log(_sig(a))),
    "softsign": (F.softsign, lambda a: a / (1 + np.abs(a))),
    "tanhshrink": (F.tanhshrink, lambda a: a - np.tanh(a)),
    "hardshrink": (lambda x: F.hardshrink(x, 0.4), lambda a: np.where(np.abs(a) > 0.4, a, 0)),
    "softshrink": (lambda x: F.softshrink(x, 0.4), lambda a: np.sign(a) * np.maximum(np.abs(a) - 0.4, 0)),
    "threshold": (lambda x: F.threshold(x, 0.2, -1.0), lambda a: np.where(a > 0.2, a, -1.0)),
    "rrelu_eval": (F.rrelu, lambda a: np.where(a > 0, a, a * (1 / 8 + 1 / 3) / 2)),
}


def _away_from_kinks(rng, shape):
    """Values in (-4, 4) at least 0.05 from the kinks (0, +-0.4, +-0.5, 0.2, 0.8, +-3, 2/3) so finite differences
    are smooth."""
    kinks = np.array([0.0, 0.4, -0.4, -0.5, 0.2, 0.8, 3.0, -3.0, 2 / 3])
    a = rng.uniform(-4, 4, shape)
    while True:
        near = (np.abs(a[..., None] - kinks) < 0.05).any(-1)
        if not near.any():
            return a
        a[near] += 0.07


@pytest.mark.parametrize("name", sorted(REFERENCES))
def test_values_match_numpy(name, rng):
    fn, ref = REFERENCES[name]
    a = rng.uniform(-5, 5, (4, 6))
    np.testing.assert_allclose(fn(T.tensor(a)).numpy(), ref(a), rtol=1e-12, atol=1e-12)
    a32 = a.astype(np.float32)
    out = fn(T.tensor(a32))
    assert out.dtype == T.tensor(a32).dtype
    np.testing.assert_allclose(out.numpy(), ref(a), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", sorted(REFERENCES))
def test_gradients(name, rng, leaf, check_grad):
    fn, _ = REFERENCES[name]
    check_grad(fn, leaf(_away_from_kinks(rng, (3, 4))), second=name in ("gelu", "elu", "silu", "mish", "softplus"))


def test_glu_and_prelu(rng, leaf, check_grad):
    a = rng.standard_normal((4, 6))
    half = a[:, :3] * _sig(a[:, 3:])
    np.testing.assert_allclose(F.glu(T.tensor(a)).numpy(), half, rtol=1e-12)
    check_grad(lambda x: F.glu(x, 0), leaf(rng.standard_normal((4, 3))))
    x, w = _away_from_kinks(rng, (2, 3, 4)), rng.uniform(0.1, 0.5, 3)
    np.testing.assert_allclose(F.prelu(T.tensor(x), T.tensor(w)).numpy(),
                               np.where(x > 0, x, x * w[None, :, None]), rtol=1e-12)
    check_grad(F.prelu, leaf(x), leaf(w))
    check_grad(F.prelu, leaf(x), leaf([0.3]))


def test_relu_gradient_at_zero_is_zero(leaf):
    x = leaf([-1.0, 0.0, 2.0])
    F.relu(x).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.0, 1.0])


def test_relu_keeps_integer_dtype():
    out = F.relu(T.tensor([-2, 3]))
    assert out.dtype == T.tensor([1]).dtype
    np.testing.assert_array_equal(out.numpy(), [0, 3])


def test_inplace_variants_write_into_input():
    x = T.tensor([-1.0, 2.0])
    assert F.relu(x, inplace=True) is x and F.relu_(x) is x
    np.testing.assert_array_equal(x.numpy(), [0.0, 2.0])
    y = T.tensor([-1.0, 2.0])
    F.leaky_relu_(y, 0.5)
    np.testing.assert_array_equal(y.numpy(), [-0.5, 2.0])
    z = T.tensor([-5.0, 5.0])
    F.hardtanh_(z)
    np.testing.assert_array_equal(z.numpy(), [-1.0, 1.0])


def test_inplace_on_non_leaf_keeps_history(leaf):
    x = leaf([-1.0, 2.0])
    y = x * 3
    F.elu(y, inplace=True)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [3 * math.exp(-3.0), 3.0])


def test_inplace_on_leaf_requiring_grad_is_an_error(leaf):
    with pytest.raises(RuntimeError, match="leaf Variable"):
        F.relu(leaf([1.0]), inplace=True)


def test_float_only_activations_reject_integers():
    with pytest.raises(NotImplementedError, match="Long"):
        F.gelu(T.tensor([1, 2]))
    with pytest.raises(TorshNotImplementedError):
        F.silu(T.tensor([1, 2]))


def test_argument_errors():
    with pytest.raises(RuntimeError, match="approximate"):
        F.gelu(T.ones(2), approximate="fast")
    with pytest.raises(TorshRuntimeError, match="Halving dimension must be even"):
        F.glu(T.ones(3, 3))
    with pytest.raises(RuntimeError, match="Mismatch of parameter numbers"):
        F.prelu(T.ones(2, 3), T.ones(4))
    with pytest.raises(ValueError):
        F.hardtanh(T.ones(2), 1.0, -1.0)


def test_rrelu_training_slopes_lie_in_range():
    T.manual_seed(0)
    x = -T.ones(1000)
    slopes = -F.rrelu(x, 0.1, 0.3, training=True).numpy()
    assert slopes.min() >= 0.1 and slopes.max() <= 0.3 and slopes.std() > 0.01
