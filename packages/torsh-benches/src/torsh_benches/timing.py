"""Wall-clock timing for benchmarks whose work runs on several threads (CPU time would count each thread)."""

import time


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


def load_torch(threads=2):
    """PyTorch with ``threads`` intra-op threads, or None when it is not installed."""
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(threads)
    return torch


def ratio(num, den):
    return round(num / den, 2) if num and den else None
