"""Per-op overhead: microseconds per call of small adds in torsh, PyTorch and NumPy, timed in the same run.

Adding 1-element tensors measures almost nothing but the framework's Python/dispatch cost; 1000 elements adds a
little real work. Each size runs forward only, forward with inputs that require grad (graph recording), and
forward plus ``.sum().backward()``. ``python -m torsh_benches.overhead [--json out.json] [--repeat 7]``.
"""

import argparse
import json
import platform
import sys
import time
import timeit

import numpy as np

SIZES = (1, 1000)
MODES = ("forward", "forward, requires_grad", "forward+backward")


def _cases(lib, n, mode):
    """A zero-argument callable doing one step of ``mode`` on ``n``-element float32 operands in ``lib``."""
    if lib == "numpy":
        if mode != "forward":
            return None
        a, b = np.random.rand(2, n).astype(np.float32)
        return lambda: a + b
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


def _load_torch():
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(2)
    return torch


def run(repeat=5, min_time=0.05, libs=None):
    """One row per (size, mode): {'case', 'numpy_us', 'torch_us', 'torsh_us', 'torsh_vs_torch'}."""
    import torsh_tensor

    available = {"numpy": "numpy", "torsh": torsh_tensor}
    torch = _load_torch()
    if torch is not None:
        available["torch"] = torch
    libs = [name for name in (libs or ("numpy", "torch", "torsh")) if name in available]
    rows = []
    for n in SIZES:
        for mode in MODES:
            row = {"case": f"add {n} elem, {mode}"}
            for name in libs:
                fn = _cases(available[name], n, mode)
                row[f"{name}_us"] = None if fn is None else round(time_us(fn, repeat, min_time), 3)
            t, p = row.get("torsh_us"), row.get("torch_us")
            row["torsh_vs_torch"] = round(t / p, 2) if t and p else None
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
    parser.add_argument("--repeat", type=int, default=7, help="timeit repeats; the best one counts")
    parser.add_argument("--min-time", type=float, default=0.1, help="seconds each timed loop should last")
    args = parser.parse_args(argv)
    torch = _load_torch()
    rows = run(args.repeat, args.min_time)
    versions = f"python {platform.python_version()}, numpy {np.__version__}, " + (
        f"torch {torch.__version__} with 2 threads" if torch else "torch not installed")
    print(f"per-call overhead in CPU microseconds, best of {args.repeat} ({versions})")
    print(table(rows))
    if args.json:
        meta = {"python": platform.python_version(), "numpy": np.__version__, "machine": platform.machine(),
                "torch": torch.__version__ if torch else None, "torch_threads": 2 if torch else None,
                "repeat": args.repeat, "time": time.strftime("%Y-%m-%dT%H:%M:%S"), "argv": sys.argv[1:]}
        with open(args.json, "w") as f:
            json.dump({"meta": meta, "results": rows}, f, indent=2)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
