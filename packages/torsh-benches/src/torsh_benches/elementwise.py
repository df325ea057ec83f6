"""Memory bandwidth (GB/s) of the elementwise chain ``a * b + c`` on 16M float32s in torsh, NumPy and PyTorch,
each library in its own process."""

import importlib

import numpy as np

from .timing import best_seconds, per_process, ratio

N = 1 << 24
BYTES_PER_ELEMENT = 4 * 4  # three float32 inputs read, one output written


def _cases(lib_name, n):
    """{name: zero-argument callable}: the library's unfused expression and the fused paths it offers."""
    a, b, c = np.random.default_rng(0).random((3, n), dtype=np.float32)
    if lib_name == "numpy":
        return {"numpy a*b+c": lambda: a * b + c}
    lib = importlib.import_module(lib_name)
    ta, tb, tc = (lib.from_numpy(x) for x in (a, b, c))
    cases = {f"{lib_name} a*b+c": lambda: ta * tb + tc,
             f"{lib_name} addcmul(c, a, b)": lambda: lib.addcmul(tc, ta, tb)}
    if lib_name == "torsh":
        from torsh_backend import fused

        cases["torsh_backend.fused.muladd"] = lambda: fused.muladd(a, b, c)
    return cases


def measure(lib_name, min_time, n):
    """{case: seconds per evaluation} in ``lib_name`` (run in that library's own process by ``run``)."""
    return {name: best_seconds(fn, 1, min_time) for name, fn in _cases(lib_name, n).items()}


def run(repeat=3, min_time=0.2, n=N):
    """One row per way of computing ``a * b + c``: GB/s (best of rounds), ratios to NumPy and to torch unfused."""
    times = {}
    for lib_times in per_process("elementwise", ("numpy", "torsh", "torch"), repeat, min_time=min_time, n=n).values():
        times.update(lib_times)
    gbs = {name: BYTES_PER_ELEMENT * n / seconds / 1e9 for name, seconds in times.items()}
    return [{"case": f"{name} ({n} float32)", "gbs": round(g, 2), "ms": round(times[name] * 1e3, 3),
             "vs_numpy": ratio(g, gbs["numpy a*b+c"]), "vs_torch_unfused": ratio(g, gbs.get("torch a*b+c"))}
            for name, g in gbs.items()]
