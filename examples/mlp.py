"""A two-layer MLP on the bundled digits, flattened to 64 features: the smallest end-to-end torsh program.

    python examples/mlp.py
"""

import time

import numpy as np
import torsh as torch
import torsh.nn as nn
import torsh.nn.functional as F
from sklearn.datasets import load_digits


def main(epochs=30, seed=0):
    torch.manual_seed(seed)
    digits = load_digits()
    x = torch.from_numpy((digits.data / 16.0).astype(np.float32))
    y = torch.from_numpy(digits.target.astype(np.int64))
    perm = torch.randperm(len(y))
    train_idx, test_idx = perm[:1400], perm[1400:]
    model = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    start = time.perf_counter()
    for _ in range(epochs):
        for batch in train_idx.split(64):
            loss = F.cross_entropy(model(x[batch]), y[batch])
            opt.zero_grad()
            loss.backward()
            opt.step()
    with torch.no_grad():
        acc = (model(x[test_idx]).argmax(1) == y[test_idx]).float().mean().item()
    print(f"MLP test accuracy {acc:.4f} in {time.perf_counter() - start:.1f} s")
    return acc


if __name__ == "__main__":
    main()
