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
    # MPI_Abort can end the launcher before it has read the message from this rank's pipe (seen once in CI: the
    # job ended with no output at all); a moment first lets it forward what was written
    time.sleep(_FORWARD_SECONDS)
    world.Abort(1)


def install():
    """From now on an uncaught exception on this rank prints it with the rank and ends every rank of the job."""
    global _installed
    if not _installed:
        sys.excepthook = _abort_job
        _installed = True
