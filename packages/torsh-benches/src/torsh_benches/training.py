"""Training-step throughput (samples/s) of the same three models in torsh and PyTorch, each in its own process.

The models are built from the shared PyTorch API (``lib`` is ``torch`` or ``torsh``), so both libraries run
exactly the same program: an MLP 784-512-512-10 with Adam, a LeNet-style CNN on 28x28 with SGD-momentum and a
TransformerEncoderLayer (d_model 128, 4 heads, seq 64) with AdamW.
"""

import importlib

import numpy as np

from .timing import best_seconds, per_process, ratio


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


def measure(lib_name, min_time, models):
    """{model: best seconds per training sample} in ``lib_name`` (run in that library's own process by ``run``)."""
    lib = importlib.import_module(lib_name)
    times = {}
    for name in models:
        fn, batch = step_fn(lib, MODELS[name])
        times[name] = best_seconds(fn, 1, min_time) / batch
    return times


def run(repeat=3, min_time=0.5, models=None):
    """One row per model: samples/s in each library (best of ``repeat``; the libraries alternate, each in its
    own process) and the ratio."""
    models = list(models or MODELS)
    times = per_process("training", ("torsh", "torch"), repeat, min_time=min_time, models=models)
    rows = []
    for name in models:
        row = {"case": name}
        for lib_name, seconds in times.items():
            row[f"{lib_name}_samples_s"] = round(1 / seconds[name], 1)
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
