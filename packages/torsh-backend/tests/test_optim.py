"""Fused SGD and Adam/AdamW kernels against NumPy step-by-step references that round like torsh-optim's ops."""

import itertools

import numpy as np
import pytest
from torsh_backend import optim as O
from torsh_core.errors import DTypeError, ShapeError, TorshTypeError, TorshValueError

FAST = (np.float32, np.float64)
SHAPES = [(0,), (1,), (7, 3), (40001,)]  # the last one runs on the OpenMP team


def ref_sgd(p, g, buf, fresh, lr, momentum, dampening, weight_decay, nesterov, maximize):
    t = p.dtype.type
    g = -g if maximize else g
    if weight_decay:
        g = g + t(weight_decay) * p
    if momentum:
        buf = g.copy() if fresh else buf * t(momentum) + t(1 - dampening) * g
        g = g + t(momentum) * buf if nesterov else buf
    return p + t(-lr) * g, buf


def ref_adam(p, g, m, v, vmax, step, lr, beta1, beta2, eps, weight_decay, decoupled, amsgrad, maximize):
    t = p.dtype.type
    g = -g if maximize else g
    if weight_decay:
        if decoupled:
            p = p * t(1 - lr * weight_decay)
        else:
            g = g + t(weight_decay) * p
    m = m + t(1 - beta1) * (g - m)
    v = v * t(beta2) + t(1 - beta2) * g * g
    if amsgrad:
        vmax = np.maximum(vmax, v)
    denom = np.sqrt(vmax if amsgrad else v) / t((1 - beta2**step) ** 0.5) + t(eps)
    return p + t(-(lr / (1 - beta1**step))) * (m / denom), m, v, vmax


def _group(dtype, random, seed=0):
    return [random(s, dtype, seed + i) for i, s in enumerate(SHAPES)]


SGD_CASES = [dict(momentum=0, dampening=0, weight_decay=0, nesterov=False, maximize=False),
             dict(momentum=0.9, dampening=0.1, weight_decay=0.01, nesterov=False, maximize=False),
             dict(momentum=0.9, dampening=0, weight_decay=0, nesterov=True, maximize=True),
             dict(momentum=0.5, dampening=0, weight_decay=0.2, nesterov=True, maximize=False)]


@pytest.mark.parametrize("dtype", FAST)
@pytest.mark.parametrize("opts", SGD_CASES)
def test_sgd_matches_reference_bitwise(dtype, opts, random):
    params, want = _group(dtype, random), _group(dtype, random)
    bufs = [np.empty_like(p) for p in params]
    want_bufs = [None] * len(params)
    for step in range(3):
        grads = _group(dtype, random, 10 * step + 5)
        O.sgd_(params, grads, bufs, [step == 0] * len(params), lr=0.1, **opts)
        for i, g in enumerate(grads):
            want[i], want_bufs[i] = ref_sgd(want[i], g, want_bufs[i], step == 0, 0.1, **opts)
    for got, exp in zip(params, want):
        np.testing.assert_array_equal(got, exp)
    if opts["momentum"]:
        for got, exp in zip(bufs, want_bufs):
            np.testing.assert_array_equal(got, exp)


@pytest.mark.parametrize("dtype", FAST)
@pytest.mark.parametrize("decoupled, amsgrad, maximize, weight_decay",
                         [(False, False, False, 0.0), (False, True, True, 0.1), (True, False, False, 0.01),
                          (True, True, False, 0.05)])
def test_adam_matches_reference_bitwise(dtype, decoupled, amsgrad, maximize, weight_decay, random):
    params, want = _group(dtype, random), _group(dtype, random)
    state = [[np.zeros_like(p) for p in params] for _ in range(3)]
    ref = [[np.zeros_like(p) for p in params] for _ in range(3)]
    opts = dict(lr=0.01, beta1=0.8, beta2=0.99, eps=1e-6, weight_decay=weight_decay, decoupled=decoupled,
                amsgrad=amsgrad, maximize=maximize)
    for step in range(1, 4):
        grads = _group(dtype, random, 10 * step)
        steps = [float(step + i) for i in range(len(params))]  # per-tensor step counts differ
        O.adam_(params, grads, *state, steps, **opts)
        for i, g in enumerate(grads):
            want[i], *cur = ref_adam(want[i], g, ref[0][i], ref[1][i], ref[2][i], steps[i], **opts)
            for k in range(3):
                ref[k][i] = cur[k]
    for got, exp in zip(params + state[0] + state[1], want + ref[0] + ref[1]):
        np.testing.assert_array_equal(got, exp)
    if amsgrad:
        for got, exp in zip(state[2], ref[2]):
            np.testing.assert_array_equal(got, exp)


def test_adam_amsgrad_propagates_nan_like_maximum():
    p, g = np.ones(3), np.array([1.0, np.nan, 2.0])
    m, v, vmax = np.zeros(3), np.zeros(3), np.array([np.nan, 0.0, 0.0])
    O.adam_([p], [g], [m], [v], [vmax], [1.0], lr=0.1, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0,
            decoupled=False, amsgrad=True, maximize=False)
    assert np.isnan(vmax[:2]).all() and np.isfinite(vmax[2]) and np.isnan(p[:2]).all()


def test_empty_group_is_a_no_op():
    O.sgd_([], [], [], [], lr=0.1, momentum=0.9, dampening=0, weight_decay=0, nesterov=False, maximize=False)
    O.adam_([], [], [], [], [], [], lr=0.1, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0, decoupled=False,
            amsgrad=False, maximize=False)


def _sgd(params, grads, bufs=None):
    bufs = [np.empty_like(p) for p in params] if bufs is None else bufs
    O.sgd_(params, grads, bufs, [True] * len(params), lr=0.1, momentum=0.9, dampening=0, weight_decay=0,
           nesterov=False, maximize=False)


def test_bad_inputs_raise_before_c():
    p = np.ones(4)
    with pytest.raises(DTypeError, match="float32 and float64"):
        _sgd([np.ones(4, np.int64)], [np.ones(4, np.int64)])
    with pytest.raises(DTypeError, match="grads\\[0\\] has dtype float32"):
        _sgd([p], [np.ones(4, np.float32)])
    with pytest.raises(TorshValueError, match="C-contiguous"):
        _sgd([p], [np.ones(8)[::2]])
    with pytest.raises(ShapeError, match="shape"):
        _sgd([p], [np.ones(5)])
    with pytest.raises(ShapeError, match="1 parameters but 2 grads"):
        _sgd([p], [np.ones(4), np.ones(4)])
    with pytest.raises(TorshTypeError, match="numpy.ndarray"):
        _sgd([p], [[1.0, 2.0, 3.0, 4.0]])
    ro = np.ones(4)
    ro.flags.writeable = False
    with pytest.raises(TorshValueError, match="read-only"):
        _sgd([ro], [np.ones(4)])
    buf = np.zeros(8)
    with pytest.raises(TorshValueError, match="share memory"):
        _sgd([buf[:4]], [np.ones(4)], [buf[2:6]])
    with pytest.raises(ShapeError, match="step counts"):
        O.adam_([p], [p.copy()], [p.copy()], [p.copy()], [], [], lr=0.1, beta1=0.9, beta2=0.9, eps=1e-8,
                weight_decay=0, decoupled=False, amsgrad=False, maximize=False)


def test_shared_memory_between_tensors_is_refused():
    buf = np.zeros(8)
    grads = [np.ones(5), np.ones(5)]
    with pytest.raises(TorshValueError, match="params\\[0\\] and params\\[1\\]"):
        _sgd([buf[:5], buf[3:]], grads)
    for a, b in itertools.permutations([buf[:4], buf[4:]]):  # adjacent but disjoint is fine
        _sgd([a, b], [np.ones(4), np.ones(4)])
