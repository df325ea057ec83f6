"""Conv, pooling and fused-optimizer kernels: torsh vs PyTorch (2 threads), each in its own process.

Each case builds the same float32 data in both libraries and times one call (forward, or forward + backward,
or one optimizer step) with the wall clock, keeping each library's best of ``repeat`` rounds; the ratio is
torch time / torsh time (above 1: torsh is faster). ``python -m torsh_benches.kernels_b``.
"""

import importlib

import numpy as np

from . import report
from .timing import best_seconds, load_average, per_process, ratio

CONVS = [  # (name, N, C, H, O, k, padding)
    ("LeNet conv1 64x1x28x28 -> 6, k5", 64, 1, 28, 6, 5, 0),
    ("LeNet conv2 64x6x12x12 -> 16, k5", 64, 6, 12, 16, 5, 0),
    ("conv 32x16x32x32 -> 32, k3 p1", 32, 16, 32, 32, 3, 1),
]
POOLS = [
    ("max_pool2d 64x6x24x24 k2", "max", (64, 6, 24, 24), 2),
    ("max_pool2d 32x32x32x32 k3", "max", (32, 32, 32, 32), 3),
    ("avg_pool2d 32x32x32x32 k2", "avg", (32, 32, 32, 32), 2),
]
MLP_SHAPES = [(512, 784), (512,), (512, 512), (512,), (10, 512), (10,)]


def _conv_cases(lib, F, n, c, h, o, k, pad, rng):
    """(forward, forward + backward) callables of one conv2d case."""
    x = lib.tensor(rng.standard_normal((n, c, h, h)).astype(np.float32), requires_grad=True)
    w = lib.tensor(rng.standard_normal((o, c, k, k)).astype(np.float32), requires_grad=True)
    b = lib.tensor(rng.standard_normal(o).astype(np.float32), requires_grad=True)
    fwd = lambda: F.conv2d(x.detach(), w.detach(), b.detach(), padding=pad)  # noqa: E731
    with_grad = lambda: F.conv2d(x, w, b, padding=pad).sum().backward()  # noqa: E731
    return fwd, with_grad


def _pool_cases(lib, F, kind, shape, k, rng):
    """(forward, forward + backward) callables of one pooling case."""
    x = lib.tensor(rng.standard_normal(shape).astype(np.float32), requires_grad=True)
    pool = F.max_pool2d if kind == "max" else F.avg_pool2d
    return (lambda: pool(x.detach(), k)), (lambda: pool(x, k).sum().backward())


def _optim_case(lib, name, rng):
    """One optimizer's ``step`` on MLP-sized parameters with fixed gradients, its state already allocated."""
    params = [lib.tensor(rng.standard_normal(s).astype(np.float32), requires_grad=True) for s in MLP_SHAPES]
    for p in params:
        p.grad = lib.tensor(rng.standard_normal(tuple(p.shape)).astype(np.float32))
    if name == "SGD":
        opt = lib.optim.SGD(params, lr=1e-3, momentum=0.9)
    elif name == "Adam":
        opt = lib.optim.Adam(params, lr=1e-3)
    else:
        opt = lib.optim.AdamW(params, lr=1e-3, amsgrad=True)
    opt.step()
    return opt.step


def _cases(lib, F):
    """{case: zero-argument callable} of every conv, pool and optimizer case in ``lib``."""
    cases = {}
    for name, n, c, h, o, k, pad in CONVS:
        fwd, with_grad = _conv_cases(lib, F, n, c, h, o, k, pad, np.random.default_rng(0))
        cases |= {f"{name} forward": fwd, f"{name} forward+backward": with_grad}
    for name, kind, shape, k in POOLS:
        fwd, with_grad = _pool_cases(lib, F, kind, shape, k, np.random.default_rng(0))
        cases |= {f"{name} forward": fwd, f"{name} forward+backward": with_grad}
    for name, label in (("SGD", "SGD momentum step, MLP 784-512-512-10 params"),
                        ("Adam", "Adam step, MLP 784-512-512-10 params"),
                        ("AdamW", "AdamW amsgrad step, MLP 784-512-512-10 params")):
        cases[label] = _optim_case(lib, name, np.random.default_rng(0))
    return cases


def measure(lib_name, min_time):
    """{case: seconds per call} in ``lib_name`` (run in that library's own process by ``run``)."""
    lib, F = importlib.import_module(lib_name), importlib.import_module(f"{lib_name}.nn.functional")
    return {case: best_seconds(fn, 1, min_time) for case, fn in _cases(lib, F).items()}


def run(repeat=3, min_time=0.05):
    """Rows {'case', 'torsh_us', 'torch_us', 'torch_over_torsh'}, best of ``repeat`` rounds."""
    times = per_process("kernels_b", ("torsh", "torch"), repeat, min_time=min_time)
    us = {lib: {case: round(seconds * 1e6, 1) for case, seconds in cases.items()} for lib, cases in times.items()}
    theirs = us.get("torch", {})
    return [{"case": case, "torsh_us": t, "torch_us": theirs.get(case), "torch_over_torsh": ratio(theirs.get(case), t)}
            for case, t in us["torsh"].items()]


def main():
    """Print the table with the load average it was measured under."""
    rows = run()
    print(f"conv, pool and optimizer kernels (load average {load_average()})\n{report.table(rows)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
