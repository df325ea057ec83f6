"""``python -m torsh_benches``: every benchmark in one run, printed, saved as JSON and charted.

Sections: per-op overhead, matmul GFLOP/s, the ``a * b + c`` chain's GB/s, the kernel engineers' fused kernels,
and the three training steps. Each library is timed in its own processes (see timing.per_process). Timings
never fail anything; the load average is printed next to them because the machine may be shared.
"""

import argparse
import json
import os
import platform
import sys
import time

import numpy as np

from . import elementwise, kernels, matmul, overhead, report, training
from .timing import TORCH_THREADS, load_average, torch_version

SECTIONS = ("overhead", "matmul", "elementwise", "kernels", "training")


def run(sections=SECTIONS, quick=False, log=print):
    """{section: rows}; ``quick`` shrinks every timing loop (for tests, not for numbers)."""
    rounds, t = (1, 0.01) if quick else (3, 0.2)
    steps = {
        "overhead": lambda: overhead.run(rounds, t / 2),
        "matmul": lambda: matmul.run(rounds, t, sizes=(128,) if quick else matmul.SIZES),
        "elementwise": lambda: elementwise.run(rounds, t, n=1000 if quick else elementwise.N),
        "kernels": lambda: kernels.run(rounds, t / 4),
        "training": lambda: training.run(rounds, t if quick else 1.0),
    }
    results = {}
    for name in sections:
        started = time.perf_counter()
        results[name] = steps[name]()
        log(_section_text(name, results[name]) + f"\n({time.perf_counter() - started:.0f} s, load average "
                                                  f"{load_average()})\n")
    return results


def _section_text(name, rows):
    if name == "kernels":
        parts = [f"== {name}: fused kernels vs torch =="]
        for r in rows:
            body = report.table(r["rows"]) if "rows" in r else f"failed: {r['error']}"
            parts.append(f"-- {r['module']}\n{body}")
        return "\n".join(parts)
    title = {"overhead": "per-op overhead, CPU microseconds per call",
             "matmul": f"matmul GFLOP/s; FP32 peak {matmul.fp32_peak()}",
             "elementwise": "a * b + c, GB/s (16 bytes per element)",
             "training": "training steps, samples/s"}[name]
    return f"== {name}: {title} ==\n" + report.table(rows)


def meta(argv):
    """Versions, machine and load for the JSON; torch is not imported here (its OpenMP pool would start)."""
    torch = torch_version()
    return {"python": platform.python_version(), "numpy": np.__version__, "machine": platform.machine(),
            "cpus": os.cpu_count(), "torch": torch, "torch_threads": TORCH_THREADS if torch else None,
            "fp32_peak": matmul.fp32_peak(), "load_average_start": load_average(),
            "time": time.strftime("%Y-%m-%dT%H:%M:%S"), "argv": argv}


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", default="bench-results/results.json", help="where to save the results")
    parser.add_argument("--only", nargs="+", choices=SECTIONS, default=list(SECTIONS), help="sections to run")
    parser.add_argument("--quick", action="store_true", help="tiny sizes and loops: checks that it runs")
    parser.add_argument("--profile", metavar="MODEL", choices=list(training.MODELS),
                        help="print a cProfile of torsh training steps of this model instead")
    args = parser.parse_args(argv)
    if args.profile:
        print(training.profile(args.profile))
        return 0
    info = meta(argv)
    print(f"torsh benchmarks: python {info['python']}, numpy {info['numpy']}, torch {info['torch']} "
          f"({info['torch_threads']} threads), {info['cpus']} CPUs, load average {info['load_average_start']}\n")
    results = run(args.only, args.quick)
    info["load_average_end"] = load_average()
    os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
    with open(args.json, "w") as f:
        json.dump({"meta": info, "results": results}, f, indent=2)
    png = os.path.splitext(args.json)[0] + ".png"
    drawn = report.chart(results, png)
    print(f"saved {args.json}" + (f" and {png}" if drawn else " (no chart: needs matplotlib and torch)"))
    return 0
