"""Runs the ``mpi`` tests (test_mpi_*.py) under ``mpiexec -n 2``, so a plain pytest run of this package and its
nox session cover them; the ``mpi`` nox session runs them on 2 and on 4 (oversubscribed) ranks."""

import sys
from pathlib import Path

MPI_TESTS = sorted(str(p) for p in Path(__file__).resolve().parent.glob("test_mpi_*.py"))


def test_mpi_tests_pass_on_two_ranks(job, mpiexec_path):
    proc, _ = job([mpiexec_path, "-n", "2", sys.executable, "-m", "pytest", *MPI_TESTS, "-m", "mpi", "-q",
                   "-p", "no:cacheprovider"], timeout=180)
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-3000:]
    summaries = [line for line in proc.stdout.splitlines() if " passed" in line]
    assert len(summaries) == 2 and not any("failed" in s or "error" in s for s in summaries), proc.stdout[-3000:]
