"""How many OpenMP threads the C kernels use (what ``torch.set_num_threads`` controls)."""

from torsh_core.errors import TorshRuntimeError, TorshTypeError

from ._native import lib


def get_num_threads():
    """Threads a large C kernel runs on (1 in a process forked after the pool started)."""
    return lib.tb_get_num_threads()


def set_num_threads(n):
    """Use ``n`` threads in later C kernels; RuntimeError for n < 1, as in PyTorch."""
    if not isinstance(n, int) or isinstance(n, bool):
        raise TorshTypeError(f"set_num_threads(): expected an int, got {type(n).__name__}")
    if n < 1:
        raise TorshRuntimeError(f"set_num_threads(): number of threads must be positive, got {n}")
    lib.tb_set_num_threads(min(n, 1 << 16))
