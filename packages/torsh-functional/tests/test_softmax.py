"""softmax / log_softmax / softmin / gumbel_softmax against NumPy, with first and second derivatives."""

import numpy as np
import pytest
import torsh_core
import torsh_functional as F
import torsh_tensor as T


def _softmax(a, axis):
    e = np.exp(a - a.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_values(rng, dim):
    a = rng.standard_normal((3, 4, 5)) * 20
    np.testing.assert_allclose(F.softmax(T.tensor(a), dim).numpy(), _softmax(a, dim), rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(F.log_softmax(T.tensor(a), dim).numpy(), np.log(_softmax(a, dim)), rtol=1e-10,
                               atol=1e-14)
    np.testing.assert_allclose(F.softmin(T.tensor(a), dim).numpy(), _softmax(-a, dim), rtol=1e-12, atol=1e-300)


def test_large_logits_do_not_overflow():
    x = T.tensor([[1000.0, 0.0, -1000.0]])
    np.testing.assert_allclose(F.softmax(x, 1).numpy(), [[1.0, 0.0, 0.0]])
    np.testing.assert_allclose(F.log_softmax(x, 1).numpy(), [[0.0, -1000.0, -2000.0]])


def test_all_minus_inf_row_is_nan_like_pytorch():
    out = F.softmax(T.tensor([[-np.inf, -np.inf], [0.0, -np.inf]]), 1).numpy()
    assert np.isnan(out[0]).all()
    np.testing.assert_array_equal(out[1], [1.0, 0.0])


@pytest.mark.parametrize("fn", [F.softmax, F.log_softmax, F.softmin], ids=["softmax", "log_softmax", "softmin"])
def test_gradients(fn, rng, leaf, check_grad):
    check_grad(lambda x: fn(x, 1), leaf(rng.standard_normal((2, 4, 3))), second=True)


def test_dtype_argument_casts_first():
    out = F.softmax(T.tensor([1.0, 2.0], dtype=torsh_core.dtypes.float32), 0, dtype=torsh_core.dtypes.float64)
    assert out.dtype == torsh_core.dtypes.float64


def test_zero_dim_input():
    np.testing.assert_array_equal(F.softmax(T.tensor(3.0), 0).numpy(), 1.0)
    np.testing.assert_array_equal(F.log_softmax(T.tensor(3.0), 0).numpy(), 0.0)


def test_errors():
    with pytest.raises(NotImplementedError):
        F.softmax(T.tensor([1, 2]), 0)
    with pytest.raises(IndexError):
        F.softmax(T.ones(2, 3), 2)
    with pytest.warns(UserWarning, match="Implicit dimension"):
        F.log_softmax(T.ones(2, 3))


def test_saved_output_modified_in_place_is_detected(leaf):
    y = F.softmax(leaf([1.0, 2.0]), 0)
    y.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_gumbel_softmax(rng):
    T.manual_seed(0)
    logits = T.tensor(rng.standard_normal((500, 3)))
    soft = F.gumbel_softmax(logits, tau=0.5)
    np.testing.assert_allclose(soft.sum(1).numpy(), 1.0)
    hard = F.gumbel_softmax(logits, hard=True)
    assert set(np.unique(hard.numpy())) <= {0.0, 1.0}
    np.testing.assert_array_equal(hard.sum(1).numpy(), 1.0)
