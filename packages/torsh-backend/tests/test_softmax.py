"""Fused softmax/log_softmax and their backward against NumPy: odd sizes, any axis, strided, empty, bad input."""

import numpy as np
import pytest
from torsh_backend import softmax as S
from torsh_core.errors import DTypeError, ShapeError, TorshIndexError, TorshTypeError

FAST = (np.float32, np.float64)
TOL = {np.float32: 2e-6, np.float64: 1e-13}


def ref(x, axis, log):
    x = x.astype(np.float64)
    z = x - x.max(axis=axis, keepdims=True)
    lse = np.log(np.exp(z).sum(axis=axis, keepdims=True))
    return z - lse if log else np.exp(z - lse)


@pytest.mark.parametrize("dtype", FAST)
@pytest.mark.parametrize("shape,axis", [((1, 1), -1), ((3, 1001), -1), ((7, 5, 3), 1), ((4, 9), 0), ((33,), 0),
                                        ((1000, 130), 0), ((3, 7, 65, 2), 1), ((2, 1, 5), 1), ((5, 3, 1), 1)])
@pytest.mark.parametrize("log", [False, True])
def test_forward_and_backward_match_numpy(dtype, shape, axis, log, random, spy_kernels):
    x, g = random(shape, dtype, 1), random(shape, dtype, 2)
    y = S.softmax(x, axis, log)
    assert y.dtype == dtype and y.shape == x.shape
    np.testing.assert_allclose(y, ref(x, axis, log), rtol=TOL[dtype], atol=TOL[dtype])
    p = ref(x, axis, False)
    gd = g.astype(np.float64)
    expected = gd - p * gd.sum(axis, keepdims=True) if log else p * (gd - (gd * p).sum(axis, keepdims=True))
    np.testing.assert_allclose(S.softmax_backward(y, g, axis, log), expected, rtol=10 * TOL[dtype],
                               atol=10 * TOL[dtype])
    inner = int(np.prod(shape[axis % len(shape) + 1:]))
    assert spy_kernels == (["softmax", "softmax_backward"] if inner == 1 else
                           ["softmax_inner", "softmax_inner_backward"])


@pytest.mark.parametrize("dtype", FAST)
@pytest.mark.parametrize("log", [False, True])
def test_non_finite_slices_along_a_middle_axis_behave_like_rows(dtype, log):
    x = np.array([[0.0, 1.0, -np.inf], [-np.inf, 2.0, -np.inf], [-np.inf, np.inf, -np.inf]], dtype)
    np.testing.assert_array_equal(S.softmax(x, 0, log), S.softmax(np.ascontiguousarray(x.T), -1, log).T)
    np.testing.assert_array_equal(S.softmax(x[:, ::-1], 0, log), S.softmax(x, 0, log)[:, ::-1])


@pytest.mark.parametrize("dtype", FAST)
def test_strided_empty_and_extreme_rows(dtype, random):
    x = random((6, 40), dtype)[::2, ::3]
    np.testing.assert_allclose(S.softmax(x, -1), ref(x, -1, False), rtol=TOL[dtype], atol=TOL[dtype])
    assert S.softmax(np.empty((0, 5), dtype)).shape == (0, 5)
    assert S.softmax(np.empty((3, 0), dtype), log=True).shape == (3, 0)
    big = np.array([[1000.0, -1000.0, 0.0], [-np.inf, -np.inf, -np.inf]], dtype)
    out = S.softmax(big)
    np.testing.assert_allclose(out[0], [1, 0, 0], atol=1e-30)
    assert np.isnan(out[1]).all() and np.isnan(S.softmax(big, log=True)[1]).all()
    assert S.softmax(np.asarray(3.0, dtype)) == 1 and S.softmax(np.asarray(3.0, dtype), log=True) == 0


def test_other_dtypes_use_numpy(spy_kernels):
    x = np.linspace(-3, 3, 12, dtype=np.float16).reshape(3, 4)
    np.testing.assert_allclose(S.softmax(x).astype(np.float64), ref(x, -1, False), rtol=2e-3)
    assert spy_kernels == []


def test_exp_scale_rows(random):
    logp, scale = random((5, 13), np.float32, 1) - 5, random(5, np.float32, 2)
    np.testing.assert_allclose(S.exp_scale_rows(logp, scale), np.exp(logp) * scale[:, None], rtol=2e-6)


def test_bad_input_raises():
    a = np.ones((2, 3), np.float32)
    with pytest.raises(TorshIndexError):
        S.softmax(a, 2)
    with pytest.raises(TorshTypeError):
        S.softmax(a.tolist())
    with pytest.raises(DTypeError):
        S.softmax_backward(a, a.astype(np.float64))
    with pytest.raises(ShapeError):
        S.softmax_backward(a, np.ones((3, 2), np.float32))
    with pytest.raises(ShapeError):
        S.exp_scale_rows(a, np.ones(3, np.float32))
