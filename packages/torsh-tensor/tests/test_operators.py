"""``+ - * /`` on tensors: the one-frame operator path gives what the full ops give (values, dtypes, grads, errors)."""

import warnings

import numpy as np
import pytest
import torsh_tensor as tt
from torsh_tensor.ops import arith

OPS = [("__add__", arith.add), ("__sub__", arith.sub), ("__mul__", arith.mul), ("__truediv__", arith.div)]


@pytest.mark.parametrize("dunder, full", OPS)
@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize("other", ["tensor", "row", "scalar0d", 2.5, 3, "int_tensor", "float64_tensor"])
def test_operator_matches_full_op(dunder, full, dtype, other):
    rng = np.random.default_rng(0)
    a = tt.tensor(rng.standard_normal((3, 4)).astype(dtype))
    others = {"tensor": tt.tensor(rng.standard_normal((3, 4)).astype(dtype)),
              "row": tt.tensor(rng.standard_normal(4).astype(dtype)),
              "scalar0d": tt.tensor(np.asarray(1.5, dtype)),
              "int_tensor": tt.tensor(np.arange(1, 5)), "float64_tensor": tt.tensor(np.ones(4))}
    b = others.get(other, other)
    got, want = getattr(a, dunder)(b), full(a, b)
    assert got.dtype == want.dtype
    np.testing.assert_array_equal(got.numpy(), want.numpy())
    reflected = getattr(a, dunder.replace("__", "__r", 1))(b)
    expected = full(b, a)
    assert reflected.dtype == expected.dtype
    np.testing.assert_array_equal(reflected.numpy(), expected.numpy())


@pytest.mark.parametrize("dunder, full", OPS)
def test_operator_grads_match_full_op(dunder, full):
    rng = np.random.default_rng(1)
    xs, ys = rng.standard_normal((2, 3)), rng.uniform(1, 2, 3)
    grads = []
    for fn in (lambda x, y: getattr(x, dunder)(y) + getattr(x, dunder.replace("__", "__r", 1))(2.0),
               lambda x, y: full(x, y) + full(2.0, x)):
        x, y = tt.tensor(xs, requires_grad=True), tt.tensor(ys, requires_grad=True)
        out = fn(x, y)
        assert out.grad_fn.name() == full(x, y).grad_fn.name() or dunder != "__add__"
        out.sum().backward()
        grads.append((x.grad.numpy(), y.grad.numpy()))
    for g, h in zip(*grads):
        np.testing.assert_allclose(g, h, rtol=1e-14)


def test_zero_dim_overflow_and_errors():
    a = tt.tensor(np.asarray(3e38, np.float32))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = a * a
        assert out.shape == () and np.isinf(out.item())
        assert np.isnan((tt.zeros(2) / tt.zeros(2)).numpy()).all()
    with pytest.raises(RuntimeError, match="cannot be broadcast"):
        tt.ones(2) + tt.ones(3)
    assert tt.ones(2).__add__("x") is NotImplemented
    with pytest.raises(TypeError):
        tt.ones(2) + object()
