"""On an uncaught exception, print the rank and traceback and abort the whole MPI job instead of leaving the
other ranks waiting forever in their next collective."""

import sys
import time
import traceback

from . import _mpi

_installed = False
_FORWARD_SECONDS = 0.2


def _abort_job(exc_type, exc, tb):
    MPI = _mpi.get()
    world = MPI.COMM_WORLD
    rank = world.Get_rank()
    text = "".join(traceback.format_exception(exc_type, exc, tb))
    prefixed = "".join(f"[rank {rank}] {line}\n" for line in text.rstrip("\n").split("\n"))
    sys.stderr.write(f"[rank {rank}] uncaught {exc_type.__name__}; aborting all {world.Get_size()} ranks of the "
                     f"job:\n{prefixed}")
    sys.stderr.flush()
    abort(world, 1)


def abort(world, code):
    """End every rank of the job with ``code``. MPI_Abort can end the launcher before it has read this rank's last
    messages from its pipe (seen in CI: a failed job with none of them), so it waits a moment first."""
    time.sleep(_FORWARD_SECONDS)
    world.Abort(code)


def install():
    """From now on an uncaught exception on this rank prints it with the rank and ends every rank of the job."""
    global _installed
    if not _installed:
        sys.excepthook = _abort_job
        _installed = True
