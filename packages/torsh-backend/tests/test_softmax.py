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


def ce_ref(x, t, ignore):
    x = x.astype(np.float64)
    m = x.max(axis=1, keepdims=True)
    lse = (m + np.log(np.exp(x - m).sum(axis=1, keepdims=True)))[:, 0]
    valid = t != ignore
    loss = np.where(valid, lse - x[np.arange(len(x)), np.where(valid, t, 0)], 0)
    return loss, lse


@pytest.mark.parametrize("dtype", FAST)
@pytest.mark.parametrize("shape", [(1, 1), (7, 3), (128, 1001), (3, 40000)])
def test_cross_entropy_matches_numpy(dtype, shape, random, spy_kernels):
    x = random(shape, dtype, 1) * 3
    t = np.random.default_rng(2).integers(0, shape[1], shape[0])
    t[::3] = -100  # ignored rows: loss and gradient 0
    loss, lse = S.cross_entropy(x, t)
    want_loss, want_lse = ce_ref(x, t, -100)
    np.testing.assert_allclose(loss, want_loss, rtol=10 * TOL[dtype], atol=10 * TOL[dtype] * shape[1] ** 0.5)
    np.testing.assert_allclose(lse, want_lse, rtol=10 * TOL[dtype], atol=10 * TOL[dtype])
    scale = random((shape[0],), dtype, 3)
    dx = S.cross_entropy_backward(x, t, lse, scale)
    p = np.exp(x.astype(np.float64) - want_lse[:, None])
    onehot = np.zeros_like(p)
    valid = t != -100
    onehot[np.nonzero(valid)[0], t[valid]] = 1
    want = (p - onehot) * np.where(valid, scale, 0)[:, None]
    np.testing.assert_allclose(dx, want, rtol=10 * TOL[dtype], atol=10 * TOL[dtype])
    assert dx.dtype == loss.dtype == lse.dtype == dtype
    assert spy_kernels == ["cross_entropy", "cross_entropy_backward"]


def test_cross_entropy_strided_empty_and_bad_input(random):
    x = random((6, 50), np.float64)[::2, ::3]
    t = np.array([0, 16, 5])
    np.testing.assert_allclose(S.cross_entropy(x, t)[0], ce_ref(x, t, -100)[0], rtol=1e-13)
    np.testing.assert_allclose(S.cross_entropy_backward(x, t, *S.cross_entropy(x, t)[1:], np.ones(3)),
                               S.cross_entropy_backward(x.copy(), t, S.cross_entropy(x, t)[1], np.ones(3)))
    loss, lse = S.cross_entropy(np.empty((0, 4), np.float32), np.empty(0, np.int64))
    assert loss.shape == lse.shape == (0,)
    assert S.cross_entropy(np.empty((2, 0)), np.array([-100, -100]))[0].tolist() == [0, 0]
    with pytest.raises(TorshIndexError, match="Target 7 is out of bounds"):
        S.cross_entropy(np.ones((2, 7)), np.array([1, 7]))
    with pytest.raises(TorshIndexError, match="Target -2 is out of bounds"):
        S.cross_entropy(np.ones((2, 7)), np.array([-2, 1]))
    with pytest.raises(ShapeError, match="int64 class indices"):
        S.cross_entropy(np.ones((2, 7)), np.array([1, 2], np.int32))
    with pytest.raises(ShapeError, match="int64 class indices"):
        S.cross_entropy(np.ones((2, 7, 1)), np.array([1, 2]))
    with pytest.raises(ShapeError, match="'lse' and 'scale'"):
        S.cross_entropy_backward(np.ones((2, 7)), np.array([1, 2]), np.ones(3), np.ones(2))
    nan_row = np.array([[-np.inf, -np.inf], [0.0, 1.0]])
    assert np.isnan(S.cross_entropy(nan_row, np.array([0, 1]))[0][0])


@pytest.mark.parametrize("dtype", FAST)
@pytest.mark.parametrize("axis", [-1, 0])
def test_masked_entries_get_exactly_zero_and_bad_slices_nan(dtype, axis):
    """-inf (an attention mask) gives exactly 0; very negative logits underflow to 0; an inf or all -inf slice NaN."""
    x = np.array([[0.0, -np.inf, 1.0, -200.0], [-np.inf] * 4, [np.inf, 0.0, 1.0, 2.0], [np.nan, 0.0, 1.0, 2.0]], dtype)
    x = x if axis == -1 else np.ascontiguousarray(x.T)
    y = S.softmax(x, axis)
    row = (lambda a, i: a[i]) if axis == -1 else (lambda a, i: a[:, i])
    assert row(y, 0)[1] == 0 and (row(y, 0)[3] == 0 if dtype is np.float32 else 0 < row(y, 0)[3] < 1e-86)
    np.testing.assert_allclose(row(y, 0)[[0, 2]], np.exp([0, 1]) / np.exp([0, 1]).sum(), rtol=TOL[dtype])
    for i in (1, 2, 3):
        assert np.isnan(row(y, i)).all()
    assert row(S.softmax(x, axis, log=True), 0)[1] == -np.inf


@pytest.mark.parametrize("dtype", FAST)
def test_middle_axis_kernels_for_every_output_alignment(dtype, random):
    """Whole runs of each row are read and written wherever the output starts: any offset gives the same values."""
    from torsh_backend import _cdata

    x, g = random((300, 128), dtype, 1), random((300, 128), dtype, 2)
    want_y, want_dx = S.softmax(x, 0), S.softmax_backward(S.softmax(x, 0), g, 0)
    line = 64 // np.dtype(dtype).itemsize
    for shift in range(line):
        buf = np.zeros(x.size + line, dtype)
        y = buf[shift:shift + x.size].reshape(x.shape)
        _cdata.kernel("softmax_inner", np.dtype(dtype))(_cdata.src(x), _cdata.dst(y), 1, 300, 128, 0)
        np.testing.assert_array_equal(y, want_y)
        dx = np.zeros(x.size + line, dtype)[shift:shift + x.size].reshape(x.shape)
        _cdata.kernel("softmax_inner_backward", np.dtype(dtype))(_cdata.src(y), _cdata.src(g), _cdata.dst(dx), 1, 300,
                                                                 128, 0)
        np.testing.assert_array_equal(dx, want_dx)


@pytest.mark.parametrize("dtype", FAST)
# every shape is past TB_PARALLEL_MIN (32768) elements, so the team runs
@pytest.mark.parametrize("shape", [(1000, 40), (2, 257, 128), (301, 600)], ids=["narrow", "2 slices", "wide"])
@pytest.mark.parametrize("log", [False, True])
def test_middle_axis_team_splits_match_numpy_on_any_thread_count(dtype, shape, log, random):
    """Fewer slices than threads split their rows (partial column maxima and sums combined after a barrier): the
    values, NaN columns included, match NumPy for 1, 2 or 3 threads."""
    from torsh_backend import cpu_kernels

    x, g = random(shape, dtype, 1), random(shape, dtype, 2)
    x[..., 3, 5] = np.inf  # a column holding inf: NaN
    x[..., :, 7] = -np.inf  # an all -inf column: NaN
    want = ref(x, -2, log)
    p = ref(x, -2, False)
    gd = g.astype(np.float64)
    with np.errstate(invalid="ignore"):
        want_dx = gd - p * gd.sum(-2, keepdims=True) if log else p * (gd - (gd * p).sum(-2, keepdims=True))
    before = cpu_kernels.get_num_threads()
    try:
        for threads in (1, 2, 3):
            cpu_kernels.set_num_threads(threads)
            y = S.softmax(x, -2, log)
            np.testing.assert_allclose(y, want, rtol=TOL[dtype], atol=TOL[dtype])
            np.testing.assert_allclose(S.softmax_backward(y, g, -2, log), want_dx, rtol=10 * TOL[dtype],
                                       atol=10 * TOL[dtype])
    finally:
        cpu_kernels.set_num_threads(before)
