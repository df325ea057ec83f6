"""Fused softmax / norm / activation / embedding / dropout kernels: forward + backward in torsh and in torch
(2 threads), each in its own process; the ratio is torch time / torsh time (above 1: torsh is faster).
``python -m torsh_benches.kernels_a``."""

import importlib

import numpy as np

from . import report
from .timing import best_seconds, load_average, per_process, ratio


def _cases():
    """(name, shape of the float32 input, fn(F, T, x)) for each kernel; F and T: ``nn.functional`` and the library."""
    rng = np.random.default_rng(0)
    tgt = rng.integers(0, 1000, 128)
    idx = rng.integers(0, 10000, (32, 64))
    lnw, lnb = rng.standard_normal(128, np.float32), rng.standard_normal(128, np.float32)
    return [
        ("softmax (128, 1000)", (128, 1000), lambda F, T, x: F.softmax(x, -1)),
        ("log_softmax (128, 1000)", (128, 1000), lambda F, T, x: F.log_softmax(x, -1)),
        ("softmax dim 0 (1000, 128)", (1000, 128), lambda F, T, x: F.softmax(x, 0)),
        ("cross_entropy (128, 1000)", (128, 1000), lambda F, T, x: F.cross_entropy(x, T.tensor(tgt))),
        ("layer_norm (2048, 128)", (2048, 128),
         lambda F, T, x: F.layer_norm(x, (128,), T.tensor(lnw), T.tensor(lnb))),
        ("rms_norm (2048, 128)", (2048, 128), lambda F, T, x: F.rms_norm(x, (128,), T.tensor(lnw), 1e-6)),
        ("gelu (2048, 512)", (2048, 512), lambda F, T, x: F.gelu(x)),
        ("gelu tanh (2048, 512)", (2048, 512), lambda F, T, x: F.gelu(x, approximate="tanh")),
        ("silu (2048, 512)", (2048, 512), lambda F, T, x: F.silu(x)),
        ("dropout p=0.1 (2048, 512)", (2048, 512), lambda F, T, x: F.dropout(x, 0.1)),
        ("embedding 10000x128 [32, 64]", (10000, 128), lambda F, T, x: F.embedding(T.tensor(idx), x)),
    ]


def _step(F, T, fn, x, g):
    """One forward + backward of ``fn`` on ``x`` (its gradient reset first, so nothing accumulates)."""
    def run():
        x.grad = None
        y = fn(F, T, x)
        y.backward(g if y.ndim else None)

    return run


def measure(lib_name, min_time):
    """{case: seconds per forward + backward} in ``lib_name`` (run in that library's own process by ``run``)."""
    lib = importlib.import_module(lib_name)
    F = importlib.import_module(f"{lib_name}.nn.functional")
    times = {}
    for name, shape, fn in _cases():
        x = lib.tensor(np.random.default_rng(1).standard_normal(shape).astype(np.float32), requires_grad=True)
        out_shape = tuple(fn(F, lib, x).shape)
        grad = lib.tensor(np.random.default_rng(2).standard_normal(out_shape).astype(np.float32))
        times[name] = best_seconds(_step(F, lib, fn, x, grad), 1, min_time)
    return times


def run(repeat=3, min_time=0.05):
    """Rows {'case', 'torsh_s', 'torch_s', 'ratio'}: forward + backward seconds, best of ``repeat`` rounds."""
    times = per_process("kernels_a", ("torsh", "torch"), repeat, min_time=min_time)
    theirs = times.get("torch", {})
    return [{"case": name, "torsh_s": ours, "torch_s": theirs.get(name), "ratio": ratio(theirs.get(name), ours)}
            for name, ours in times["torsh"].items()]


def main():
    """Print the table with the load average it was measured under."""
    rows = run()
    print(f"fused kernels, float32 forward+backward (load average {load_average()})\n{report.table(rows)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
