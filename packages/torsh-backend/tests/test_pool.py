"""Max and average pooling kernels against direct NumPy references (a loop over output positions)."""

import numpy as np
import pytest
from torsh_backend import conv, pool
from torsh_core.errors import DTypeError, ShapeError, TorshIndexError, TorshValueError

FAST = (np.float32, np.float64)
# shape (..., H, W), kernel, stride, padding, dilation, ceil_mode
CASES = [
    ((2, 3, 7, 9), (3, 3), (2, 2), (1, 1), (1, 1), False),
    ((1, 1, 5, 5), (5, 5), (1, 1), (0, 0), (1, 1), False),  # kernel = input size, batch 1, channel 1
    ((3, 2, 11, 8), (3, 2), (2, 3), (1, 1), (2, 1), True),
    ((4, 6, 6), (2, 2), (2, 2), (0, 0), (1, 1), True),  # unbatched
    ((0, 3, 5, 5), (3, 3), (1, 1), (1, 1), (1, 1), False),  # empty batch
    ((2, 1, 8, 7), (3, 3), (3, 2), (1, 0), (1, 1), True),
]


def _out(n, k, s, p, d, ceil):
    room = n + 2 * p - d * (k - 1) - 1
    o = -(-room // s) + 1 if ceil else room // s + 1
    return o - 1 if ceil and (o - 1) * s >= n + p else o


def _sizes(shape, kernel, stride, padding, dilation, ceil):
    return tuple(_out(n, k, s, p, d, ceil) for n, k, s, p, d in zip(shape[-2:], kernel, stride, padding, dilation))


def ref_max(x, kernel, stride, padding, dilation, out):
    planes = x.reshape((-1,) + x.shape[-2:])
    h, w = planes.shape[1:]
    best = np.full((planes.shape[0],) + out, -np.inf)
    idx = np.zeros(best.shape, np.int64)
    for y in range(out[0]):
        for q in range(out[1]):
            rows = [r for r in range(y * stride[0] - padding[0], y * stride[0] - padding[0] + dilation[0] * kernel[0],
                                     dilation[0]) if 0 <= r < h]
            cols = [c for c in range(q * stride[1] - padding[1], q * stride[1] - padding[1] + dilation[1] * kernel[1],
                                     dilation[1]) if 0 <= c < w]
            flat = np.array([r * w + c for r in rows for c in cols])
            vals = planes.reshape(planes.shape[0], h * w)[:, flat]
            nan = np.isnan(vals)  # NaN wins at its last position, otherwise the first maximum
            arg = np.where(nan.any(axis=1), len(flat) - 1 - nan[:, ::-1].argmax(axis=1), vals.argmax(axis=1))
            best[:, y, q] = vals[np.arange(len(vals)), arg]
            idx[:, y, q] = flat[arg]
    return best.astype(x.dtype).reshape(x.shape[:-2] + out), idx.reshape(x.shape[:-2] + out)


def ref_avg(x, kernel, stride, padding, out, include, divisor):
    planes = x.reshape((-1,) + x.shape[-2:]).astype(np.float64)
    h, w = planes.shape[1:]
    res = np.zeros((planes.shape[0],) + out)
    for y in range(out[0]):
        for q in range(out[1]):
            ys, xs = y * stride[0] - padding[0], q * stride[1] - padding[1]
            ye, xe = min(ys + kernel[0], h + padding[0]), min(xs + kernel[1], w + padding[1])
            inside = planes[:, max(ys, 0):min(ye, h), max(xs, 0):min(xe, w)]
            count = (ye - ys) * (xe - xs) if include else inside.shape[1] * inside.shape[2]
            res[:, y, q] = inside.sum(axis=(1, 2)) / (divisor or count)
    return res.reshape(x.shape[:-2] + out)


@pytest.mark.parametrize("dtype", FAST)
@pytest.mark.parametrize("shape, kernel, stride, padding, dilation, ceil", CASES)
def test_max_pool_forward_and_backward(shape, kernel, stride, padding, dilation, ceil, dtype, random):
    x = random(shape, dtype)
    out = _sizes(shape, kernel, stride, padding, dilation, ceil)
    got, idx = pool.max_pool2d(x, kernel, stride, padding, dilation, out)
    want, want_idx = ref_max(x, kernel, stride, padding, dilation, out)
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(idx, want_idx)
    g = random(got.shape, dtype, 1)
    gx = pool.max_pool2d_backward(g, idx, shape[-2:])
    expected = np.zeros((int(np.prod(shape[:-2])), shape[-2] * shape[-1]))
    flat = (len(expected), out[0] * out[1])
    for p, (gp, ip) in enumerate(zip(g.reshape(flat), idx.reshape(flat))):
        np.add.at(expected[p], ip, gp)
    np.testing.assert_allclose(gx, expected.reshape(shape), rtol=1e-6)


@pytest.mark.parametrize("dtype", FAST)
@pytest.mark.parametrize("include, divisor", [(True, None), (False, None), (True, 3)])
@pytest.mark.parametrize("shape, kernel, stride, padding, dilation, ceil", CASES)
def test_avg_pool_forward_and_adjoint(shape, kernel, stride, padding, dilation, ceil, include, divisor, dtype,
                                      random):
    if padding[0] > kernel[0] // 2 or padding[1] > kernel[1] // 2:
        padding = (kernel[0] // 2, kernel[1] // 2)
    x = random(shape, dtype)
    out = _sizes(shape, kernel, stride, padding, (1, 1), ceil)
    got = pool.avg_pool2d(x, kernel, stride, padding, out, include, divisor)
    np.testing.assert_allclose(got, ref_avg(x, kernel, stride, padding, out, include, divisor),
                               rtol=1e-5 if dtype is np.float32 else 1e-12)
    g = random(got.shape, np.float64, 2)
    gx = pool.avg_pool2d_backward(g.astype(dtype), shape[-2:], kernel, stride, padding, include, divisor)
    if dtype is np.float64:  # <avg(x), g> == <x, avg_backward(g)>
        np.testing.assert_allclose(float((got * g).sum()), float((x * gx).sum()), rtol=1e-10, atol=1e-12)


def test_nan_wins_and_all_minus_inf_windows_point_inside():
    x = np.array([[1.0, np.nan, 3.0, np.nan], [-np.inf, -np.inf, 0.0, 0.0]])
    got, idx = pool.max_pool2d(x[None], (1, 2), (1, 2), (0, 0), (1, 1), (2, 2))
    assert np.isnan(got[0, 0]).all() and idx[0, 0].tolist() == [1, 3]
    assert got[0, 1].tolist() == [-np.inf, 0.0] and idx[0, 1].tolist() == [4, 6]
    _, pidx = pool.max_pool2d(np.full((1, 2, 2), -np.inf), 3, 2, 1, 1, (1, 1))
    assert pidx.ravel().tolist() == [0]


@pytest.mark.parametrize("dtype", FAST)
@pytest.mark.parametrize("shape, kernel, stride, padding, dilation, ceil", [
    ((3, 2, 9, 31), (2, 2), (2, 2), (0, 0), (1, 1), True),  # the 2x2 fast path, odd sizes
    ((2, 2, 7, 9), (2, 2), (2, 2), (1, 1), (1, 1), False),  # 2x2 with clipped border windows
    ((2, 2, 5, 300), (2, 3), (1, 1), (0, 1), (1, 1), False),  # interior runs longer than one chunk
    ((2, 3, 15, 17), (3, 3), (2, 2), (1, 1), (1, 1), True),
    ((2, 1, 13, 14), (3, 2), (3, 2), (1, 1), (2, 2), True),
])
def test_max_pool_ties_nans_and_infinities(shape, kernel, stride, padding, dilation, ceil, dtype):
    """Few distinct values, NaNs and -inf: every path keeps the first maximum and the last NaN."""
    rng = np.random.default_rng(7)
    x = rng.choice(np.array([-np.inf, -1.0, 0.0, 2.0, np.nan]), size=shape, p=[0.2, 0.25, 0.25, 0.25, 0.05])
    x = x.astype(dtype)
    out = _sizes(shape, kernel, stride, padding, dilation, ceil)
    got, idx = pool.max_pool2d(x, kernel, stride, padding, dilation, out)
    want, want_idx = ref_max(x, kernel, stride, padding, dilation, out)
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(idx, want_idx)


def test_strided_input_matches_its_copy(random):
    x = random((4, 3, 12, 10), np.float32)[::2, :, ::-1, 1::2]
    for fn in (lambda a: pool.max_pool2d(a, 2, 2, 0, 1, (6, 2))[0], lambda a: pool.avg_pool2d(a, 3, 1, 1, (12, 5))):
        np.testing.assert_array_equal(fn(x), fn(x.copy()))


def test_bad_arguments_raise():
    x = np.ones((1, 4, 4))
    with pytest.raises(TorshValueError, match="outside the input"):
        pool.max_pool2d(x, 2, 2, 0, 1, (5, 2))
    with pytest.raises(TorshValueError, match="outside the input"):
        pool.max_pool2d(x, 2, 1, 3, 1, (1, 1))
    with pytest.raises(DTypeError, match="float32 and float64"):
        pool.max_pool2d(x.astype(np.int32), 2, 2, 0, 1, (2, 2))
    with pytest.raises(ShapeError, match="H, W"):
        pool.avg_pool2d(np.ones(4), 2, 2, 0, (2,))
    with pytest.raises(TorshValueError, match="at most half"):
        pool.avg_pool2d(x, 2, 2, 2, (3, 3))
    with pytest.raises(TorshValueError, match="divisor_override"):
        pool.avg_pool2d(x, 2, 2, 0, (2, 2), True, 0)
    g, idx = np.ones((1, 2, 2)), np.array([[[0, 1], [2, 16]]])
    with pytest.raises(TorshIndexError, match="1 indices lie outside"):
        pool.max_pool2d_backward(g, idx, (4, 4))
    with pytest.raises(DTypeError, match="int64"):
        pool.max_pool2d_backward(g, idx.astype(np.int32), (4, 4))
    with pytest.raises(ShapeError, match="indices"):
        pool.max_pool2d_backward(g, idx[:, :1], (4, 4))


def test_conv_output_size_helper_agrees():
    assert conv.output_size((7, 9), 3, 2, 1, 1) == (_out(7, 3, 2, 1, 1, False), _out(9, 3, 2, 1, 1, False))
