"""interpolate, pixel_shuffle, channel_shuffle, unfold and fold against direct NumPy definitions."""

import itertools

import numpy as np
import pytest
import torsh_functional as F
import torsh_tensor as T


def _src(i, n_in, n_out, align_corners):
    if align_corners:
        return i * (n_in - 1) / (n_out - 1) if n_out > 1 else 0.0
    return max((i + 0.5) * n_in / n_out - 0.5, 0.0)


def bilinear_reference(x, out_h, out_w, align_corners):
    h, w = x.shape[-2:]
    out = np.zeros(x.shape[:-2] + (out_h, out_w))
    for i, j in itertools.product(range(out_h), range(out_w)):
        y, z = _src(i, h, out_h, align_corners), _src(j, w, out_w, align_corners)
        y0, z0 = min(int(y), h - 1), min(int(z), w - 1)
        y1, z1 = min(y0 + 1, h - 1), min(z0 + 1, w - 1)
        ly, lz = y - y0, z - z0
        out[..., i, j] = ((1 - ly) * (1 - lz) * x[..., y0, z0] + (1 - ly) * lz * x[..., y0, z1]
                          + ly * (1 - lz) * x[..., y1, z0] + ly * lz * x[..., y1, z1])
    return out


@pytest.mark.parametrize("size", [(9, 4), (3, 7), (6, 10)])
@pytest.mark.parametrize("align_corners", [False, True])
def test_bilinear(rng, size, align_corners):
    x = rng.standard_normal((2, 3, 5, 6))
    out = F.interpolate(T.tensor(x), size=size, mode="bilinear", align_corners=align_corners)
    np.testing.assert_allclose(out.numpy(), bilinear_reference(x, *size, align_corners), rtol=1e-10, atol=1e-12)


def test_nearest(rng):
    x = rng.standard_normal((1, 2, 4, 5))
    out = F.interpolate(T.tensor(x), size=(8, 3)).numpy()
    rows = np.floor(np.arange(8) * 4 / 8).astype(int)
    cols = np.floor(np.arange(3) * 5 / 3).astype(int)
    np.testing.assert_array_equal(out, x[:, :, rows][:, :, :, cols])
    exact = F.interpolate(T.tensor(x), size=(8, 3), mode="nearest-exact").numpy()
    cols_exact = np.minimum(np.floor((np.arange(3) + 0.5) * 5 / 3).astype(int), 4)
    np.testing.assert_array_equal(exact, x[:, :, rows][:, :, :, cols_exact])


def test_scale_factor_size_and_area(rng):
    x = rng.standard_normal((1, 1, 4, 6))
    assert F.interpolate(T.tensor(x), scale_factor=1.5).shape == (1, 1, 6, 9)
    area = F.interpolate(T.tensor(x), size=(2, 3), mode="area").numpy()
    np.testing.assert_allclose(area, x.reshape(1, 1, 2, 2, 3, 2).mean((3, 5)), rtol=1e-12)
    bicubic_same = F.interpolate(T.tensor(x), size=(4, 6), mode="bicubic").numpy()
    np.testing.assert_allclose(bicubic_same, x, rtol=1e-12, atol=1e-14)


def test_interpolate_gradients(rng, leaf, check_grad):
    x = leaf(rng.standard_normal((1, 2, 3, 4)))
    check_grad(lambda t: F.interpolate(t, size=(5, 7), mode="bilinear"), x, second=True)
    check_grad(lambda t: F.interpolate(t, scale_factor=2, mode="bicubic", align_corners=True), x)
    check_grad(lambda t: F.interpolate(t, size=(5, 3)), x)
    check_grad(lambda t: F.interpolate(t, size=4, mode="linear"), leaf(rng.standard_normal((1, 2, 3))))
    check_grad(lambda t: F.interpolate(t, size=(2, 3, 2), mode="trilinear"), leaf(rng.standard_normal((1, 1, 3, 2, 3))))


@pytest.mark.parametrize("call,exc,match", [
    (lambda: F.interpolate(T.ones(1, 1, 4, 4)), ValueError, "either size or scale_factor"),
    (lambda: F.interpolate(T.ones(1, 1, 4, 4), size=2, scale_factor=2), ValueError, "only one of"),
    (lambda: F.interpolate(T.ones(1, 1, 4, 4), size=2, align_corners=True), ValueError, "align_corners"),
    (lambda: F.interpolate(T.ones(1, 1, 4), size=2, mode="bilinear"), NotImplementedError, "needs 4D"),
    (lambda: F.interpolate(T.ones(1, 1, 4, 4), size=(2, 2, 2)), ValueError, "same number of spatial"),
    (lambda: F.interpolate(T.ones(1, 1, 4, 4), size=2, mode="bilinear", antialias=True), NotImplementedError,
     "antialias"),
])
def test_interpolate_errors(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def test_pixel_shuffle_round_trip(rng, leaf, check_grad):
    x = rng.standard_normal((2, 8, 3, 2))
    out = F.pixel_shuffle(T.tensor(x), 2).numpy()
    assert out.shape == (2, 2, 6, 4)
    # out[n, c, h*r + i, w*r + j] = x[n, c*r*r + i*r + j, h, w]
    np.testing.assert_array_equal(out[1, 1, 5, 2], x[1, 1 * 4 + 1 * 2 + 0, 2, 1])
    np.testing.assert_array_equal(F.pixel_unshuffle(T.tensor(out), 2).numpy(), x)
    check_grad(lambda t: F.pixel_shuffle(t, 2), leaf(x[:1, :4]))
    with pytest.raises(RuntimeError, match="divisible by the square"):
        F.pixel_shuffle(T.ones(1, 6, 2, 2), 2)


def test_channel_shuffle():
    x = T.tensor(np.arange(6.0).reshape(1, 6, 1))
    np.testing.assert_array_equal(F.channel_shuffle(x, 2).numpy().ravel(), [0, 3, 1, 4, 2, 5])


def unfold_reference(x, k, d, p, s):
    xp = np.pad(x, ((0, 0), (0, 0), (p[0], p[0]), (p[1], p[1])))
    oh = (xp.shape[2] - d[0] * (k[0] - 1) - 1) // s[0] + 1
    ow = (xp.shape[3] - d[1] * (k[1] - 1) - 1) // s[1] + 1
    cols = []
    for i, j in itertools.product(range(oh), range(ow)):
        block = xp[:, :, i * s[0]:i * s[0] + d[0] * (k[0] - 1) + 1:d[0], j * s[1]:j * s[1] + d[1] * (k[1] - 1) + 1:d[1]]
        cols.append(block.reshape(x.shape[0], -1))
    return np.stack(cols, -1)


def test_unfold_and_fold(rng, leaf, check_grad):
    x = rng.standard_normal((2, 3, 5, 6))
    k, d, p, s = (2, 3), (2, 1), (1, 0), (1, 2)
    cols = F.unfold(T.tensor(x), k, d, p, s)
    np.testing.assert_array_equal(cols.numpy(), unfold_reference(x, k, d, p, s))
    # fold is unfold's adjoint: <unfold(x), c> == <x, fold(c)>
    c = rng.standard_normal(tuple(cols.shape))
    back = F.fold(T.tensor(c), (5, 6), k, d, p, s).numpy()
    np.testing.assert_allclose((cols.numpy() * c).sum(), (x * back).sum(), rtol=1e-12)
    check_grad(lambda t: F.unfold(t, 2, padding=1), leaf(x[:1, :2, :3, :3]), second=True)
    check_grad(lambda t: F.fold(t, (3, 3), 2), leaf(rng.standard_normal((1, 8, 4))), second=True)
    with pytest.raises(RuntimeError, match="sliding blocks"):
        F.fold(T.ones(1, 8, 5), (3, 3), 2)
