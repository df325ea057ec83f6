"""Wall-clock timing for benchmarks whose work runs on several threads (CPU time would count each thread), and
``per_process``: each library timed in its own process.

torsh's C kernels and PyTorch each bring an OpenMP runtime whose idle threads spin for a while after every
parallel region; imported into one process, the two pools spin on the same cores and slow each other down
several times, so a same-process comparison is wrong in both directions.
"""

import importlib
import importlib.metadata
import importlib.util
import json
import math
import subprocess
import sys
import time

TORCH_THREADS = 2  # torch.set_num_threads of every torch measurement


def best_seconds(fn, repeat=5, min_time=0.1):
    """Best wall-clock seconds of one ``fn()`` over ``repeat`` loops, each long enough to last ``min_time`` s."""
    fn()  # warm-up: first-call allocations and lazy imports do not count
    number = 1
    while True:
        start = time.perf_counter()
        for _ in range(number):
            fn()
        if time.perf_counter() - start >= min_time or number >= 1 << 16:
            break
        number *= 2
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        best = min(best, (time.perf_counter() - start) / number)
    return best


def load_average():
    """The 1-minute load average (how busy the shared machine was), or None where the OS does not say."""
    try:
        import os

        return round(os.getloadavg()[0], 2)
    except (AttributeError, OSError):
        return None


def load_torch(threads=TORCH_THREADS):
    """PyTorch with ``threads`` intra-op threads, or None when it is not installed."""
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(threads)
    return torch


def torch_installed():
    """Whether PyTorch can be imported, found without importing it (that would load its OpenMP runtime here)."""
    return importlib.util.find_spec("torch") is not None


def torch_version():
    """PyTorch's installed version, or None; read from its metadata for the same reason."""
    return importlib.metadata.version("torch") if torch_installed() else None


def ratio(num, den):
    """``num / den`` to 2 decimals, or None when either side is missing (a library not installed)."""
    return round(num / den, 2) if num and den else None


def per_process(module, libs, rounds=1, **kwargs):
    """{lib: {case: best time}} of ``torsh_benches.<module>.measure(lib, **kwargs)``, each library in a fresh
    process of its own in every round; torch is left out when it is not installed.

    The libraries alternate round by round so that a busy spell on the shared machine hits each of them.
    """
    libs = [lib for lib in libs if lib != "torch" or torch_installed()]
    best = {lib: {} for lib in libs}
    for _ in range(rounds):
        for lib in libs:
            for case, seconds in _measure_in_child(module, lib, kwargs).items():
                best[lib][case] = min(seconds, best[lib].get(case, math.inf))
    return best


def _measure_in_child(module, lib, kwargs):
    """``measure(lib, **kwargs)`` of ``torsh_benches.<module>`` in a fresh Python; RuntimeError with its stderr."""
    code = f"from torsh_benches.timing import _child; _child({module!r}, {lib!r}, {json.dumps(kwargs)!r})"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=1800)
    if proc.returncode:
        raise RuntimeError(f"torsh_benches.{module}.measure({lib!r}) failed in its own process:\n{proc.stderr}")
    return json.loads(proc.stdout.splitlines()[-1])


def _child(module, lib, kwargs_json):
    """Print ``measure(lib, **kwargs)`` as JSON on the last line (the body of ``_measure_in_child``'s process)."""
    if lib == "torch":
        load_torch(TORCH_THREADS)
    measure = importlib.import_module(f"{__package__}.{module}").measure
    print(json.dumps(measure(lib, **json.loads(kwargs_json))))
