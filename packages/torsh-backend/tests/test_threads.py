"""OpenMP thread control, and that a forked child can still run the C kernels (no libgomp hang)."""

import subprocess
import sys
import textwrap
import threading

import numpy as np
import pytest
from torsh_backend import cpu_kernels as K
from torsh_core.errors import TorshRuntimeError, TorshTypeError


def test_set_and_get_num_threads():
    before = K.get_num_threads()
    try:
        K.set_num_threads(1)
        assert K.get_num_threads() == 1
        K.set_num_threads(2)
        assert K.get_num_threads() == 2
    finally:
        K.set_num_threads(before)


def test_setting_is_process_wide_and_results_do_not_depend_on_it():
    before = K.get_num_threads()
    x = np.random.default_rng(0).standard_normal(1 << 18)
    try:
        K.set_num_threads(1)
        seen = []
        worker = threading.Thread(target=lambda: seen.append((K.get_num_threads(), K.add(x, x), K.sum_all(x))))
        worker.start()
        worker.join()
        assert seen[0][0] == 1
        K.set_num_threads(2)
        np.testing.assert_array_equal(seen[0][1], K.add(x, x))
        np.testing.assert_allclose(seen[0][2], K.sum_all(x), rtol=1e-12)
    finally:
        K.set_num_threads(before)


def test_bad_thread_counts_raise():
    with pytest.raises(TorshRuntimeError):
        K.set_num_threads(0)
    with pytest.raises(TorshTypeError):
        K.set_num_threads(2.0)


def test_forked_child_runs_kernels():
    script = textwrap.dedent(
        """
        import os, numpy as np
        from torsh_backend import cpu_kernels as K
        K.set_num_threads(2)
        x = np.ones(1 << 20)
        assert float(K.sum_all(x)) == 1 << 20
        pid = os.fork()
        if pid == 0:
            ok = float(K.sum_all(x)) == 1 << 20 and (K.add(x, x) == 2).all() and K.get_num_threads() == 1
            os._exit(0 if ok else 1)
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0, status
        """
    )
    subprocess.run([sys.executable, "-c", script], check=True, timeout=120)
