"""The fused-kernel benchmarks: kernels_a.py (softmax/norm/activation/embedding/dropout) and kernels_b.py
(conv/pool/optimizer)."""

from . import kernels_a, kernels_b

MODULES = (kernels_a, kernels_b)


def run_module(mod, repeat=3, min_time=0.05):
    """{'module', 'rows'} of ``mod.run``, or {'module', 'error'}: kernels are work in progress, and one that
    fails must not stop the rest of the suite."""
    name = mod.__name__.rpartition(".")[2]
    try:
        return {"module": name, "rows": mod.run(repeat, min_time)}
    except Exception as exc:
        return {"module": name, "error": f"{type(exc).__name__}: {exc}"}


def run(repeat=3, min_time=0.05):
    """The results of every kernel benchmark module."""
    return [run_module(mod, repeat, min_time) for mod in MODULES]
