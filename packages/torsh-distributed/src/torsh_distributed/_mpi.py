"""mpi4py, imported on first use so that ``import torsh_distributed`` stays cheap and does not start MPI."""

import functools
import importlib.util

from torsh_core.errors import TorshRuntimeError


class _NeverRaised(Exception):
    """Stands in for ``MPI.Exception`` until mpi4py is imported (nothing can raise it before then)."""


MPIError = _NeverRaised  # becomes MPI.Exception in ``get``
_MPI = None


def available():
    """True when mpi4py can be imported (without importing it)."""
    return importlib.util.find_spec("mpi4py") is not None


def get():
    """The ``mpi4py.MPI`` module (this initializes MPI the first time)."""
    global _MPI, MPIError
    if _MPI is None:
        try:
            from mpi4py import MPI
        except ImportError as e:
            raise TorshRuntimeError(
                f"torsh.distributed needs mpi4py and an MPI library ({e}); install them with: pip install mpi4py mpich"
            ) from None
        _MPI, MPIError = MPI, MPI.Exception
    return _MPI


def translate_errors(fn):
    """Re-raise an MPI failure inside ``fn`` as a TorshRuntimeError naming the operation."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except MPIError as e:
            raise TorshRuntimeError(f"{fn.__name__}: MPI error: {e}") from e

    return wrapper
