"""Matrix-product throughput (GFLOP/s) of torsh, NumPy and PyTorch at a few sizes (each library in its own
process), and the machine's FP32 peak."""

import importlib
import os
import platform

import numpy as np

from .timing import best_seconds, per_process, ratio

SIZES = (256, 1024, 2048)


def _cpu_info():
    """(vendor, MHz, ISA flags) from /proc/cpuinfo; empty values where it cannot be read (non-Linux)."""
    vendor, mhz, flags = "", 0.0, set()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                key, _, value = line.partition(":")
                key = key.strip()
                if key == "vendor_id" and not vendor:
                    vendor = value.strip()
                elif key == "cpu MHz" and not mhz:
                    mhz = float(value)
                elif key == "flags" and not flags:
                    flags = set(value.split())
    except OSError:
        pass
    return vendor, mhz, flags


def fp32_peak():
    """{'gflops', 'assumption'}: cores x GHz x FP32 FLOPs per cycle of the widest FMA the CPU reports."""
    vendor, mhz, flags = _cpu_info()
    cores = os.cpu_count() or 1
    if "avx512f" in flags and vendor != "AuthenticAMD":
        per_cycle, isa = 64, "AVX-512: 2 FMA units x 16 lanes x 2"
    elif "avx512f" in flags or {"avx2", "fma"} <= flags:
        per_cycle, isa = 32, ("AVX-512 on AMD Zen 4 (double-pumped 256-bit): " if "avx512f" in flags else
                              "AVX2+FMA: ") + "2 FMA units x 8 lanes x 2"
    else:
        per_cycle, isa = 8, "SSE: 4-lane add + 4-lane mul"
    if not mhz:
        return {"gflops": None, "assumption": f"clock unknown ({platform.machine()})"}
    gflops = cores * mhz / 1000 * per_cycle
    return {"gflops": round(gflops, 1),
            "assumption": f"{cores} cores x {mhz / 1000:.2f} GHz x {per_cycle} FLOPs/cycle ({isa}); base clock, "
                          "no turbo"}


def _case(lib_name, n):
    """A zero-argument callable multiplying two random float32 n x n matrices in ``lib_name``."""
    if lib_name == "numpy":
        a, b = np.random.default_rng(0).random((2, n, n), dtype=np.float32)
    else:
        lib = importlib.import_module(lib_name)
        a, b = lib.rand(n, n), lib.rand(n, n)
    return lambda: a @ b


def measure(lib_name, min_time, sizes):
    """{case: seconds per product} in ``lib_name`` (run in that library's own process by ``run``)."""
    return {_name(n): best_seconds(_case(lib_name, n), 1, min_time) for n in sizes}


def _name(n):
    """The case of size ``n``: a row's name and the key ``measure`` reports it under."""
    return f"matmul {n}x{n} float32"


def run(repeat=3, min_time=0.2, sizes=SIZES):
    """One row per size: GFLOP/s of float32 n x n @ n x n in each library (best of rounds) and torsh's ratios."""
    times = per_process("matmul", ("numpy", "torsh", "torch"), repeat, min_time=min_time, sizes=sizes)
    peak = fp32_peak()["gflops"]
    rows = []
    for n in sizes:
        row = {"case": _name(n)}
        for name, seconds in times.items():
            row[f"{name}_gflops"] = round(2 * n ** 3 / seconds[_name(n)] / 1e9, 1)
        t = row["torsh_gflops"]
        row["torsh_vs_numpy"] = ratio(t, row["numpy_gflops"])
        row["torsh_vs_torch"] = ratio(t, row.get("torch_gflops"))
        row["torsh_vs_peak"] = ratio(t, peak)
        rows.append(row)
    return rows
