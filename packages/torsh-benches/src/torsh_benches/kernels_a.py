"""Fused softmax / norm / activation / embedding / dropout kernels: forward + backward in torsh and in torch
(2 threads), timed in the same process; the ratio is torch time / torsh time (above 1: torsh is faster)."""

import sys

import numpy as np

from .timing import best_seconds, load_average, load_torch, ratio


def _cases():
    """(name, shape of the float32 input, torsh fn, torch fn, extra array inputs) for each kernel."""
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
    def run():
        x.grad = None
        y = fn(F, T, x)
        y.backward(g if y.ndim else None)

    return run


def run():
    """Rows of {'case', 'torsh_s', 'torch_s', 'ratio'} (forward + backward seconds, float32)."""
    import torsh
    import torsh.nn.functional as tF

    torch = load_torch(2)
    rows = []
    for name, shape, fn in _cases():
        data = np.random.default_rng(1).standard_normal(shape).astype(np.float32)
        x = torsh.tensor(data, requires_grad=True)
        out_shape = tuple(fn(tF, torsh, x).shape)
        grad = np.random.default_rng(2).standard_normal(out_shape).astype(np.float32)
        ours = _step(tF, torsh, fn, x, torsh.tensor(grad))
        theirs = None
        if torch is not None:
            xt = torch.tensor(data, requires_grad=True)
            theirs = _step(torch.nn.functional, torch, fn, xt, torch.tensor(grad))
        t_ours = t_theirs = float("inf")
        for _ in range(3):  # alternate so both see the same machine load
            t_ours = min(t_ours, best_seconds(ours, repeat=3, min_time=0.05))
            if theirs is not None:
                t_theirs = min(t_theirs, best_seconds(theirs, repeat=3, min_time=0.05))
        t_theirs = None if theirs is None else t_theirs
        rows.append({"case": name, "torsh_s": t_ours, "torch_s": t_theirs, "ratio": ratio(t_theirs, t_ours)})
    return rows


def main(argv=None):
    """Print the table with the load average it was measured under."""
    rows = run()
    print(f"fused kernels, float32 forward+backward (load average {load_average()})")
    print(f"{'case':32} {'torsh us':>10} {'torch us':>10} {'torch/torsh':>12}")
    for r in rows:
        torch_us = "-" if r["torch_s"] is None else f"{r['torch_s'] * 1e6:10.1f}"
        print(f"{r['case']:32} {r['torsh_s'] * 1e6:10.1f} {torch_us:>10} {r['ratio'] if r['ratio'] else '-':>12}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
