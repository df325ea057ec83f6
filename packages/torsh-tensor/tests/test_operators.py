"""``+ - * /`` on tensors: the one-frame operator path gives what the full ops give (values, dtypes, grads, errors)."""

import threading
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
@pytest.mark.parametrize("y_shape", [(2, 3), (3,)], ids=["same shape", "broadcast"])
def test_operator_grads_match_full_op(dunder, full, y_shape):
    rng = np.random.default_rng(1)
    xs, ys = rng.standard_normal((2, 3)), rng.uniform(1, 2, y_shape)
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


def test_busy_quiet_context_falls_back_to_the_full_op():
    """An operator run while the quiet error-state context is entered (a nested call) still gives the result."""
    a, b = tt.tensor(np.float32([3e38]), requires_grad=True), tt.tensor(np.float32([2.0]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = arith._run_quiet(lambda: a * b)
    assert np.isinf(out.item()) and out.grad_fn.name() == "MulBackward0"
    out.backward()
    assert a.grad.item() == 2.0


def test_operators_from_many_threads():
    xs = [np.random.default_rng(i).standard_normal((256, 256)) for i in range(8)]
    results, errors = {}, []

    def work(i):
        try:
            x = tt.tensor(xs[i], requires_grad=True)
            for _ in range(50):  # 256x256 ufuncs release the GIL: threads find the quiet context busy
                y = (x * 2.0 + x) / 3.0 - x
            y.sum().backward()
            results[i] = (y.detach().numpy(), x.grad.numpy())
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    for i, (y, g) in results.items():
        np.testing.assert_allclose(y, (xs[i] * 2.0 + xs[i]) / 3.0 - xs[i], atol=1e-15)
        np.testing.assert_allclose(g, np.zeros_like(xs[i]), atol=1e-15)
