"""Per-op overhead: microseconds per call of small adds in torsh, PyTorch and NumPy, each in its own process.

Adding 1-element tensors measures almost nothing but the framework's Python/dispatch cost; 1000 elements adds a
little real work. Each size runs forward only, forward with inputs that require grad (graph recording), and
forward plus ``.sum().backward()``. ``python -m torsh_benches.overhead [--json out.json] [--repeat 3]``.
"""

import argparse
import importlib
import json
import platform
import sys
import time
import timeit

import numpy as np

from .timing import TORCH_THREADS, per_process, ratio, torch_version

SIZES = (1, 1000)
MODES = ("forward", "forward, requires_grad", "forward+backward")
CASES = {f"add {n} elem, {mode}": (n, mode) for n in SIZES for mode in MODES}


def _case(lib_name, n, mode):
    """A callable doing one step of ``mode`` on two ``n``-element float32 operands; None where NumPy lacks it."""
    if lib_name == "numpy":
        if mode != "forward":
            return None
        a, b = np.random.rand(2, n).astype(np.float32)
        return lambda: a + b
    lib = importlib.import_module(lib_name)
    rg = mode != "forward"
    a = lib.rand(n, requires_grad=rg)
    b = lib.rand(n, requires_grad=rg)
    if mode == "forward+backward":
        return lambda: (a + b).sum().backward()
    return lambda: a + b


def time_us(fn, repeat, min_time):
    """Best time of one call in microseconds: ``repeat`` runs of a loop long enough to last ``min_time`` s.

    The clock is the process's CPU time, so that time spent descheduled on a busy machine does not count.
    """
    timer = timeit.Timer(fn, timer=time.process_time)
    number = 1
    while True:
        if timer.timeit(number) >= min_time or number >= 1 << 20:
            break
        number *= 4
    return min(timer.repeat(repeat=repeat, number=number)) / number * 1e6


def measure(lib_name, min_time):
    """{case: CPU microseconds per call} in ``lib_name`` (run in that library's own process by ``run``)."""
    fns = {case: _case(lib_name, n, mode) for case, (n, mode) in CASES.items()}
    return {case: time_us(fn, 1, min_time) for case, fn in fns.items() if fn is not None}


def run(repeat=3, min_time=0.05, libs=("numpy", "torch", "torsh")):
    """One row per (size, mode): {'case', 'numpy_us', 'torch_us', 'torsh_us', 'torsh_vs_torch'}, best of rounds."""
    times = per_process("overhead", libs, repeat, min_time=min_time)
    rows = []
    for case in CASES:
        row = {"case": case}
        for name, us in times.items():
            row[f"{name}_us"] = round(us[case], 3) if case in us else None
        row["torsh_vs_torch"] = ratio(row.get("torsh_us"), row.get("torch_us"))
        rows.append(row)
    return rows


def table(rows):
    """The rows as a fixed-width text table."""
    cols = ("numpy_us", "torch_us", "torsh_us", "torsh_vs_torch")
    heads = ("numpy us", "torch us", "torsh us", "torsh/torch")
    width = max(len(r["case"]) for r in rows)
    lines = [f"{'case':<{width}}  " + "  ".join(f"{h:>11}" for h in heads)]
    for r in rows:
        cells = ["-" if r.get(c) is None else f"{r[c]:.2f}" for c in cols]
        lines.append(f"{r['case']:<{width}}  " + "  ".join(f"{c:>11}" for c in cells))
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", help="also write the results to this JSON file")
    parser.add_argument("--repeat", type=int, default=3,
                        help="rounds, each library in a fresh process per round; the best one counts")
    parser.add_argument("--min-time", type=float, default=0.1, help="seconds each timed loop should last")
    args = parser.parse_args(argv)
    rows = run(args.repeat, args.min_time)
    torch = torch_version()
    versions = f"python {platform.python_version()}, numpy {np.__version__}, " + (
        f"torch {torch} with {TORCH_THREADS} threads" if torch else "torch not installed")
    print(f"per-call overhead in CPU microseconds, best of {args.repeat} ({versions})")
    print(table(rows))
    if args.json:
        meta = {"python": platform.python_version(), "numpy": np.__version__, "machine": platform.machine(),
                "torch": torch, "torch_threads": TORCH_THREADS if torch else None,
                "repeat": args.repeat, "time": time.strftime("%Y-%m-%dT%H:%M:%S"), "argv": sys.argv[1:]}
        with open(args.json, "w") as f:
            json.dump({"meta": meta, "results": rows}, f, indent=2)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
