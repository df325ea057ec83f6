"""Arithmetic, comparison, logical and bitwise ops: broadcasting, scalars on either side, promotion, grads, errors."""

import numpy as np
import pytest
import torsh_tensor as T
from torsh_autograd import gradcheck, gradgradcheck
from torsh_core import dtypes as D
from torsh_core.errors import TorshRuntimeError

RNG = np.random.default_rng(1)
A = RNG.standard_normal((3, 1, 4))
B = RNG.uniform(0.5, 2.0, (2, 4))  # positive: safe divisor, log argument


def t(a, **kw):
    return T.tensor(np.asarray(a), **kw)


def leaf(a):
    return T.tensor(np.asarray(a, dtype=np.float64), requires_grad=True)


BINARY = [
    ("add", np.add), ("sub", np.subtract), ("mul", np.multiply), ("div", np.true_divide),
    ("pow", lambda a, b: np.power(np.abs(a), b)), ("remainder", np.remainder), ("fmod", np.fmod),
    ("maximum", np.maximum), ("minimum", np.minimum), ("fmax", np.fmax), ("fmin", np.fmin),
    ("atan2", np.arctan2), ("hypot", np.hypot), ("copysign", np.copysign),
    ("xlogy", lambda a, b: a * np.log(b)), ("float_power", lambda a, b: np.power(np.abs(a), b)),
]


@pytest.mark.parametrize("name, ref", BINARY, ids=[b[0] for b in BINARY])
def test_binary_broadcasting_and_noncontiguous(name, ref):
    a = np.abs(A) if name in ("pow", "float_power") else A
    fn = getattr(T, name)
    out = fn(t(a), t(B))
    assert out.shape == (3, 2, 4) and out.dtype is D.float64
    np.testing.assert_allclose(out.numpy(), ref(a, B), rtol=1e-12)
    bt = np.ascontiguousarray(B.T)
    np.testing.assert_allclose(fn(t(a[:, :, :2]), t(bt).t()[:, :2]).numpy(), ref(a[:, :, :2], B[:, :2]), rtol=1e-12)


@pytest.mark.parametrize("name", [b[0] for b in BINARY])
def test_binary_gradcheck_with_broadcasting(name):
    a = np.abs(A[:2, :, :2]) + 0.1 if name in ("pow", "float_power") else A[:2, :, :2]
    b = B[:, :2]
    if name in ("remainder", "fmod"):
        a = np.array([[[0.3, 2.6]], [[-1.7, 1.1]]])  # away from the jumps of a // b
    assert gradcheck(getattr(T, name), (leaf(a), leaf(b)))


@pytest.mark.parametrize("name", ["add", "mul", "div", "pow", "atan2", "hypot", "maximum"])
def test_binary_gradgradcheck(name):
    a, b = leaf([0.4, 1.3, 0.8]), leaf([[1.1, 0.7, 1.9]])
    assert gradgradcheck(getattr(T, name), (a, b))


def test_scalars_on_either_side():
    x = A[0, 0]
    cases = [
        (lambda v: v + 2, x + 2), (lambda v: 2 + v, 2 + x), (lambda v: v - 1.5, x - 1.5), (lambda v: 1.5 - v, 1.5 - x),
        (lambda v: v * 3, x * 3), (lambda v: 3 * v, 3 * x), (lambda v: v / 4, x / 4), (lambda v: 4 / v, 4 / x),
        (lambda v: v ** 2, x ** 2), (lambda v: 2 ** v, 2 ** x), (lambda v: v // 0.5, x // 0.5),
        (lambda v: 7 // v, 7 // x), (lambda v: v % 0.7, x % 0.7), (lambda v: 5 % v, 5 % x), (lambda v: -v, -x),
        (lambda v: abs(v), abs(x)), (lambda v: T.sub(v, 2, alpha=3), x - 6), (lambda v: T.rsub(v, 1), 1 - x),
    ]
    for fn, expected in cases:
        np.testing.assert_allclose(fn(t(x)).numpy(), expected, rtol=1e-12)
    g = leaf(x)
    assert gradcheck(lambda v: 2 ** v + 3 / v - 1.5 * v ** 2, (g,))


def test_type_promotion_follows_pytorch():
    i64, i32, f32 = T.tensor([1, 2]), T.tensor([1, 2], dtype=D.int32), T.tensor([1.0, 2.0])
    assert (i64 + 1).dtype is D.int64
    assert (i32 + 1).dtype is D.int32
    assert (i64 + 1.5).dtype is D.float32
    assert (i32 * 2.0).dtype is D.float32
    assert (i64 / i64).dtype is D.float32
    assert (i64 + i32).dtype is D.int64
    assert (f32 + T.tensor(1.0, dtype=D.float64)).dtype is D.float32
    assert (i64 * T.tensor(2.5, dtype=D.float64)).dtype is D.float64
    assert (T.tensor([True]) + T.tensor([True])).dtype is D.bool
    assert (T.tensor([True]) * 2).dtype is D.int64
    assert (T.tensor([1], dtype=D.uint8) + T.tensor([1], dtype=D.int8)).dtype is D.int16
    assert (f32 * 1j).dtype is D.complex64
    assert T.float_power(i64, 2).dtype is D.float64
    assert T.atan2(i64, i64).dtype is D.float32


def test_integer_division_and_remainder_follow_python():
    a, b = t([-7, 7, -7, 7]), t([2, 2, -2, -2])
    np.testing.assert_array_equal((a // b).numpy(), [-4, 3, 3, -4])
    np.testing.assert_array_equal(T.div(a, b, rounding_mode="trunc").numpy(), [-3, 3, 3, -3])
    np.testing.assert_array_equal((a % b).numpy(), [1, 1, -1, -1])
    np.testing.assert_array_equal(T.fmod(a, b).numpy(), [-1, 1, -1, 1])
    np.testing.assert_allclose((a / b).numpy(), [-3.5, 3.5, 3.5, -3.5])
    np.testing.assert_array_equal(T.div(t([1.0, -1.0]), 0.0, rounding_mode="floor").numpy(), [np.inf, -np.inf])
    for bad in (lambda: a // 0, lambda: a % t([0, 1, 1, 1]), lambda: T.fmod(a, 0), lambda: t([2]) ** -1,
                lambda: T.div(a, b, rounding_mode="nearest")):
        with pytest.raises(RuntimeError):
            bad()


def test_gradient_conventions_at_special_points():
    x = leaf([0.0, 2.0])
    (x ** 0).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.0])  # no NaN from 0 * 0 ** -1
    base = leaf([0.0, 0.0])
    e = leaf([2.0, -1.0])
    T.pow(base.detach(), e).sum().backward()
    assert e.grad.numpy()[0] == 0.0  # 0 ** y with y >= 0: zero gradient for the exponent
    m, n = leaf([1.0, 2.0]), leaf([1.0, 3.0])
    T.maximum(m, n).sum().backward()
    np.testing.assert_array_equal(m.grad.numpy(), [0.5, 0.0])  # ties share
    p, q = leaf([1.0, float("nan")]), leaf([1.0, 2.0])
    T.fmax(p, q).sum().backward()
    np.testing.assert_array_equal(p.grad.numpy(), [1.0, 0.0])  # fmax ties go to input, NaN loses
    z = leaf([0.0, 2.0])
    T.xlogy(z, t([0.0, 3.0])).sum().backward()
    assert T.xlogy(t([0.0]), t([0.0])).item() == 0.0 and z.grad.numpy()[0] == 0.0


def test_gradients_keep_each_operands_dtype():
    a = T.tensor([1.0, 2.0], requires_grad=True)
    b = T.tensor(3.0, dtype=D.float64, requires_grad=True)
    (a * b).sum().backward()
    assert a.grad.dtype is D.float32 and b.grad.dtype is D.float64
    c = T.tensor([1.0, -2.0], dtype=D.float64, requires_grad=True)
    (c * 1j).abs().sum().backward()
    assert c.grad.dtype is D.float64
    np.testing.assert_array_equal(c.grad.numpy(), [1.0, -1.0])


def test_broadcast_mismatch_is_a_runtime_error_naming_shapes():
    with pytest.raises(RuntimeError, match=r"\(2, 3\)|\(4,\)"):
        T.ones(2, 3) + T.ones(4)
    with pytest.raises(RuntimeError):
        T.lt(T.ones(2, 3), T.ones(4))


def test_bool_operands_that_pytorch_rejects():
    with pytest.raises(TorshRuntimeError):
        T.tensor([True]) - T.tensor([False])
    with pytest.raises(TorshRuntimeError):
        -T.tensor([True])
    with pytest.raises(TorshRuntimeError):
        T.add(T.tensor([1]), T.tensor([1]), alpha=0.5)


def test_comparisons_logical_and_bitwise_against_numpy():
    a, b = RNG.integers(-3, 4, (3, 4)), RNG.integers(-3, 4, (4,))
    for op, ref in (("eq", np.equal), ("ne", np.not_equal), ("lt", np.less), ("le", np.less_equal),
                    ("gt", np.greater), ("ge", np.greater_equal), ("logical_and", np.logical_and),
                    ("logical_or", np.logical_or), ("logical_xor", np.logical_xor),
                    ("bitwise_and", np.bitwise_and), ("bitwise_or", np.bitwise_or), ("bitwise_xor", np.bitwise_xor)):
        out = getattr(T, op)(t(a), t(b))
        np.testing.assert_array_equal(out.numpy(), ref(a, b))
        assert out.dtype is (D.bool if op[:7] != "bitwise" else D.int64)
    np.testing.assert_array_equal((t(a) < 0.5).numpy(), a < 0.5)
    np.testing.assert_array_equal((0.5 <= t(a)).numpy(), 0.5 <= a)
    np.testing.assert_array_equal((~t(a)).numpy(), ~a)
    np.testing.assert_array_equal((t(np.abs(a)) << 2 >> 1).numpy(), np.abs(a) << 2 >> 1)
    np.testing.assert_array_equal(T.logical_not(t(a)).numpy(), a == 0)
    assert T.equal(t(a), t(a.copy())) and not T.equal(t(a), t(b))
    assert T.allclose(t([1.0, 2.0]), t([1.0, 2.0 + 1e-9])) and not T.allclose(t([1.0]), t([1.1]))
    nan = t([1.0, float("nan"), float("inf"), -float("inf")])
    np.testing.assert_array_equal(T.isnan(nan).numpy(), [False, True, False, False])
    np.testing.assert_array_equal(T.isfinite(nan).numpy(), [True, False, False, False])
    np.testing.assert_array_equal(T.isposinf(nan).numpy(), [False, False, True, False])
    np.testing.assert_array_equal(T.isclose(nan, nan, equal_nan=True).numpy(), [True, True, True, True])
    with pytest.raises(NotImplementedError):
        t([1.0]) & t([1.0])
    with pytest.raises(TypeError):
        ~t([1.0])
    assert (t([1]) == None) is False  # noqa: E711


def test_comparison_results_have_no_grad():
    x = leaf([1.0, 2.0])
    assert not (x > 1).requires_grad and (x > 1).dtype is D.bool
