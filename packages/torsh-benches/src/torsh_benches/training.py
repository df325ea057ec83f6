"""Training-step throughput (samples/s) of the same three models in torsh and PyTorch, timed in one run.

The models are built from the shared PyTorch API (``lib`` is ``torch`` or ``torsh``), so both libraries run
exactly the same program: an MLP 784-512-512-10 with Adam, a LeNet-style CNN on 28x28 with SGD-momentum and a
TransformerEncoderLayer (d_model 128, 4 heads, seq 64) with AdamW.
"""

import importlib
import subprocess
import sys

import numpy as np

from .timing import best_seconds, load_torch, ratio


def mlp(lib):
    nn = lib.nn
    model = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, 10))
    return model, lib.optim.Adam(model.parameters(), lr=1e-3), (128, 784), 10


def cnn(lib):
    nn = lib.nn
    model = nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(16 * 5 * 5, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))
    return model, lib.optim.SGD(model.parameters(), lr=0.01, momentum=0.9), (64, 1, 28, 28), 10


class _Transformer:
    """An encoder layer plus a token classifier head, so the loss is a cross entropy like the other models."""

    def __init__(self, lib):
        nn = lib.nn
        self.layer = nn.TransformerEncoderLayer(d_model=128, nhead=4, dim_feedforward=512, dropout=0.1,
                                                batch_first=True)
        self.head = nn.Linear(128, 10)

    def parameters(self):
        return [*self.layer.parameters(), *self.head.parameters()]

    def __call__(self, x):
        return self.head(self.layer(x)).mean(dim=1)


def transformer(lib):
    model = _Transformer(lib)
    return model, lib.optim.AdamW(model.parameters(), lr=1e-3), (32, 64, 128), 10


MODELS = {"MLP 784-512-512-10 b128 Adam": mlp, "LeNet CNN 28x28 b64 SGD-momentum": cnn,
          "TransformerEncoderLayer d128 h4 s64 b32 AdamW": transformer}


def step_fn(lib, build, seed=0):
    """A zero-argument callable running one training step (forward, loss, backward, optimizer update)."""
    lib.manual_seed(seed)
    model, opt, shape, classes = build(lib)
    rng = np.random.default_rng(seed)
    x = lib.from_numpy(rng.standard_normal(shape).astype(np.float32))
    y = lib.from_numpy(rng.integers(0, classes, shape[0]))
    loss_fn = lib.nn.functional.cross_entropy

    def step():
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()

    return step, shape[0]


def _libs():
    """The libraries to compare: torsh, and torch when it is installed."""
    import importlib.util

    return ["torsh"] + (["torch"] if importlib.util.find_spec("torch") is not None else [])


def _seconds_per_step(lib_name, name, min_time):
    """(best seconds per step, batch size) of model ``name`` in a fresh process importing only ``lib_name``.

    Each library gets its own process, as in real use: torsh's C kernels and PyTorch share one OpenMP runtime
    when both are imported, and whichever loads it first decides how its idle threads wait.
    """
    code = f"from torsh_benches.training import _measure; _measure({lib_name!r}, {name!r}, {min_time!r})"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=600)
    seconds, batch = out.stdout.split()[-2:]
    return float(seconds), int(batch)


def _measure(lib_name, name, min_time):
    """Print the best seconds per step and the batch size (run by ``_seconds_per_step`` in a child process)."""
    lib = load_torch() if lib_name == "torch" else importlib.import_module(lib_name)
    fn, batch = step_fn(lib, MODELS[name])
    print(best_seconds(fn, 1, min_time), batch)


def run(repeat=3, min_time=0.5, models=None):
    """One row per model: samples/s in each library (best of ``repeat``; the libraries alternate, each in its
    own process) and the ratio."""
    libs = _libs()
    rows = []
    for name in models or MODELS:
        best = {lib_name: float("inf") for lib_name in libs}
        for _ in range(repeat):  # alternate so that a busy spell on the shared machine hits both
            for lib_name in libs:
                seconds, batch = _seconds_per_step(lib_name, name, min_time)
                best[lib_name] = min(best[lib_name], seconds)
        row = {"case": name}
        for lib_name in libs:
            row[f"{lib_name}_samples_s"] = round(batch / best[lib_name], 1)
        row["torsh_vs_torch"] = ratio(row["torsh_samples_s"], row.get("torch_samples_s"))
        rows.append(row)
    return rows


def profile(name, steps=20, top=25):
    """cProfile of ``steps`` torsh training steps of model ``name``: the hot Python functions, by own time."""
    import cProfile
    import io
    import pstats

    import torsh

    fn, _ = step_fn(torsh, MODELS[name])
    fn()
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(steps):
        fn()
    prof.disable()
    out = io.StringIO()
    pstats.Stats(prof, stream=out).sort_stats("tottime").print_stats(top)
    return out.getvalue()
