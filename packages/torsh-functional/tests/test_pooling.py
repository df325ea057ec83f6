"""Pooling against direct NumPy loops over windows; indices, unpooling, gradients and errors."""

import itertools
import math

import numpy as np
import pytest
import torsh_functional as F
import torsh_tensor as T


def _out(n, k, s, p, dl, ceil):
    room = n + 2 * p - dl * (k - 1) - 1
    o = (math.ceil(room / s) if ceil else room // s) + 1
    if ceil and (o - 1) * s >= n + p:
        o -= 1
    return o


def pool_reference(x, kernel, stride, pad, dilation, ceil, how, count_include_pad=True, divisor=None):
    """Pooling by definition: loop over output positions; returns values and (for max) flat input indices."""
    d = len(kernel)
    size = x.shape[-d:]
    outs = [_out(n, k, s, p, dl, ceil) for n, k, s, p, dl in zip(size, kernel, stride, pad, dilation)]
    lead = x.shape[:-d]
    vals = np.zeros(lead + tuple(outs))
    idx = np.zeros(lead + tuple(outs), dtype=np.int64)
    for pos in itertools.product(*(range(o) for o in outs)):
        coords = [[q * s - p + j * dl for j in range(k)] for q, s, p, dl, k in zip(pos, stride, pad, dilation, kernel)]
        inside = [[c for c in cs if 0 <= c < n] for cs, n in zip(coords, size)]
        cells = list(itertools.product(*inside))
        block = np.stack([x[(Ellipsis,) + c] for c in cells], -1)
        if how == "max":
            best = np.argmax(block, -1)
            vals[(Ellipsis,) + pos] = np.take_along_axis(block, best[..., None], -1)[..., 0]
            flat = [np.ravel_multi_index(c, size) for c in cells]
            idx[(Ellipsis,) + pos] = np.asarray(flat)[best]
        else:
            if divisor is not None:
                count = divisor
            elif count_include_pad:
                count = 1
                for q, s, p, k, n in zip(pos, stride, pad, kernel, size):
                    start = q * s - p
                    count *= min(start + k, n + p) - start
            else:
                count = len(cells)
            vals[(Ellipsis,) + pos] = block.sum(-1) / count
    return vals, idx


MAX_CASES = [
    ((2, 3, 9), (3,), (2,), (1,), (1,), False),
    ((2, 3, 7, 8), (2, 2), (2, 2), (0, 0), (1, 1), True),
    ((1, 2, 7, 8), (3, 2), (2, 1), (1, 1), (2, 1), True),
    ((2, 6, 6), (3, 3), (1, 1), (1, 1), (1, 1), False),
    ((1, 2, 4, 5, 4), (2, 3, 2), (1, 2, 2), (1, 1, 0), (1, 1, 1), False),
]


@pytest.mark.parametrize("shape,kernel,stride,pad,dilation,ceil", MAX_CASES)
def test_max_pool_values_and_indices(rng, shape, kernel, stride, pad, dilation, ceil):
    x = rng.standard_normal(shape)
    fn = (F.max_pool1d, F.max_pool2d, F.max_pool3d)[len(kernel) - 1]
    out, idx = fn(T.tensor(x), kernel, stride, pad, dilation, ceil, return_indices=True)
    ref, ref_idx = pool_reference(x, kernel, stride, pad, dilation, ceil, "max")
    np.testing.assert_array_equal(out.numpy(), ref)
    np.testing.assert_array_equal(idx.numpy(), ref_idx)
    np.testing.assert_array_equal(fn(T.tensor(x), kernel, stride, pad, dilation, ceil).numpy(), ref)


@pytest.mark.parametrize("shape,kernel,stride,pad,ceil,include,divisor", [
    ((2, 3, 9), (3,), (2,), (1,), False, True, None),
    ((2, 3, 9), (4,), (3,), (2,), True, False, None),
    ((2, 3, 7, 8), (3, 2), (2, 3), (1, 1), True, True, None),
    ((2, 3, 7, 8), (3, 2), (2, 3), (1, 1), True, False, None),
    ((1, 2, 6, 6), (3, 3), (1, 1), (1, 1), False, True, 4),
    ((1, 2, 4, 5, 4), (2, 2, 3), (2, 1, 1), (1, 0, 1), False, False, None),
])
def test_avg_pool_values(rng, shape, kernel, stride, pad, ceil, include, divisor):
    x = rng.standard_normal(shape)
    d = len(kernel)
    ref, _ = pool_reference(x, kernel, stride, pad, (1,) * d, ceil, "avg", include, divisor)
    if d == 1:
        out = F.avg_pool1d(T.tensor(x), kernel, stride, pad, ceil, include)
    else:
        out = (F.avg_pool2d, F.avg_pool3d)[d - 2](T.tensor(x), kernel, stride, pad, ceil, include, divisor)
    np.testing.assert_allclose(out.numpy(), ref, rtol=1e-12)


def test_max_pool_nan_wins():
    x = T.tensor([[[1.0, np.nan, 3.0, np.nan]]])
    out, idx = F.max_pool1d(x, 2, stride=1, return_indices=True)
    assert np.isnan(out.numpy()).all()
    np.testing.assert_array_equal(idx.numpy(), [[[1, 1, 3]]])


def test_max_pool_gradient_goes_to_the_maximum_and_adds_up_on_overlaps(leaf):
    x = leaf([[[1.0, 5.0, 2.0, 0.0]]])
    F.max_pool1d(x, 2, stride=1).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[[0.0, 2.0, 1.0, 0.0]]])


def test_pool_gradients(rng, leaf, check_grad):
    x = leaf(rng.permutation(60).reshape(1, 3, 4, 5) / 7.0)  # distinct values: max is differentiable
    check_grad(lambda t: F.max_pool2d(t, 2, stride=1, padding=1), x, second=True)
    check_grad(lambda t: F.max_pool1d(t, 3, stride=2, ceil_mode=True), leaf(rng.permutation(18).reshape(2, 1, 9)))
    check_grad(lambda t: F.avg_pool2d(t, 3, stride=2, padding=1, count_include_pad=False), x, second=True)
    check_grad(lambda t: F.avg_pool1d(t, 2), leaf(rng.standard_normal((2, 2, 5))))
    check_grad(lambda t: F.avg_pool3d(t, 2, ceil_mode=True), leaf(rng.standard_normal((1, 1, 3, 3, 3))))
    check_grad(lambda t: F.lp_pool2d(t, 2, 2), leaf(rng.uniform(0.5, 2, (1, 2, 4, 4))))


def test_adaptive_pools(rng, leaf, check_grad):
    x = rng.standard_normal((2, 3, 7, 5))
    avg = F.adaptive_avg_pool2d(T.tensor(x), (3, 2)).numpy()
    mx, idx = F.adaptive_max_pool2d(T.tensor(x), (3, 2), return_indices=True)
    for i, j in itertools.product(range(3), range(2)):
        hs, he = (i * 7) // 3, -(-((i + 1) * 7) // 3)
        ws, we = (j * 5) // 2, -(-((j + 1) * 5) // 2)
        block = x[:, :, hs:he, ws:we]
        np.testing.assert_allclose(avg[:, :, i, j], block.mean((2, 3)), rtol=1e-12)
        np.testing.assert_array_equal(mx.numpy()[:, :, i, j], block.max((2, 3)))
    np.testing.assert_array_equal(np.take_along_axis(x.reshape(2, 3, -1), idx.numpy().reshape(2, 3, -1), 2),
                                  mx.numpy().reshape(2, 3, -1))
    distinct = leaf(rng.permutation(35).reshape(1, 1, 7, 5) / 5.0)
    check_grad(lambda t: F.adaptive_max_pool2d(t, (3, 2)), distinct)
    check_grad(lambda t: F.adaptive_avg_pool2d(t, (3, 4)), distinct, second=True)
    check_grad(lambda t: F.adaptive_avg_pool1d(t, 2), leaf(rng.standard_normal((2, 5))))
    check_grad(lambda t: F.adaptive_max_pool1d(t, 4), leaf(rng.permutation(10).reshape(2, 5) / 3.0))


def test_max_unpool_places_values_at_indices(rng, leaf, check_grad):
    x = T.tensor(rng.standard_normal((2, 3, 4, 6)))
    out, idx = F.max_pool2d(x, 2, return_indices=True)
    up = F.max_unpool2d(out, idx, 2).numpy()
    assert up.shape == (2, 3, 4, 6)
    np.testing.assert_array_equal(np.take_along_axis(up.reshape(2, 3, -1), idx.numpy().reshape(2, 3, -1), 2),
                                  out.numpy().reshape(2, 3, -1))
    assert np.count_nonzero(up) == out.numel()
    assert F.max_unpool2d(out, idx, 2, output_size=(5, 7)).shape == (2, 3, 5, 7)
    check_grad(lambda t: F.max_unpool2d(t, idx, 2), leaf(out.numpy()), second=True)


@pytest.mark.parametrize("call,exc,match", [
    (lambda: F.max_pool2d(T.ones(2, 3, 5, 5), 3, padding=2), RuntimeError, "pad should be at most half"),
    (lambda: F.max_pool2d(T.ones(2, 3, 5, 5), 6), RuntimeError, "Output size is too small"),
    (lambda: F.max_pool2d(T.ones(5), 2), RuntimeError, "3D or 4D"),
    (lambda: F.avg_pool2d(T.ones(2, 3, 5, 5), 2, stride=0), RuntimeError, "stride should not be zero"),
    (lambda: F.avg_pool2d(T.ones(2, 3, 5, 5), 2, divisor_override=0), RuntimeError, "divisor must be not zero"),
    (lambda: F.max_unpool2d(T.ones(1, 1, 2, 2), T.tensor([[[[0, 1], [2, 17]]]]), 2), RuntimeError,
     "invalid max index"),
    (lambda: F.max_unpool2d(T.ones(1, 1, 2, 2), T.zeros(1, 1, 2, 2).long(), 2, output_size=(7, 7)), ValueError,
     "invalid output_size"),
    (lambda: F.adaptive_avg_pool2d(T.ones(2, 3, 4), None), TypeError, "output_size"),
])
def test_errors(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def test_all_minus_inf_window_points_at_first_input_cell():
    """PyTorch's loop starts at the first in-bounds cell, so a window of -inf never reports a padding index."""
    x = T.tensor(np.full((1, 1, 4, 4), -np.inf))
    _, idx = F.max_pool2d(x, 3, 2, 1, return_indices=True)
    np.testing.assert_array_equal(idx.numpy(), [[[[0, 1], [4, 5]]]])
