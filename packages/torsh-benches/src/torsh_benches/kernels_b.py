"""Conv, pooling and fused-optimizer kernels: torsh vs PyTorch (2 threads), timed alternately in one run.

Each case builds the same float32 data in both libraries and times one call (forward, or forward + backward,
or one optimizer step) with the wall clock, alternating torsh and torch and keeping each one's best of
``repeat`` rounds; the ratio is torch time / torsh time (above 1: torsh is faster). The 1-minute load average is
printed with the table, since the 2 cores are shared. ``python -m torsh_benches.kernels_b [--repeat 15]
[--threads 2]``; on a busy machine 2-thread OpenBLAS collapses, so ``OPENBLAS_NUM_THREADS=1 ... --threads 1``
(torch, torsh's kernels and BLAS all on one thread) gives steadier ratios.
"""

import argparse
import os
import time

import numpy as np

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


def _best(fns, repeat):
    """Best wall time in microseconds of each callable, run alternately ``repeat`` times (after one warm-up)."""
    for fn in fns:
        fn()
    best = [float("inf")] * len(fns)
    for _ in range(repeat):
        for i, fn in enumerate(fns):
            start = time.perf_counter()
            fn()
            best[i] = min(best[i], time.perf_counter() - start)
    return [b * 1e6 for b in best]


def _conv_cases(lib, F, n, c, h, o, k, pad, rng):
    x = lib.tensor(rng.standard_normal((n, c, h, h)).astype(np.float32), requires_grad=True)
    w = lib.tensor(rng.standard_normal((o, c, k, k)).astype(np.float32), requires_grad=True)
    b = lib.tensor(rng.standard_normal(o).astype(np.float32), requires_grad=True)
    fwd = lambda: F.conv2d(x.detach(), w.detach(), b.detach(), padding=pad)  # noqa: E731
    with_grad = lambda: F.conv2d(x, w, b, padding=pad).sum().backward()  # noqa: E731
    return fwd, with_grad


def _pool_cases(lib, F, kind, shape, k, rng):
    x = lib.tensor(rng.standard_normal(shape).astype(np.float32), requires_grad=True)
    pool = F.max_pool2d if kind == "max" else F.avg_pool2d
    return (lambda: pool(x.detach(), k)), (lambda: pool(x, k).sum().backward())


def _optim_case(lib, name, rng):
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


def run(repeat=15, threads=2):
    """Rows {'case', 'torsh_us', 'torch_us', 'torch_over_torsh'}."""
    import torch
    import torsh
    from torsh_backend import cpu_kernels

    torch.set_num_threads(threads)
    cpu_kernels.set_num_threads(threads)
    libs = ((torsh, torsh.nn.functional), (torch, torch.nn.functional))
    rows = []

    def add(case, pair):
        t, p = _best(pair, repeat)
        rows.append({"case": case, "torsh_us": round(t, 1), "torch_us": round(p, 1),
                     "torch_over_torsh": round(p / t, 2)})

    for name, n, c, h, o, k, pad in CONVS:
        cases = [_conv_cases(lib, F, n, c, h, o, k, pad, np.random.default_rng(0)) for lib, F in libs]
        add(f"{name} forward", [cases[0][0], cases[1][0]])
        add(f"{name} forward+backward", [cases[0][1], cases[1][1]])
    for name, kind, shape, k in POOLS:
        cases = [_pool_cases(lib, F, kind, shape, k, np.random.default_rng(0)) for lib, F in libs]
        add(f"{name} forward", [cases[0][0], cases[1][0]])
        add(f"{name} forward+backward", [cases[0][1], cases[1][1]])
    for name, label in (("SGD", "SGD momentum step, MLP 784-512-512-10 params"),
                        ("Adam", "Adam step, MLP 784-512-512-10 params"),
                        ("AdamW", "AdamW amsgrad step, MLP 784-512-512-10 params")):
        add(label, [_optim_case(lib, name, np.random.default_rng(0)) for lib, _ in libs])
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--threads", type=int, default=2, help="torch and torsh-backend thread count")
    args = parser.parse_args(argv)
    load_before = os.getloadavg()[0]
    rows = run(args.repeat, args.threads)
    width = max(len(r["case"]) for r in rows)
    print(f"{'case':<{width}}  {'torsh us':>10}  {'torch us':>10}  torch/torsh")
    for r in rows:
        print(f"{r['case']:<{width}}  {r['torsh_us']:>10.1f}  {r['torch_us']:>10.1f}  {r['torch_over_torsh']:>6.2f}")
    print(f"threads: {args.threads} (OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}); "
          f"load average (1 min): {load_before:.2f} before, {os.getloadavg()[0]:.2f} after")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
