"""The worker-to-main transport: large arrays through one shared-memory segment, freed by the receiver."""

import os
import pickle

import numpy as np
import pytest
import torsh_core
import torsh_tensor as tt
from torsh_data import shared


def _exists(name):
    return os.path.exists(f"/dev/shm/{name}")


def test_large_arrays_travel_through_shared_memory_and_are_unlinked():
    big = tt.arange(40000, dtype=torsh_core.float64).reshape(200, 200)
    arr = np.linspace(0, 1, 30000).reshape(100, 300)[:, ::2]  # non-contiguous
    message = shared.pack({"x": big, "y": [arr, 7], "small": tt.ones(3)})
    data, name, layout = message
    assert name is not None and len(layout) == 2
    assert len(data) < 2000  # the arrays are not in the pickle
    if os.path.isdir("/dev/shm"):
        assert _exists(name)
    out = shared.unpack(pickle.loads(pickle.dumps(message)))
    if os.path.isdir("/dev/shm"):
        assert not _exists(name)
    assert isinstance(out["x"], tt.Tensor) and out["x"].dtype == big.dtype
    np.testing.assert_array_equal(out["x"].numpy(), big.numpy())
    np.testing.assert_array_equal(out["y"][0], arr)
    assert out["y"][1] == 7
    np.testing.assert_array_equal(out["small"].numpy(), [1.0, 1.0, 1.0])


def test_small_and_non_numeric_payloads_stay_in_the_pickle():
    data, name, layout = shared.pack([tt.zeros(4), np.array(["a" * 70000]), "x"])
    assert name is None and layout == []
    out = shared.unpack((data, name, layout))
    assert out[2] == "x" and out[1][0] == "a" * 70000


def test_requires_grad_survives():
    t = tt.zeros(20000, requires_grad=True)
    out = shared.unpack(shared.pack(t))
    assert out.requires_grad and out.shape == t.shape


def test_discard_unlinks_without_reading():
    message = shared.pack(np.zeros(20000))
    shared.discard(message)
    with pytest.raises(FileNotFoundError):
        shared.unpack(message)
    shared.discard(message)  # already gone: nothing to do
