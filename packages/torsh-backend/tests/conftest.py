"""Shared test data: random arrays of the sizes and layouts the kernels must handle."""

import numpy as np
import pytest


def _random(shape, dtype, seed=0):
    """Values of magnitude in [0.25, 4), so division stays finite and comparable."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(0.25, 4.0, size=shape) * rng.choice([-1.0, 1.0], size=shape)
    return x.astype(dtype)


@pytest.fixture
def random():
    """``random(shape, dtype, seed=0)``: a reproducible array of nonzero values."""
    return _random


@pytest.fixture
def spy_kernels(monkeypatch):
    """Records which C kernels run, to prove when the C path (and not NumPy) is taken."""
    from torsh_backend import _cdata

    calls = []
    real = _cdata.kernel

    def recording(op, dtype):
        fn = real(op, dtype)
        if fn is None:
            return None

        def call(*args):
            calls.append(op)
            return fn(*args)

        return call

    monkeypatch.setattr(_cdata, "kernel", recording)
    return calls
