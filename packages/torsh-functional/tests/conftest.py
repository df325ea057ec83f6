"""Shared fixtures: seeded data, tensors that require grad, and a float64 gradcheck shortcut."""

import types

import numpy as np
import pytest
import torsh_core
import torsh_tensor
from torsh_autograd import gradcheck, gradgradcheck

# the names a user reaches through ``import torsh as torch``: tensor functions and dtypes
TORSH = types.SimpleNamespace(**{**vars(torsh_core.dtypes), **vars(torsh_tensor)})


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


@pytest.fixture
def leaf():
    """``leaf(array)``: a float64 tensor that requires grad (gradcheck's precision)."""
    return lambda a, requires_grad=True: torsh_tensor.tensor(np.asarray(a, dtype=np.float64),
                                                               requires_grad=requires_grad)


@pytest.fixture
def check_grad():
    """``check_grad(fn, *tensors, second=False)``: finite differences agree with backward (and double backward)."""

    def check(fn, *inputs, second=False, atol=1e-5, rtol=1e-3):
        assert gradcheck(fn, inputs, eps=1e-6, atol=atol, rtol=rtol)
        if second:
            assert gradgradcheck(fn, inputs, eps=1e-6, atol=atol, rtol=rtol)

    return check


def make_array(spec, rng, dtype):
    """A NumPy array from a spec (kind, *shape). Kinds: f (normal), p (positive), u (in (0, 1)), s (softmax rows
    over dim 1), pm (+-1), ix (class indices: ("ix", high, *shape)), b (bool); f/p/u/s end in "c" for a constant
    (no grad)."""
    kind, *shape = spec
    if kind == "ix":
        high, *shape = shape
        return rng.integers(0, high, size=shape).astype(np.int64)
    base = kind[:-1] if kind.endswith("c") and kind != "c" else kind
    shape = tuple(shape)
    if base == "f":
        a = rng.standard_normal(shape)
    elif base == "p":
        a = rng.uniform(0.5, 2.0, shape)
    elif base == "u":
        a = rng.uniform(0.05, 0.95, shape)
    elif base == "s":
        e = np.exp(rng.standard_normal(shape))
        a = e / e.sum(axis=1, keepdims=True)
    elif base == "pm":
        return rng.choice([-1.0, 1.0], size=shape).astype(dtype)
    elif base == "b":
        return rng.random(shape) < 0.6
    else:
        raise ValueError(kind)
    return a.astype(dtype)


def needs_grad(spec):
    return spec[0] in ("f", "p", "u", "s")


def _run(fn, module, lib, arrays, grads, weights_seed):
    ts = [lib.tensor(a, requires_grad=g) for a, g in zip(arrays, grads)]
    out = fn(module, lib, *ts)
    outs = out if isinstance(out, tuple) else (out,)
    first = outs[0]
    grad_values = []
    if any(grads) and first.requires_grad:
        w = np.random.default_rng(weights_seed).standard_normal(tuple(first.shape)).astype(arrays[grads.index(True)]
                                                                                             .dtype)
        (first * lib.tensor(w)).sum().backward()
        grad_values = [t.grad.numpy() if t.grad is not None else None for t, g in zip(ts, grads) if g]
    return [o.detach().numpy() for o in outs], grad_values


@pytest.fixture
def against_torch(rng):
    """``against_torch(fn, specs, dtype, tol)``: ``fn(F, lib, *tensors)`` gives the same values and input grads with
    torsh (F = torsh_functional) as with PyTorch (F = torch.nn.functional)."""
    import torch
    import torsh_functional

    def check(fn, specs, dtype=np.float64, tol=None):
        tol = tol or (1e-10 if dtype == np.float64 else 2e-5)
        arrays = [make_array(s, rng, dtype) for s in specs]
        grads = [needs_grad(s) for s in specs]
        ours, our_grads = _run(fn, torsh_functional, TORSH, arrays, grads, 7)
        theirs, their_grads = _run(fn, torch.nn.functional, torch, [a.copy() for a in arrays], grads, 7)
        assert len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            assert a.shape == b.shape, (a.shape, b.shape)
            assert a.dtype == b.dtype, (a.dtype, b.dtype)
            np.testing.assert_allclose(a, b, rtol=tol, atol=tol)
        assert len(our_grads) == len(their_grads)
        for a, b in zip(our_grads, their_grads):
            assert (a is None) == (b is None)
            if a is not None:
                np.testing.assert_allclose(a, b, rtol=tol, atol=tol)

    return check
