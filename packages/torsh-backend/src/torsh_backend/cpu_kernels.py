"""The CPU kernel set: C (OpenMP) for contiguous float32/float64 arrays, NumPy for everything else."""

from .elementwise import add, div, mul, sub
from .fused import axpby, muladd
from .reduce import sum_all, sum_last
from .threads import get_num_threads, set_num_threads

__all__ = ["add", "axpby", "div", "get_num_threads", "mul", "muladd", "set_num_threads", "sub", "sum_all", "sum_last"]
