"""glibc malloc keeps freed array memory for reuse after ``import torsh_backend`` (torsh_backend.memory)."""

import os
import platform

import numpy as np
import pytest
from torsh_backend import memory

glibc = pytest.mark.skipif(platform.system() != "Linux" or platform.libc_ver()[0] != "glibc"
                           or "libasan" in os.environ.get("LD_PRELOAD", ""), reason="glibc's own malloc only")


@glibc
def test_freed_arrays_are_reused_without_page_faults():
    import resource

    assert memory.keep_freed_memory()
    for _ in range(3):  # warm up: the heap grows to hold the blocks once
        a = np.ones((3, 1 << 20), np.float32)
        del a
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(20):
        a = np.ones((3, 1 << 20), np.float32)  # 12 MB: 3072 pages if they had to be faulted in again
        del a
    assert resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before < 1000


@pytest.mark.parametrize("name", ["MALLOC_TRIM_THRESHOLD_", "MALLOC_MMAP_THRESHOLD_"])
def test_a_users_own_setting_is_left_alone(monkeypatch, name):
    monkeypatch.setenv(name, "131072")
    assert memory.keep_freed_memory() is False


def test_other_systems_are_left_alone(monkeypatch):
    monkeypatch.setattr(memory.platform, "system", lambda: "Darwin")
    assert memory.keep_freed_memory() is False
