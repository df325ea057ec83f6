"""im2col / col2im against a direct NumPy reference (a loop over kernel offsets), including their adjointness."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from torsh_backend import conv as K
from torsh_core.errors import DTypeError, ShapeError, TorshTypeError, TorshValueError

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


# -- fused conv2d kernels (groups 1): forward, weight gradient and input gradient against im2col + a NumPy matmul --
def ref_conv(x, weight, bias, stride, padding, dilation, out):
    n, o = x.shape[0], weight.shape[0]
    cols = ref_im2col(x.astype(np.float64), weight.shape[2:], stride, padding, dilation, out)
    y = (weight.reshape(o, -1).astype(np.float64) @ cols).reshape((o, n) + out).transpose(1, 0, 2, 3)
    return y if bias is None else y + bias.reshape(1, -1, 1, 1), cols


def _close(got, want, scale, dtype):
    """Equal up to rounding: float32 sums are allowed an error of a few ulps of the sum of |terms| (``scale``)."""
    eps = 1e-6 if dtype is np.float32 else 1e-14
    np.testing.assert_allclose(got, want, rtol=0, atol=float(np.max(scale, initial=0.0)) * eps * 10)


@pytest.mark.parametrize("dtype", FAST)
@pytest.mark.parametrize("shape, kernel, stride, padding, dilation", CASES)
@pytest.mark.parametrize("out_channels", [1, 6, 19])
@pytest.mark.parametrize("with_blas", [True, False], ids=["C", "numpy-fallback"])
def test_fused_conv2d_matches_reference(shape, kernel, stride, padding, dilation, out_channels, dtype, with_blas,
                                        random, monkeypatch):
    monkeypatch.setattr(K.blas, "AVAILABLE", K.blas.AVAILABLE and with_blas)
    x = random(shape, dtype)
    weight = random((out_channels, shape[1]) + kernel, dtype, 1)
    bias = random((out_channels,), dtype, 2) if out_channels != 6 else None
    out = K.output_size(shape[2:], kernel, stride, padding, dilation)
    y = K.conv2d_forward(x, weight, bias, stride, padding, dilation)
    want, cols = ref_conv(x, weight, bias, stride, padding, dilation, out)
    assert y.shape == want.shape and y.dtype == dtype
    _close(y, want, ref_conv(np.abs(x), np.abs(weight), None, stride, padding, dilation, out)[0] + 1, dtype)
    g = random(y.shape, dtype, 3)
    g2 = np.ascontiguousarray(g.transpose(1, 0, 2, 3)).reshape(out_channels, -1).astype(np.float64)
    gw = K.conv2d_backward_weight(g, x, kernel, stride, padding, dilation)
    assert gw.shape == weight.shape and gw.dtype == dtype
    _close(gw, (g2 @ cols.T).reshape(weight.shape), np.abs(g2) @ np.abs(cols.T), dtype)
    gx = K.conv2d_backward_input(g, weight, shape, stride, padding, dilation)
    assert gx.shape == shape and gx.dtype == dtype
    w2 = weight.reshape(out_channels, -1).T.astype(np.float64)
    back = K.col2im(w2 @ g2, shape, kernel, stride, padding, dilation, out)
    _close(gx, back, K.col2im(np.abs(w2) @ np.abs(g2), shape, kernel, stride, padding, dilation, out), dtype)


def test_fused_conv2d_takes_strided_operands_and_larger_outputs(random):
    base = random((3, 4, 11, 13), np.float64)
    x = base[::2, ::-1, 1::2, ::2]
    weight = random((5, 4, 6, 3), np.float64, 1)[:, :, ::2]
    out = (7, 9)  # past the usual (3, 5): windows beyond the input read zeros
    y = K.conv2d_forward(x, weight, None, 1, 1, 1, out)
    np.testing.assert_allclose(y, ref_conv(x, weight, None, (1, 1), (1, 1), (1, 1), out)[0], rtol=1e-12, atol=1e-12)
    g = random((2, 5) + out, np.float64, 2)[:, :, ::-1]
    np.testing.assert_allclose(K.conv2d_backward_weight(g, x, (3, 3), 1, 1, 1, out),
                               K.conv2d_backward_weight(g.copy(), x.copy(), (3, 3), 1, 1, 1, out), rtol=1e-14)
    np.testing.assert_allclose(K.conv2d_backward_input(g, weight, x.shape, 1, 1, 1, out),
                               K.conv2d_backward_input(g.copy(), weight.copy(), x.shape, 1, 1, 1, out), rtol=1e-14)


def test_fused_conv2d_same_result_on_one_thread(random):
    from torsh_backend import cpu_kernels

    x, weight = random((8, 3, 40, 40), np.float32), random((7, 3, 3, 3), np.float32, 1)
    g = random((8, 7, 38, 38), np.float32, 2)
    many = (K.conv2d_forward(x, weight, None, 1, 0, 1), K.conv2d_backward_weight(g, x, 3, 1, 0, 1),
            K.conv2d_backward_input(g, weight, x.shape, 1, 0, 1))
    before = cpu_kernels.get_num_threads()
    cpu_kernels.set_num_threads(1)
    try:
        one = (K.conv2d_forward(x, weight, None, 1, 0, 1), K.conv2d_backward_weight(g, x, 3, 1, 0, 1),
               K.conv2d_backward_input(g, weight, x.shape, 1, 0, 1))
    finally:
        cpu_kernels.set_num_threads(before)
    np.testing.assert_array_equal(many[0], one[0])
    np.testing.assert_allclose(many[1], one[1], rtol=1e-5, atol=1e-5 * float(np.abs(one[1]).max()))  # sum order
    np.testing.assert_array_equal(many[2], one[2])


def test_fused_conv2d_empty_sizes_give_zeros_or_bias():
    x, weight, bias = np.ones((2, 0, 5, 5), np.float32), np.ones((3, 0, 2, 2), np.float32), np.arange(3.0, dtype="f4")
    np.testing.assert_array_equal(K.conv2d_forward(x, weight, bias, 1, 0, 1), np.broadcast_to(
        bias.reshape(1, 3, 1, 1), (2, 3, 4, 4)))
    assert K.conv2d_backward_weight(np.ones((2, 3, 4, 4), np.float32), x, 2, 1, 0, 1).shape == (3, 0, 2, 2)
    assert K.conv2d_backward_input(np.ones((0, 3, 4, 4)), np.ones((3, 1, 2, 2)), (0, 1, 5, 5), 1, 0, 1).shape == (
        0, 1, 5, 5)


def test_fused_conv2d_bad_arguments_raise():
    x, weight = np.ones((1, 2, 5, 5)), np.ones((3, 2, 2, 2))
    with pytest.raises(DTypeError, match="float32 and float64"):
        K.conv2d_forward(x.astype(np.float16), weight.astype(np.float16), None, 1, 0, 1)
    with pytest.raises(DTypeError, match="dtype"):
        K.conv2d_forward(x, weight.astype(np.float32), None, 1, 0, 1)
    with pytest.raises(ShapeError, match="expected x"):
        K.conv2d_forward(x, np.ones((3, 1, 2, 2)), None, 1, 0, 1)
    with pytest.raises(ShapeError, match="bias"):
        K.conv2d_forward(x, weight, np.ones(2), 1, 0, 1)
    with pytest.raises(TorshValueError, match="stride"):
        K.conv2d_forward(x, weight, None, 0, 0, 1)
    with pytest.raises(ShapeError, match="'g'"):
        K.conv2d_backward_weight(np.ones((1, 3, 3, 3)), x, 2, 1, 0, 1)
    with pytest.raises(ShapeError, match="'g'"):
        K.conv2d_backward_input(np.ones((1, 3, 3, 3)), weight, x.shape, 1, 0, 1)
    with pytest.raises(ShapeError, match="weight"):
        K.conv2d_backward_input(np.ones((1, 3, 4, 4)), weight, (1, 3, 5, 5), 1, 0, 1)
    with pytest.raises(TorshValueError, match="input_shape"):
        K.conv2d_backward_input(np.ones((1, 3, 4, 4)), weight, (1, 2, 5), 1, 0, 1)
    with pytest.raises(TorshTypeError, match="numpy.ndarray"):
        K.conv2d_backward_weight([1.0], x, 2, 1, 0, 1)


@settings(max_examples=30, deadline=None, database=None)
@given(n=st.sampled_from([0, 1, 3]), c=st.integers(1, 4), o=st.integers(1, 9), h=st.integers(1, 9),
       w=st.integers(1, 9), k=st.tuples(st.integers(1, 4), st.integers(1, 4)), s=st.tuples(st.integers(1, 3),
       st.integers(1, 3)), p=st.tuples(st.integers(0, 2), st.integers(0, 2)), d=st.tuples(st.integers(1, 2),
       st.integers(1, 2)), dtype=st.sampled_from(FAST), flip=st.booleans(), with_bias=st.booleans())
def test_fused_conv2d_fuzz_against_reference(n, c, o, h, w, k, s, p, d, dtype, flip, with_bias):
    out = K.output_size((h, w), k, s, p, d)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((n, c, h, w)).astype(dtype)
    x = np.ascontiguousarray(x[:, :, :, ::-1])[:, :, :, ::-1] if flip else x  # a reversed (strided) layout
    weight = rng.standard_normal((o, c) + k).astype(dtype)
    bias = rng.standard_normal(o).astype(dtype) if with_bias else None
    y = K.conv2d_forward(x, weight, bias, s, p, d)
    want, cols = ref_conv(x, weight, bias, s, p, d, out)
    _close(y, want, ref_conv(np.abs(x), np.abs(weight), None, s, p, d, out)[0] + 1, dtype)
    g = rng.standard_normal(y.shape).astype(dtype)
    g2 = np.ascontiguousarray(g.transpose(1, 0, 2, 3)).reshape(o, -1).astype(np.float64)
    _close(K.conv2d_backward_weight(g, x, k, s, p, d), (g2 @ cols.T).reshape(weight.shape),
           np.abs(g2) @ np.abs(cols.T), dtype)
    w2 = weight.reshape(o, -1).T.astype(np.float64)
    _close(K.conv2d_backward_input(g, weight, x.shape, s, p, d), K.col2im(w2 @ g2, x.shape, k, s, p, d, out),
           K.col2im(np.abs(w2) @ np.abs(g2), x.shape, k, s, p, d, out), dtype)


# -- the direct (stride 1) weight gradient: every gw element summed by one thread, rows of whole vectors --------
def _ref_weight_grad(g, x, kernel, padding, out):
    o = g.shape[1]
    cols = ref_im2col(x.astype(np.float64), kernel, (1, 1), padding, (1, 1), out)
    g2 = np.ascontiguousarray(g.transpose(1, 0, 2, 3)).reshape(o, -1).astype(np.float64)
    return (g2 @ cols.T).reshape((o, x.shape[1]) + kernel), np.abs(g2) @ np.abs(cols.T)


# (N, C, H, W), O, kernel, padding, output size (None: the usual one); output widths are whole 32-byte vectors
DIRECT_WEIGHT = [
    ((2, 4, 16, 16), 5, (3, 3), (1, 1), None),  # fewer output channels than a block of 8
    ((3, 2, 10, 12), 17, (5, 5), (2, 4), (10, 16)),  # 3 blocks, the last with one channel; a wider output
    ((1, 4, 9, 8), 8, (2, 1), (0, 0), None),  # batch 1, a block exactly full, a kernel narrower than a group
    ((4, 5, 6, 7), 9, (1, 4), (3, 2), None),  # padding past the kernel, a 4-wide kernel (two groups of 3)
    ((2, 2, 40, 61), 12, (3, 3), (2, 2), (42, 64)),  # several row tiles of g
]


@pytest.mark.parametrize("dtype", FAST)
@pytest.mark.parametrize("shape, o, kernel, padding, out", DIRECT_WEIGHT)
def test_direct_weight_gradient_matches_reference(shape, o, kernel, padding, out, dtype, random, spy_kernels):
    x = random(shape, dtype)
    out = out or K.output_size(shape[2:], kernel, 1, padding, 1)
    g = random((shape[0], o) + out, dtype, 1)
    geo = K._out("test", *shape[2:], *kernel, 1, padding, 1, out)
    assert K._weight_direct_suits(geo, shape[1], o, np.dtype(dtype))
    gw = K.conv2d_backward_weight(g, x, kernel, 1, padding, 1, out)
    assert spy_kernels == ["conv2d_weight_direct"] and gw.shape == (o,) + shape[1:2] + kernel and gw.dtype == dtype
    want, scale = _ref_weight_grad(g, x, kernel, padding, out)
    _close(gw, want, scale, dtype)
    strided = K.conv2d_backward_weight(np.asfortranarray(g), x[..., ::-1].copy()[..., ::-1], kernel, 1, padding, 1,
                                       out)  # copied to an aligned, contiguous g first
    np.testing.assert_array_equal(strided, gw)


def test_direct_weight_gradient_is_the_same_on_any_thread_count(random):
    """Each element is summed by one thread in one order: bit-identical results for 1, 2 or 3 threads."""
    from torsh_backend import cpu_kernels

    x, g = random((5, 6, 14, 16), np.float32), random((5, 10, 14, 16), np.float32, 1)
    before = cpu_kernels.get_num_threads()
    try:
        results = []
        for threads in (1, 2, 3):
            cpu_kernels.set_num_threads(threads)
            results.append(K.conv2d_backward_weight(g, x, 3, 1, 1, 1))
    finally:
        cpu_kernels.set_num_threads(before)
    np.testing.assert_array_equal(results[0], results[1])
    np.testing.assert_array_equal(results[0], results[2])


def test_direct_weight_kernel_refuses_partial_vector_rows():
    """The C kernel's own guard: an output width that is not whole vectors is refused (-3), never read past."""
    from torsh_backend import _cdata

    g, x, gw = np.ones((1, 8, 3, 5), np.float32), np.ones((1, 2, 5, 7), np.float32), np.zeros((8, 2, 3, 3), "f4")
    status = _cdata.kernel("conv2d_weight_direct", np.dtype(np.float32))(
        _cdata.src(g), _cdata.src(x), 1, 2, 5, 7, 8, 3, 3, 0, 0, _cdata.dst(gw), 3, 5)
    assert status == -3 and not gw.any()
    with pytest.raises(ShapeError, match="whole 32-byte vectors"):
        K._status("conv2d_backward_weight", status)


def test_aligned_copies_only_when_needed():
    a = K.aligned(np.arange(60.0, dtype=np.float32).reshape(3, 4, 5)[:, ::2])
    assert a.flags.c_contiguous and a.ctypes.data % 64 == 0
    np.testing.assert_array_equal(a, np.arange(60.0).reshape(3, 4, 5)[:, ::2])
    assert K.aligned(a) is a
    assert K.aligned(np.broadcast_to(np.float64(2), (0, 3))).shape == (0, 3)
