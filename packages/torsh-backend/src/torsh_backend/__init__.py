"""torsh-backend: array kernels for torsh, NumPy plus OpenMP C kernels on CPU and CuPy on CUDA."""

import importlib

from .dispatch import array_module, cuda_available, module_of
from .memory import keep_freed_memory

__all__ = ["array_module", "cpu_kernels", "cuda_available", "module_of"]

__version__ = "0.1.0"

keep_freed_memory()


def __getattr__(name):
    """Load the compiled CPU kernels on first use so that ``import torsh_backend`` stays cheap."""
    if name == "cpu_kernels":
        return importlib.import_module(".cpu_kernels", __name__)
    raise AttributeError(f"module 'torsh_backend' has no attribute {name!r}")
