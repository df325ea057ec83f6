"""Backend names: "mpi" carries everything; "nccl" sends CUDA tensors through NCCL (CuPy) and the rest over MPI."""

import importlib.util

from torsh_core.errors import TorshValueError

from . import _mpi


class Backend(str):
    """A backend name, lower-cased and checked (``Backend("MPI") == "mpi"``); "gloo" is an alias of "mpi"."""

    UNDEFINED = "undefined"
    MPI = "mpi"
    NCCL = "nccl"
    GLOO = "gloo"
    backend_list = [MPI, NCCL, GLOO]

    def __new__(cls, name):
        if not isinstance(name, str):
            raise TorshValueError(f"Backend name must be a string, but got: {name!r}")
        value = name.lower()
        if value not in cls.backend_list:
            raise TorshValueError(f"Invalid backend: '{name}'; torsh.distributed supports {cls.backend_list}")
        return super().__new__(cls, value)


def parse(backend):
    """The Backend for init_process_group's ``backend`` (None, a name, or PyTorch's "cpu:gloo,cuda:nccl" form)."""
    if backend is None:
        return Backend(Backend.MPI)
    names = [part.split(":")[-1] for part in str(backend).split(",")]
    chosen = [Backend(n) for n in names]
    return Backend(Backend.NCCL) if Backend.NCCL in chosen else Backend(Backend.MPI)


def is_available():
    """True when torsh.distributed can run: mpi4py (and so an MPI library) is installed."""
    return _mpi.available()


def is_mpi_available():
    return _mpi.available()


def is_nccl_available():
    """True when CuPy (which carries the NCCL bindings) is installed."""
    return importlib.util.find_spec("cupy") is not None


def is_gloo_available():
    """"gloo" is accepted as a name for the MPI backend, so it is available whenever MPI is."""
    return _mpi.available()


def is_backend_available(backend):
    name = Backend(backend)
    return is_nccl_available() if name == Backend.NCCL else _mpi.available()
