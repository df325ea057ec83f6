"""Layer/RMS/batch norm kernels against float64 NumPy references: forward, statistics and every gradient."""

import numpy as np
import pytest
from torsh_backend import norm as N
from torsh_core.errors import DTypeError, ShapeError, TorshValueError

FAST = (np.float32, np.float64)
TOL = {np.float32: 2e-5, np.float64: 1e-11}


def ln_ref(x, cols, w, b, eps, rms):
    a = x.astype(np.float64).reshape(-1, cols)
    xc = a if rms else a - a.mean(1, keepdims=True)
    xhat = xc / np.sqrt((xc * xc).mean(1, keepdims=True) + eps)
    y = xhat * (w if w is not None else 1) + (b if b is not None else 0)
    return y.reshape(x.shape), xhat


def ln_grads(x, g, cols, w, eps, rms):
    """Gradients by the chain rule on float64, written independently of the kernel's closed form."""
    a, ga = x.astype(np.float64).reshape(-1, cols), g.astype(np.float64).reshape(-1, cols)
    xhat = ln_ref(x, cols, None, None, eps, rms)[1]
    xc = a if rms else a - a.mean(1, keepdims=True)
    rstd = 1 / np.sqrt((xc * xc).mean(1, keepdims=True) + eps)
    gx = ga * (w if w is not None else 1)
    dx = rstd * (gx - (0 if rms else gx.mean(1, keepdims=True)) - xhat * (gx * xhat).mean(1, keepdims=True))
    return dx.reshape(x.shape), (ga * xhat).sum(0), ga.sum(0)


@pytest.mark.parametrize("dtype", FAST)
@pytest.mark.parametrize("shape", [(1, 1), (5, 7), (3, 4, 129), (300, 130)])
@pytest.mark.parametrize("affine", [False, True])
@pytest.mark.parametrize("rms", [False, True])
def test_layer_norm(dtype, shape, affine, rms, random, spy_kernels):
    cols = shape[-1]
    x, g = random(shape, dtype, 1), random(shape, dtype, 2)
    w = random(cols, dtype, 3) if affine else None
    b = random(cols, dtype, 4) if affine and not rms else None
    y, mean, rstd = N.layer_norm(x, cols, w, b, 1e-5, rms)
    assert y.dtype == dtype and (mean is None) == rms
    np.testing.assert_allclose(y, ln_ref(x, cols, w, b, 1e-5, rms)[0], rtol=TOL[dtype], atol=TOL[dtype])
    dx, dw, db = N.layer_norm_backward(x, g, mean, rstd, cols, w, rms)
    edx, edw, edb = ln_grads(x, g, cols, w, 1e-5, rms)
    np.testing.assert_allclose(dx, edx, rtol=10 * TOL[dtype], atol=10 * TOL[dtype])
    if affine:
        np.testing.assert_allclose(dw, edw, rtol=10 * TOL[dtype], atol=10 * TOL[dtype] * shape[0])
    if not rms:
        np.testing.assert_allclose(db, edb, rtol=10 * TOL[dtype], atol=10 * TOL[dtype] * shape[0])
    assert spy_kernels == ["layer_norm", "layer_norm_backward"]


@pytest.mark.parametrize("dtype", FAST)
def test_layer_norm_strided_empty_and_float16(dtype, random):
    x = random((10, 30), dtype)[::3, ::2]
    np.testing.assert_allclose(N.layer_norm(x, 15)[0], ln_ref(x, 15, None, None, 1e-5, False)[0], rtol=TOL[dtype],
                               atol=TOL[dtype])
    y, mean, rstd = N.layer_norm(np.empty((0, 4), dtype), 4)
    assert y.shape == (0, 4) and mean.shape == (0,)
    h = random((3, 8), np.float16)
    np.testing.assert_allclose(N.layer_norm(h, 8)[0], ln_ref(h, 8, None, None, 1e-5, False)[0], atol=1e-2)


def bn_ref(x, g, w, eps):
    axes = (0,) + tuple(range(2, x.ndim))
    view = (1, -1) + (1,) * (x.ndim - 2)
    a, ga = x.astype(np.float64), g.astype(np.float64)
    mean, var = a.mean(axes), a.var(axes)
    rstd = 1 / np.sqrt(var + eps)
    xhat = (a - mean.reshape(view)) * rstd.reshape(view)
    m = a.size // a.shape[1]
    db, dw = ga.sum(axes), (ga * xhat).sum(axes)
    dx = (w * rstd).reshape(view) * (ga - (db / m).reshape(view) - xhat * (dw / m).reshape(view))
    return mean, var, rstd, dx, dw, db


@pytest.mark.parametrize("dtype", FAST)
@pytest.mark.parametrize("shape", [(2, 3), (4, 5, 7, 9), (3, 1, 11), (64, 6, 24, 24)])
def test_batch_norm(dtype, shape, random, spy_kernels):
    x, g, w = random(shape, dtype, 1), random(shape, dtype, 2), random(shape[1], dtype, 3)
    mean, var, rstd, edx, edw, edb = bn_ref(x, g, w, 1e-5)
    m, v = N.batch_norm_stats(x)
    np.testing.assert_allclose(m, mean, rtol=TOL[dtype], atol=TOL[dtype])
    np.testing.assert_allclose(v, var, rtol=TOL[dtype], atol=TOL[dtype])
    scale, shift = w * rstd.astype(dtype), -m * w * rstd.astype(dtype)
    view = (1, -1) + (1,) * (x.ndim - 2)
    np.testing.assert_allclose(N.channel_affine(x, scale, shift), x * scale.reshape(view) + shift.reshape(view),
                               rtol=TOL[dtype], atol=TOL[dtype])
    dx, dw, db = N.batch_norm_backward(x, g, m, rstd.astype(dtype), w)
    tol = 10 * TOL[dtype] * np.sqrt(x.size / shape[1])
    np.testing.assert_allclose(dx, edx, rtol=tol, atol=tol)
    np.testing.assert_allclose(dw, edw, rtol=tol, atol=tol)
    np.testing.assert_allclose(db, edb, rtol=tol, atol=tol)
    assert spy_kernels == ["batch_norm_stats", "channel_affine", "batch_norm_backward"]


def test_batch_norm_strided_matches_contiguous(random):
    x = random((4, 6, 10), np.float64)[:, ::2, ::3]
    np.testing.assert_allclose(N.batch_norm_stats(x)[0], x.mean((0, 2)))


def test_bad_input_raises():
    a = np.ones((2, 6), np.float32)
    with pytest.raises(ShapeError):
        N.layer_norm(a, 5)
    with pytest.raises(ShapeError):
        N.layer_norm(a, 6, np.ones(5, np.float32))
    with pytest.raises(DTypeError):
        N.layer_norm(a, 6, np.ones(6))
    with pytest.raises(TorshValueError):
        N.layer_norm(a, 6, eps=-1.0)
    with pytest.raises(TorshValueError):
        N.layer_norm(a, 6, bias=np.ones(6, np.float32), rms=True)
    with pytest.raises(ShapeError):
        N.batch_norm_stats(np.ones(3, np.float32))
    with pytest.raises(ShapeError):
        N.channel_affine(a, np.ones(5, np.float32), np.ones(6, np.float32))
    y, mean, rstd = N.layer_norm(a, 6)
    with pytest.raises(ShapeError):
        N.layer_norm_backward(a, a, mean, rstd[:1], 6)
