"""Fixtures for torsh-distributed's tests.

Tests marked ``mpi`` run inside ``mpiexec -n 2`` (or 4): test_under_mpiexec.py launches them, so a plain pytest run
covers them; outside mpiexec they are skipped. The other tests run in one process (an MPI world of size 1).
"""

import os
import shutil
import subprocess
import sys
import time

import numpy as np
import pytest


def pytest_collection_modifyitems(config, items):
    if not any(item.get_closest_marker("mpi") for item in items):
        return
    from mpi4py import MPI

    if MPI.COMM_WORLD.Get_size() < 2:
        skip = pytest.mark.skip(reason="runs under mpiexec -n 2 (test_under_mpiexec.py launches it)")
        for item in items:
            if item.get_closest_marker("mpi"):
                item.add_marker(skip)


@pytest.fixture(scope="session")
def dist():
    """torsh_distributed with the default group initialized (for the tests that run under mpiexec)."""
    import torsh_distributed

    if not torsh_distributed.is_initialized():
        torsh_distributed.init_process_group()
    return torsh_distributed


@pytest.fixture
def single():
    """torsh_distributed initialized in this one process (world size 1), destroyed afterwards."""
    import torsh_distributed

    torsh_distributed.init_process_group()
    yield torsh_distributed
    if torsh_distributed.is_initialized():
        torsh_distributed.destroy_process_group()


def rank_array(rank, shape, dtype=np.float64, salt=0):
    """Rank ``rank``'s test input: any rank can rebuild any other's, so references need no communication."""
    values = np.random.default_rng(1000 * salt + rank).standard_normal(shape)
    if np.dtype(dtype).kind in "iu":
        return (values * 10).astype(dtype)
    if np.dtype(dtype).kind == "b":
        return values > 0
    if np.dtype(dtype).kind == "c":
        return (values + 1j * np.random.default_rng(1000 * salt + rank + 500).standard_normal(shape)).astype(dtype)
    return values.astype(dtype)


@pytest.fixture
def arrays():
    return rank_array


def run_job(args, timeout=120):
    """Run a command (an MPI job) with a hard timeout; returns (CompletedProcess, seconds it took)."""
    env = dict(os.environ, MPIEXEC_TIMEOUT=str(timeout))
    start = time.monotonic()
    proc = subprocess.run(args, capture_output=True, text=True, timeout=timeout + 30, env=env)
    return proc, time.monotonic() - start


@pytest.fixture
def job():
    return run_job


@pytest.fixture
def mpiexec_path():
    """The mpiexec beside this Python (the mpich wheel's), else the first on PATH."""
    found = shutil.which("mpiexec", path=os.path.dirname(sys.executable)) or shutil.which("mpiexec")
    if found is None:
        pytest.skip("mpiexec is not installed (pip install mpich)")
    return found
