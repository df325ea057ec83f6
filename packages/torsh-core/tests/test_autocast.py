"""Autocast state: per device type, per thread, with PyTorch's defaults and errors."""

import threading

import pytest
from torsh_core import autocast as ac
from torsh_core import dtypes as dt
from torsh_core.errors import TorshRuntimeError, TorshTypeError


@pytest.fixture(autouse=True)
def _restore():
    yield
    for d in ("cpu", "cuda"):
        ac.set_autocast_enabled(d, False)
        ac.set_autocast_dtype(d, ac.DEFAULT_DTYPES[d])
    ac.set_autocast_cache_enabled(True)
    ac.clear_autocast_cache()


def test_defaults():
    assert not ac.is_autocast_enabled("cpu") and not ac.is_autocast_enabled("cuda")
    assert not ac.is_autocast_enabled()
    assert ac.get_autocast_dtype("cpu") is dt.bfloat16
    assert ac.get_autocast_dtype("cuda") is dt.float16
    assert ac.is_autocast_cache_enabled()
    assert ac.is_autocast_available("cpu") and ac.is_autocast_available("cuda")
    assert not ac.is_autocast_available("mps")


def test_set_per_device_and_active_flag():
    ac.set_autocast_enabled("cpu", True)
    assert ac.is_autocast_enabled("cpu") and not ac.is_autocast_enabled("cuda") and ac.state.active
    ac.set_autocast_enabled(True)  # legacy one-argument form means cuda
    assert ac.is_autocast_enabled()
    ac.set_autocast_enabled("cpu", False)
    ac.set_autocast_enabled(False)
    assert not ac.state.active
    ac.set_autocast_dtype("cpu", dt.float16)
    assert ac.get_autocast_dtype("cpu") is dt.float16


def test_errors():
    with pytest.raises(RuntimeError):
        ac.get_autocast_dtype("tpu")
    with pytest.raises(TorshRuntimeError):
        ac.is_autocast_enabled("xyz")
    with pytest.raises(TypeError):
        ac.get_autocast_dtype(3)
    with pytest.raises(TorshTypeError):
        ac.set_autocast_dtype("cpu", "bfloat16")


def test_nesting_counter():
    assert ac.autocast_increment_nesting() == 1
    assert ac.autocast_increment_nesting() == 2
    assert ac.autocast_decrement_nesting() == 1
    assert ac.autocast_decrement_nesting() == 0


def test_cache_cleared():
    ac.state.cache[1] = "x"
    ac.clear_autocast_cache()
    assert ac.state.cache == {}


def test_thread_local():
    ac.set_autocast_enabled("cpu", True)
    ac.set_autocast_dtype("cpu", dt.float16)
    seen = []
    t = threading.Thread(target=lambda: seen.append((ac.is_autocast_enabled("cpu"), ac.get_autocast_dtype("cpu"),
                                                     ac.state.active)))
    t.start()
    t.join()
    assert seen == [(False, dt.bfloat16, False)]
    assert ac.is_autocast_enabled("cpu")
