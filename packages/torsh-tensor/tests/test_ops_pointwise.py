"""Unary math, special functions, clamp and friends against NumPy / the math module, with float64 gradchecks."""

import math

import numpy as np
import pytest
import torsh_tensor as T
from torsh_autograd import gradcheck, gradgradcheck
from torsh_core import dtypes as D
from torsh_core.errors import TorshRuntimeError

RNG = np.random.default_rng(0)
GRID = {  # input domains where each function is smooth
    "any": RNG.uniform(-2, 2, (2, 3)),
    "pos": RNG.uniform(0.5, 2, (2, 3)),
    "unit": RNG.uniform(-0.9, 0.9, (2, 3)),
    "gt1": RNG.uniform(1.2, 3, (2, 3)),
}


def t(a, **kw):
    return T.tensor(np.asarray(a), **kw)


def leaf(a):
    return T.tensor(np.asarray(a, dtype=np.float64), requires_grad=True)


def _sigmoid(a):
    return 1 / (1 + np.exp(-a))


# name, NumPy reference, domain, differentiable
UNARY = [
    ("exp", np.exp, "any", True), ("exp2", np.exp2, "any", True), ("expm1", np.expm1, "any", True),
    ("log", np.log, "pos", True), ("log2", np.log2, "pos", True), ("log10", np.log10, "pos", True),
    ("log1p", np.log1p, "pos", True), ("sqrt", np.sqrt, "pos", True), ("rsqrt", lambda a: 1 / np.sqrt(a), "pos", True),
    ("sin", np.sin, "any", True), ("cos", np.cos, "any", True), ("tan", np.tan, "unit", True),
    ("asin", np.arcsin, "unit", True), ("acos", np.arccos, "unit", True), ("atan", np.arctan, "any", True),
    ("sinh", np.sinh, "any", True), ("cosh", np.cosh, "any", True), ("tanh", np.tanh, "any", True),
    ("asinh", np.arcsinh, "any", True), ("acosh", np.arccosh, "gt1", True), ("atanh", np.arctanh, "unit", True),
    ("sigmoid", _sigmoid, "any", True), ("relu", lambda a: np.maximum(a, 0), "any", True),
    ("reciprocal", lambda a: 1 / a, "pos", True), ("square", np.square, "any", True), ("abs", np.abs, "any", True),
    ("neg", np.negative, "any", True), ("deg2rad", np.deg2rad, "any", True), ("rad2deg", np.rad2deg, "any", True),
    ("erf", np.vectorize(math.erf), "any", True), ("erfc", np.vectorize(math.erfc), "any", True),
    ("lgamma", np.vectorize(math.lgamma), "pos", True), ("frac", lambda a: a - np.trunc(a), "any", True),
    ("sign", np.sign, "any", True), ("floor", np.floor, "any", True), ("ceil", np.ceil, "any", True),
    ("trunc", np.trunc, "any", True), ("round", np.round, "any", True), ("sgn", np.sign, "any", True),
    ("logit", lambda a: np.log(a / (1 - a)), "unit", True),
]


@pytest.mark.parametrize("name, ref, domain, diff", UNARY, ids=[u[0] for u in UNARY])
def test_unary_forward_float64_float32_noncontiguous(name, ref, domain, diff):
    a = GRID[domain] if name != "logit" else np.abs(GRID[domain])
    fn = getattr(T, name)
    out = fn(t(a))
    assert out.dtype is D.float64
    np.testing.assert_allclose(out.numpy(), ref(a), rtol=1e-12, atol=1e-12)
    out32 = getattr(t(a.astype(np.float32)), name)()
    assert out32.dtype is D.float32
    np.testing.assert_allclose(out32.numpy(), ref(a.astype(np.float32)), rtol=2e-6, atol=2e-6)
    transposed = fn(t(a).t())
    np.testing.assert_allclose(transposed.numpy(), ref(a.T), rtol=1e-12, atol=1e-12)
    assert fn(t(a[0, 0])).shape == ()
    assert fn(T.zeros(0, 3, dtype=D.float64)).shape == (0, 3)


@pytest.mark.parametrize("name, ref, domain, diff", [u for u in UNARY if u[3]], ids=[u[0] for u in UNARY if u[3]])
def test_unary_gradcheck(name, ref, domain, diff):
    a = GRID[domain] if name != "logit" else np.abs(GRID[domain]) * 0.9 + 0.05
    if name in ("round", "floor", "ceil", "trunc", "sign", "sgn", "frac"):
        a = np.floor(a) + 0.3  # away from the jumps
    assert gradcheck(getattr(T, name), (leaf(a),))


@pytest.mark.parametrize("name", ["exp", "log", "sqrt", "sin", "tanh", "sigmoid", "erf", "lgamma", "digamma", "rsqrt",
                                  "reciprocal", "abs", "atan", "erfinv"])
def test_unary_gradgradcheck(name):
    a = np.array([0.3, 0.6, 0.8]) if name != "abs" else np.array([-0.7, 0.4, 1.3])
    assert gradgradcheck(getattr(T, name), (leaf(a),))


def test_integer_inputs_promote_to_default_float_or_keep_integers():
    i = T.tensor([-2, 0, 3])
    assert T.exp(i).dtype is D.float32 and T.sqrt(T.tensor([4])).dtype is D.float32
    np.testing.assert_allclose(T.sigmoid(i).numpy(), _sigmoid(np.array([-2.0, 0.0, 3.0])), rtol=1e-6)
    for name in ("abs", "neg", "sign", "floor", "ceil", "trunc", "round", "square", "relu"):
        out = getattr(T, name)(i)
        assert out.dtype is D.int64, name
    np.testing.assert_array_equal(T.abs(i).numpy(), [2, 0, 3])
    assert T.sign(T.tensor([True, False])).dtype is D.bool


def test_round_half_to_even_and_decimals():
    np.testing.assert_array_equal(T.round(t([0.5, 1.5, 2.5, -0.5, -1.5])).numpy(), [0.0, 2.0, 2.0, -0.0, -2.0])
    np.testing.assert_allclose(t([1.2345, -2.5551]).round(decimals=2).numpy(), [1.23, -2.56])


def test_special_functions_against_math_module():
    x = np.linspace(-6, 6, 241)
    np.testing.assert_allclose(T.erf(t(x)).numpy(), [math.erf(v) for v in x], rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(T.erfc(t(x)).numpy(), [math.erfc(v) for v in x], rtol=1e-13, atol=1e-300)
    xs = np.concatenate([np.linspace(0.01, 30, 200), np.linspace(-4.9, -0.1, 40) + 1e-3])
    np.testing.assert_allclose(T.lgamma(t(xs)).numpy(), [math.lgamma(v) for v in xs], rtol=1e-12, atol=1e-13)
    assert T.lgamma(t([0.0, -2.0])).numpy().tolist() == [math.inf, math.inf]
    y = np.linspace(-0.999, 0.999, 101)
    np.testing.assert_allclose(T.erf(T.erfinv(t(y))).numpy(), y, rtol=1e-12, atol=1e-14)
    assert T.erfinv(t([1.0, -1.0, 1.5])).numpy().tolist()[:2] == [math.inf, -math.inf]
    assert math.isnan(T.erfinv(t([1.5])).item())


def test_special_kernels_without_the_c_library(monkeypatch):
    """The NumPy fallback (used when torsh_backend.cpu_math is missing) is as exact as libm."""
    from torsh_tensor.ops import _special_math

    monkeypatch.setattr(_special_math, "cpu_math", None)
    x = np.concatenate([np.linspace(-7, 7, 301), [0.0, np.inf, -np.inf, np.nan]])
    for name, ref in (("erf", math.erf), ("erfc", math.erfc)):
        np.testing.assert_allclose(getattr(_special_math, name)(x), [ref(v) for v in x], rtol=1e-13, atol=1e-300)
    xs = np.linspace(-5.95, 40, 400)
    np.testing.assert_allclose(_special_math.lgamma(xs), [math.lgamma(v) for v in xs], rtol=1e-12, atol=1e-13)
    assert _special_math.erf(np.float32([0.5])).dtype == np.float32
    assert _special_math.erf(np.array(0.5)).shape == ()


def test_digamma_and_polygamma_are_derivatives_of_lgamma():
    x = np.array([-2.5, -0.3, 0.2, 1.0, 3.7, 25.0])
    h = 1e-5
    lg = lambda v: T.lgamma(t(v)).numpy()  # noqa: E731
    np.testing.assert_allclose(T.digamma(t(x)).numpy(), (lg(x + h) - lg(x - h)) / (2 * h), rtol=1e-7)
    for n in (1, 2, 3):
        prev = lambda v, n=n: T.polygamma(n - 1, t(v)).numpy()  # noqa: E731
        np.testing.assert_allclose(T.polygamma(n, t(x)).numpy(), (prev(x + h) - prev(x - h)) / (2 * h), rtol=1e-6)
    assert T.digamma(t([0.0])).item() == -math.inf and math.isnan(T.digamma(t([-2.0])).item())
    assert gradcheck(lambda v: T.polygamma(2, v), (leaf([0.7, 2.5]),))
    with pytest.raises(RuntimeError):
        T.polygamma(-1, t([1.0]))


def test_clamp_values_grads_and_promotion():
    x = t([-2.0, -0.5, 0.0, 0.5, 2.0, float("nan")])
    np.testing.assert_array_equal(T.clamp(x, -1, 1).numpy(), [-1, -0.5, 0, 0.5, 1, np.nan])
    np.testing.assert_array_equal(x.clamp(min=0.5).numpy()[:5], [0.5, 0.5, 0.5, 0.5, 2])
    np.testing.assert_array_equal(x.clamp_max(0).numpy()[:5], [-2, -0.5, 0, 0, 0])
    assert T.clamp(T.tensor([1, 5]), 0, 3).dtype is D.int64
    assert T.clamp(T.tensor([1, 5]), 0.5, 3).dtype is D.float32
    np.testing.assert_array_equal(T.clamp(t([0.0, 5.0]), 3, 1).numpy(), [1, 1])  # min > max gives max
    a = leaf([-2.0, -0.5, 0.5, 2.0])
    T.clamp(a, -1, 1).sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), [0, 1, 1, 0])
    lo, hi = leaf([[-1.0], [0.0]]), leaf([0.5, 1.0, 1.5, 2.5])
    assert gradcheck(lambda v, a, b: T.clamp(v, a, b), (leaf([[-2.0, -0.3, 0.7, 3.0]] * 2), lo, hi))
    with pytest.raises(RuntimeError):
        T.clamp(x)


def test_nan_to_num_logit_lerp_addcmul_addcdiv():
    x = t([float("nan"), float("inf"), -float("inf"), 1.5])
    out = T.nan_to_num(x)
    assert out.numpy()[0] == 0 and out.numpy()[1] == np.finfo(np.float64).max and out.numpy()[3] == 1.5
    np.testing.assert_array_equal(T.nan_to_num(x, 1.0, 2.0, -2.0).numpy(), [1.0, 2.0, -2.0, 1.5])
    p = leaf([0.05, 0.5, 0.97])
    assert gradcheck(lambda v: T.logit(v, eps=0.1), (p,))
    q = leaf([-0.5, 0.5])
    T.logit(q).sum().backward()
    assert math.isnan(q.grad.numpy()[0]) and q.grad.numpy()[1] == 4.0
    a, b, w = leaf([1.0, 2.0]), leaf([3.0, -1.0]), leaf([0.25, 0.75])
    np.testing.assert_allclose(T.lerp(a, b, w).detach().numpy(), [1.5, -0.25])
    assert gradcheck(T.lerp, (a, b, w))
    assert gradcheck(lambda x, y, z: T.addcmul(x, y, z, value=0.5), (a, b, w))
    assert gradcheck(lambda x, y, z: T.addcdiv(x, y, z, value=2), (a, b, w))
    with pytest.raises(TorshRuntimeError):
        T.addcdiv(T.tensor([1]), T.tensor([1]), T.tensor([2]))


def test_out_argument_writes_into_the_given_tensor():
    out = T.zeros(3, dtype=D.float64)
    res = T.exp(t([0.0, 1.0, 2.0]), out=out)
    assert res is out
    np.testing.assert_allclose(out.numpy(), np.exp([0.0, 1.0, 2.0]))


def test_first_derivative_through_output_allows_changing_the_input_afterwards():
    """exp/tanh/sigmoid/sqrt differentiate from their output only, so their input may change in place."""
    w = leaf([0.1, 0.2])
    y = w * 2
    z = y.exp()
    y.add_(1)
    z.sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), 2 * np.exp([0.2, 0.4]))
