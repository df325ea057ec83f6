"""im2col / col2im against a direct NumPy reference (a loop over kernel offsets), including their adjointness."""

import numpy as np
import pytest
from torsh_backend import conv as K
from torsh_core.errors import ShapeError, TorshTypeError, TorshValueError

FAST = (np.float32, np.float64)
# (N, C, H, W), kernel, stride, padding, dilation
CASES = [
    ((2, 3, 7, 9), (3, 3), (1, 1), (1, 1), (1, 1)),
    ((1, 1, 5, 5), (5, 5), (1, 1), (0, 0), (1, 1)),  # kernel = input size, batch 1, channel 1
    ((3, 2, 11, 8), (3, 2), (2, 3), (1, 0), (2, 1)),
    ((2, 4, 6, 6), (1, 1), (2, 2), (0, 0), (1, 1)),
    ((1, 2, 4, 5), (3, 3), (3, 1), (2, 2), (1, 2)),  # padding past the kernel reach: all-zero rows
    ((0, 3, 5, 5), (3, 3), (1, 1), (1, 1), (1, 1)),  # empty batch
    ((4, 8, 33, 31), (5, 5), (1, 1), (2, 2), (1, 1)),  # big enough for the OpenMP team
]


def ref_im2col(x, kernel, stride, padding, dilation, out):
    n, c, h, w = x.shape
    (kh, kw), (sh, sw), (ph, pw), (dh, dw), (oh, ow) = kernel, stride, padding, dilation, out
    xp = np.zeros((n, c, h + 2 * ph + dh * kh + sh * oh, w + 2 * pw + dw * kw + sw * ow), x.dtype)
    xp[:, :, ph:ph + h, pw:pw + w] = x
    cols = np.empty((c, kh, kw, n, oh, ow), x.dtype)
    for i in range(kh):
        for j in range(kw):
            win = xp[:, :, i * dh: i * dh + sh * oh: sh, j * dw: j * dw + sw * ow: sw]
            cols[:, i, j] = win[:, :, :oh, :ow].transpose(1, 0, 2, 3)
    return cols.reshape(c * kh * kw, n * oh * ow)


@pytest.mark.parametrize("dtype", FAST + (np.float16,))
@pytest.mark.parametrize("shape, kernel, stride, padding, dilation", CASES)
def test_im2col_and_col2im_match_reference(shape, kernel, stride, padding, dilation, dtype, random):
    x = random(shape, dtype)
    out = K.output_size(shape[2:], kernel, stride, padding, dilation)
    cols = K.im2col(x, kernel, stride, padding, dilation, out)
    expected = ref_im2col(x, kernel, stride, padding, dilation, out)
    np.testing.assert_array_equal(cols, expected)
    # col2im is im2col's adjoint: <im2col(x), y> == <x, col2im(y)>
    y = random(cols.shape, np.float64, 1)
    back = K.col2im(y.astype(dtype), shape, kernel, stride, padding, dilation, out)
    assert back.shape == shape and back.dtype == dtype
    if dtype is np.float64:
        lhs = float((expected.astype(np.float64) * y).sum())
        np.testing.assert_allclose(lhs, float((x * back).sum()), rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("dtype", FAST)
def test_col2im_matches_reference_scatter(dtype, random):
    shape, kernel, stride, padding, dilation = (2, 3, 9, 7), (3, 2), (2, 1), (1, 1), (1, 2)
    out = K.output_size(shape[2:], kernel, stride, padding, dilation)
    c = shape[1]
    cols = random((c * 6, shape[0] * out[0] * out[1]), dtype, 2)
    got = K.col2im(cols, shape, kernel, stride, padding, dilation, out)
    src = cols.reshape(c, kernel[0], kernel[1], shape[0], *out)
    want = np.zeros(shape, np.float64)
    for ch in range(c):
        for i in range(kernel[0]):
            for j in range(kernel[1]):
                for b in range(shape[0]):
                    for y in range(out[0]):
                        for q in range(out[1]):
                            r = y * stride[0] - padding[0] + i * dilation[0]
                            s = q * stride[1] - padding[1] + j * dilation[1]
                            if 0 <= r < shape[2] and 0 <= s < shape[3]:
                                want[b, ch, r, s] += src[ch, i, j, b, y, q]
    np.testing.assert_allclose(got, want, rtol=1e-5 if dtype is np.float32 else 1e-12)


def test_strided_input_is_gathered_like_its_copy(random):
    base = random((3, 4, 10, 12), np.float32)
    x = base[::2, ::-1, 1::2, ::2]
    out = K.output_size(x.shape[2:], 3, 1, 1, 1)
    np.testing.assert_array_equal(K.im2col(x, 3, 1, 1, 1, out), K.im2col(x.copy(), 3, 1, 1, 1, out))
    cols = K.im2col(x.copy(), 3, 1, 1, 1, out)
    np.testing.assert_array_equal(K.col2im(cols[:, ::1].T.copy().T, x.shape, 3, 1, 1, 1, out),
                                  K.col2im(cols, x.shape, 3, 1, 1, 1, out))


def test_any_output_size_stays_in_bounds(random):
    x = random((1, 1, 3, 3), np.float64)
    cols = K.im2col(x, 2, 1, 0, 1, (6, 6))  # windows far past the input read zeros, never memory
    assert cols.shape == (4, 36) and not cols.reshape(4, 6, 6)[:, 3:, :].any()
    back = K.col2im(np.ones((4, 36)), (1, 1, 3, 3), 2, 1, 0, 1, (6, 6))
    assert back.shape == (1, 1, 3, 3)


def test_bad_arguments_raise():
    x = np.ones((1, 1, 4, 4))
    with pytest.raises(ShapeError, match="N, C, H, W"):
        K.im2col(np.ones((4, 4)), 2, 1, 0, 1, (3, 3))
    with pytest.raises(TorshValueError, match="stride"):
        K.im2col(x, 2, 0, 0, 1, (3, 3))
    with pytest.raises(TorshValueError, match="padding"):
        K.im2col(x, 2, 1, -1, 1, (3, 3))
    with pytest.raises(TorshTypeError, match="kernel_size"):
        K.im2col(x, (2, 2, 2), 1, 0, 1, (3, 3))
    with pytest.raises(TorshTypeError, match="numpy.ndarray"):
        K.im2col([[1.0]], 1, 1, 0, 1, (1, 1))
    with pytest.raises(ShapeError, match="expected cols of shape"):
        K.col2im(np.ones((4, 8)), (1, 1, 4, 4), 2, 1, 0, 1, (3, 3))
    with pytest.raises(TorshValueError, match="input_shape"):
        K.col2im(np.ones((4, 9)), (1, -1, 4, 4), 2, 1, 0, 1, (3, 3))
    with pytest.raises(TorshTypeError, match="object"):
        K.im2col(np.ones((1, 1, 2, 2), dtype=object), 1, 1, 0, 1, (2, 2))
