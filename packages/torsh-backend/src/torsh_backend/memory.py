"""Keep freed array memory in the process for the next step (glibc's malloc), as PyTorch's allocators do.

A training step frees tens of MB of activations and allocates them again in the next step. By default glibc
returns that memory to the OS (trimming the heap top, or unmapping blocks above its mmap threshold), and every
page of the next allocation is then faulted in and zeroed again: thousands of page faults per step, a third of
a transformer step's time on a virtual machine. Raising both thresholds keeps the memory for reuse; the process
keeps its peak heap size instead. A threshold the user set (MALLOC_TRIM_THRESHOLD_ / MALLOC_MMAP_THRESHOLD_ in
the environment) is left alone, as is every C library other than glibc.
"""

import ctypes
import os
import platform

M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD_MAX = 32 << 20  # glibc's ceiling on 64-bit systems: larger blocks are always mapped
TRIM_THRESHOLD = 1 << 30


def keep_freed_memory():
    """Set glibc's malloc to keep freed blocks below 32 MB for reuse; True when it was changed here."""
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return False
    if "MALLOC_TRIM_THRESHOLD_" in os.environ or "MALLOC_MMAP_THRESHOLD_" in os.environ:
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    return bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_MAX) and mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD))
