"""The C conv/pool paths (1-D/2-D CPU float32/float64) against the NumPy paths they replace, values and grads."""

import numpy as np
import pytest
import torsh_functional as F
import torsh_tensor as tt
from torsh_functional import _conv_arrays, pooling

CONV = [
    (F.conv2d, (2, 4, 9, 8), (6, 2, 3, 2), dict(stride=(2, 1), padding=1, dilation=(1, 2), groups=2)),
    (F.conv2d, (1, 1, 5, 5), (3, 1, 5, 5), dict()),
    (F.conv2d, (3, 3, 7, 7), (4, 3, 3, 3), dict(padding="same", dilation=2)),
    (F.conv1d, (2, 3, 11), (5, 3, 4), dict(stride=3, padding=2)),
    (F.conv_transpose2d, (2, 4, 5, 6), (4, 3, 3, 3), dict(stride=2, padding=1, output_padding=1)),
    (F.conv_transpose1d, (2, 2, 7), (2, 4, 3), dict(stride=2, groups=2)),
]
POOL = [
    (F.max_pool2d, (2, 3, 9, 8), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)),
    (F.max_pool2d, (3, 7, 7), dict(kernel_size=(2, 3), dilation=2)),
    (F.max_pool1d, (2, 3, 10), dict(kernel_size=3, stride=2, padding=1)),
    (F.avg_pool2d, (2, 3, 9, 8), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True, count_include_pad=False)),
    (F.avg_pool2d, (2, 2, 6, 7), dict(kernel_size=2, divisor_override=3)),
    (F.avg_pool1d, (2, 3, 10), dict(kernel_size=4, stride=3, padding=2, ceil_mode=True)),
]


def _run(fn, arrays, kwargs, dtype):
    tensors = [tt.tensor(a.astype(dtype), requires_grad=True) for a in arrays]
    out = fn(*tensors, **kwargs)
    (out * tt.tensor(np.linspace(-1, 1, out.numel()).reshape(tuple(out.shape)).astype(dtype))).sum().backward()
    return [out.detach().numpy()] + [t.grad.numpy() for t in tensors]


def _compare(fn, arrays, kwargs, dtype, monkeypatch, patch):
    fast = _run(fn, arrays, kwargs, dtype)
    patch(monkeypatch)
    slow = _run(fn, arrays, kwargs, dtype)
    for a, b in zip(fast, slow):
        np.testing.assert_allclose(a, b, rtol=1e-5 if dtype is np.float32 else 1e-12, atol=1e-5)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("fn, xshape, wshape, kwargs", CONV)
def test_conv_c_path_matches_numpy_path(fn, xshape, wshape, kwargs, dtype, rng, monkeypatch):
    arrays = [rng.standard_normal(xshape), rng.standard_normal(wshape)]
    _compare(fn, arrays, kwargs, dtype, monkeypatch,
             lambda mp: mp.setattr(_conv_arrays, "_c_geometry", lambda xp, x, geo: None))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("fn, shape, kwargs", POOL)
def test_pool_c_path_matches_numpy_path(fn, shape, kwargs, dtype, rng, monkeypatch):
    _compare(fn, [rng.standard_normal(shape)], kwargs, dtype, monkeypatch,
             lambda mp: mp.setattr(pooling, "_c_ready", lambda xp, a, d: False))


def test_strided_inputs_take_the_c_path(rng):
    base = tt.tensor(rng.standard_normal((4, 3, 10, 12)))
    x = base.transpose(2, 3)
    w = tt.tensor(rng.standard_normal((2, 3, 3, 3)))
    np.testing.assert_allclose(F.conv2d(x, w, padding=1).numpy(), F.conv2d(x.contiguous(), w, padding=1).numpy())
    np.testing.assert_array_equal(F.max_pool2d(x, 2).numpy(), F.max_pool2d(x.contiguous(), 2).numpy())


@pytest.mark.parametrize("fn, args", [
    (lambda x, w: F.conv2d(x, w, stride=2, padding=1, groups=2), [(1, 2, 5, 5), (2, 1, 3, 3)]),
    (lambda x: F.max_pool2d(x, 2, 1, ceil_mode=True), [(1, 2, 4, 5)]),
    (lambda x: F.avg_pool1d(x, 3, 2, 1, count_include_pad=False), [(1, 2, 7)]),
])
def test_c_paths_gradcheck_to_second_order(fn, args, check_grad, leaf, rng):
    check_grad(fn, *[leaf(rng.standard_normal(s)) for s in args], second=True)
