"""Convolutions against a direct NumPy loop over output positions, gradients of first and second order, errors."""

import itertools

import numpy as np
import pytest
import torsh_functional as F
import torsh_tensor as T


def conv_reference(x, w, b, stride, padding, dilation, groups):
    """Cross-correlation by its definition: one dot product per output position."""
    d = x.ndim - 2
    lo, hi = padding
    xp = np.pad(x, [(0, 0), (0, 0)] + list(zip(lo, hi)))
    o, cg = w.shape[:2]
    k = w.shape[2:]
    out_size = [(xp.shape[2 + i] - dilation[i] * (k[i] - 1) - 1) // stride[i] + 1 for i in range(d)]
    y = np.zeros((x.shape[0], o) + tuple(out_size))
    og = o // groups
    for pos in itertools.product(*(range(n) for n in out_size)):
        window = tuple(slice(p * s, p * s + dl * (kk - 1) + 1, dl) for p, s, dl, kk in zip(pos, stride, dilation, k))
        for oc in range(o):
            g = oc // og
            patch = xp[(slice(None), slice(g * cg, (g + 1) * cg)) + window]
            y[(slice(None), oc) + pos] = (patch * w[oc]).reshape(x.shape[0], -1).sum(1)
    return y + (0 if b is None else b.reshape((1, -1) + (1,) * d))


def transpose_reference(x, w, stride, padding, output_padding, dilation, groups):
    """conv_transpose as the gradient of conv: the adjoint computed with the direct reference."""
    d = x.ndim - 2
    k = w.shape[2:]
    cin, cgout = w.shape[:2]
    size = [(x.shape[2 + i] - 1) * stride[i] - 2 * padding[i] + dilation[i] * (k[i] - 1) + output_padding[i] + 1
            for i in range(d)]
    out = np.zeros((x.shape[0], cgout * groups) + tuple(size))
    # <conv(e_j), x> for every unit input e_j of the conv (the transposed conv's output position j)
    for j in np.ndindex(*out.shape[1:]):
        e = np.zeros((1,) + out.shape[1:])
        e[(0,) + j] = 1
        y = conv_reference(e, w, None, stride, (padding, padding), dilation, groups)
        out[(slice(None),) + j] = (y * x).reshape(x.shape[0], -1).sum(1)
    return out


@pytest.mark.parametrize("shape,wshape,kw", [
    ((2, 4, 9), (6, 2, 3), dict(stride=2, padding=1, dilation=2, groups=2)),
    ((2, 3, 6, 7), (4, 3, 3, 2), dict(stride=(1, 2), padding=(2, 0), dilation=(2, 1))),
    ((1, 4, 5, 5), (4, 1, 3, 3), dict(groups=4, padding="same")),
    ((2, 2, 4, 5, 3), (3, 2, 2, 3, 2), dict(stride=(2, 1, 1), padding=1)),
])
def test_conv_matches_direct_definition(rng, shape, wshape, kw):
    d = len(shape) - 2
    fn = (F.conv1d, F.conv2d, F.conv3d)[d - 1]
    x, w, b = rng.standard_normal(shape), rng.standard_normal(wshape), rng.standard_normal(wshape[0])
    stride = kw.get("stride", 1)
    stride = (stride,) * d if isinstance(stride, int) else stride
    dil = kw.get("dilation", 1)
    dil = (dil,) * d if isinstance(dil, int) else dil
    pad = kw.get("padding", 0)
    if pad == "same":
        total = [dl * (k - 1) for k, dl in zip(wshape[2:], dil)]
        lohi = ([t // 2 for t in total], [t - t // 2 for t in total])
    else:
        pad = (pad,) * d if isinstance(pad, int) else pad
        lohi = (pad, pad)
    expected = conv_reference(x, w, b, stride, lohi, dil, kw.get("groups", 1))
    np.testing.assert_allclose(fn(T.tensor(x), T.tensor(w), T.tensor(b), **kw).numpy(), expected, rtol=1e-10,
                               atol=1e-12)


def test_conv_even_kernel_same_padding_goes_right(rng):
    x, w = rng.standard_normal((1, 1, 6)), rng.standard_normal((1, 1, 4))
    expected = conv_reference(x, w, None, (1,), ([1], [2]), (1,), 1)
    np.testing.assert_allclose(F.conv1d(T.tensor(x), T.tensor(w), padding="same").numpy(), expected, rtol=1e-12)


def test_conv_transpose_matches_adjoint_definition(rng):
    x, w = rng.standard_normal((2, 4, 3, 2)), rng.standard_normal((4, 2, 2, 3))
    kw = dict(stride=(2, 1), padding=(1, 0), output_padding=(1, 0), dilation=(1, 2), groups=2)
    expected = transpose_reference(x, w, kw["stride"], kw["padding"], kw["output_padding"], kw["dilation"], 2)
    np.testing.assert_allclose(F.conv_transpose2d(T.tensor(x), T.tensor(w), **kw).numpy(), expected, rtol=1e-10,
                               atol=1e-12)


def test_float32_stays_float32(rng):
    x = T.tensor(rng.standard_normal((1, 2, 5, 5)).astype(np.float32))
    w = T.tensor(rng.standard_normal((3, 2, 3, 3)).astype(np.float32))
    assert F.conv2d(x, w).dtype == x.dtype and F.conv_transpose2d(x, w.transpose(0, 1)).dtype == x.dtype


def test_conv_gradients(rng, leaf, check_grad):
    x, w, b = leaf(rng.standard_normal((2, 4, 5))), leaf(rng.standard_normal((4, 2, 3))), leaf(rng.standard_normal(4))
    check_grad(lambda x, w, b: F.conv1d(x, w, b, stride=2, padding=1, groups=2), x, w, b, second=True)
    x2, w2 = leaf(rng.standard_normal((1, 2, 4, 5))), leaf(rng.standard_normal((3, 2, 2, 3)))
    check_grad(lambda x, w: F.conv2d(x, w, padding=(1, 0), dilation=(1, 2)), x2, w2, second=True)
    x3, w3 = leaf(rng.standard_normal((1, 1, 3, 3, 4))), leaf(rng.standard_normal((2, 1, 2, 2, 2)))
    check_grad(lambda x, w: F.conv3d(x, w, stride=(1, 1, 2)), x3, w3)


def test_conv_transpose_gradients(rng, leaf, check_grad):
    x, w, b = leaf(rng.standard_normal((2, 4, 3))), leaf(rng.standard_normal((4, 1, 3))), leaf(rng.standard_normal(2))
    check_grad(lambda x, w, b: F.conv_transpose1d(x, w, b, stride=2, padding=1, output_padding=1, groups=2), x, w, b,
               second=True)
    x2, w2 = leaf(rng.standard_normal((1, 2, 3, 2))), leaf(rng.standard_normal((2, 2, 2, 3)))
    check_grad(lambda x, w: F.conv_transpose2d(x, w, stride=(1, 2), dilation=(2, 1)), x2, w2, second=True)


def test_unbatched_input(rng):
    x, w = rng.standard_normal((3, 6, 6)), rng.standard_normal((2, 3, 3, 3))
    out = F.conv2d(T.tensor(x), T.tensor(w))
    np.testing.assert_allclose(out.numpy(), F.conv2d(T.tensor(x[None]), T.tensor(w)).numpy()[0])


@pytest.mark.parametrize("call,match", [
    (lambda: F.conv2d(T.ones(2, 4, 8, 8), T.ones(6, 3, 3, 3)), "expected input.*to have 3 channels"),
    (lambda: F.conv2d(T.ones(2, 4, 8, 8), T.ones(6, 1, 3, 3), groups=4), "divisible by 4"),
    (lambda: F.conv2d(T.ones(2, 4, 2, 2), T.ones(6, 4, 3, 3)), "Kernel size can't be greater"),
    (lambda: F.conv2d(T.ones(8, 8), T.ones(6, 4, 3, 3)), "Expected 3D \\(unbatched\\) or 4D"),
    (lambda: F.conv2d(T.ones(1, 4, 8, 8), T.ones(6, 4, 3, 3), stride=0), "non-positive stride"),
    (lambda: F.conv2d(T.ones(1, 4, 8, 8), T.ones(6, 4, 3, 3), padding=-1), "negative padding"),
    (lambda: F.conv2d(T.ones(1, 4, 8, 8), T.ones(6, 4, 3, 3), padding="same", stride=2), "strided convolutions"),
    (lambda: F.conv2d(T.ones(1, 4, 8, 8), T.ones(6, 4, 3, 3), padding="full"), "Invalid padding string"),
    (lambda: F.conv2d(T.ones(1, 4, 8, 8), T.ones(6, 4, 3, 3), T.ones(5)), "expected bias"),
    (lambda: F.conv2d(T.ones(1, 4, 8, 8), T.ones(6, 4, 3, 3), stride=(1, 2, 3)), "stride"),
    (lambda: F.conv2d(T.ones(1, 4, 8, 8), T.ones(6, 4, 3, 3).double()), "expected scalar type"),
    (lambda: F.conv_transpose2d(T.ones(1, 4, 3, 3), T.ones(4, 2, 3, 3), stride=2, output_padding=2),
     "output padding must be smaller"),
])
def test_errors(call, match):
    with pytest.raises(RuntimeError, match=match):
        call()


def test_second_backward_with_retained_graph_gives_the_same_gradients(rng, leaf):
    x, w = leaf(rng.standard_normal((2, 3, 5, 5))), leaf(rng.standard_normal((4, 3, 3, 3)))
    y = F.conv2d(x, w, padding=1).sum()
    y.backward(retain_graph=True)
    first = (x.grad.numpy().copy(), w.grad.numpy().copy())
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * first[0], rtol=1e-12)
    np.testing.assert_allclose(w.grad.numpy(), 2 * first[1], rtol=1e-12)


def test_input_modified_in_place_after_forward_is_detected(rng, leaf):
    x = leaf(rng.standard_normal((1, 2, 4, 4)))
    h = x * 1
    y = F.conv2d(h, leaf(rng.standard_normal((3, 2, 3, 3))))
    h.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()
