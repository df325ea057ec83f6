"""The torsh demo: train a small CNN on scikit-learn's bundled 8x8 handwritten digits (no download).

Uses only the public PyTorch-style API: Dataset/DataLoader with worker processes, a model from torsh.nn,
AdamW with a OneCycle LR schedule, a progress bar per epoch, evaluation under no_grad, a checkpoint that
is saved, reloaded into a fresh model and re-evaluated, and a training-curve PNG when matplotlib is present.

    python examples/train_digits.py [--epochs 10] [--workers 2] [--out runs/digits]
"""

import argparse
import time
from pathlib import Path

import numpy as np
import torsh as torch
import torsh.nn as nn
import torsh.nn.functional as F
from sklearn.datasets import load_digits
from torsh.utils.data import DataLoader, TensorDataset, random_split


class DigitsCNN(nn.Module):
    """Two conv blocks and a small classifier head: ~30k parameters."""

    def __init__(self, classes=10):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(),
            nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(),
            nn.MaxPool2d(2),
        )
        self.head = nn.Sequential(nn.Flatten(), nn.Dropout(0.25), nn.Linear(32 * 4 * 4, 64), nn.ReLU(),
                                  nn.Linear(64, classes))

    def forward(self, x):
        return self.head(self.features(x))


def digits_dataset():
    """The 1797 digits as (N, 1, 8, 8) float32 images scaled to [0, 1] and int64 labels."""
    digits = load_digits()
    images = torch.from_numpy((digits.images / 16.0).astype(np.float32)).unsqueeze(1)
    labels = torch.from_numpy(digits.target.astype(np.int64))
    return TensorDataset(images, labels)


def evaluate(model, loader):
    model.eval()
    correct = total = 0
    loss_sum = 0.0
    with torch.no_grad():
        for x, y in loader:
            logits = model(x)
            loss_sum += F.cross_entropy(logits, y, reduction="sum").item()
            correct += (logits.argmax(1) == y).sum().item()
            total += y.numel()
    return correct / total, loss_sum / total


def train(args):
    torch.manual_seed(args.seed)
    data = digits_dataset()
    n_test = len(data) // 5
    train_set, test_set = random_split(data, [len(data) - n_test, n_test],
                                       generator=torch.Generator().manual_seed(args.seed))
    train_loader = DataLoader(train_set, batch_size=args.batch_size, shuffle=True, num_workers=args.workers,
                              persistent_workers=args.workers > 0, drop_last=True)
    test_loader = DataLoader(test_set, batch_size=256)

    model = DigitsCNN()
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-4)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=args.lr, epochs=args.epochs,
                                                    steps_per_epoch=len(train_loader))
    history = []
    start = time.perf_counter()
    for epoch in range(1, args.epochs + 1):
        model.train()
        bar = torch.utils.data.progress(train_loader, desc=f"epoch {epoch:2d}/{args.epochs}", leave=False,
                                        disable=True if args.quiet else None)  # None: off when not a terminal
        running = 0.0
        for x, y in bar:
            loss = F.cross_entropy(model(x), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            scheduler.step()
            running += loss.item()
            bar.set_postfix(loss=f"{loss.item():.3f}", lr=f"{scheduler.get_last_lr()[0]:.2e}")
        acc, test_loss = evaluate(model, test_loader)
        history.append((epoch, running / len(train_loader), test_loss, acc))
        if not args.quiet:
            print(f"epoch {epoch:2d}  train loss {history[-1][1]:.4f}  test loss {test_loss:.4f}  test acc {acc:.4f}")
    wall = time.perf_counter() - start

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    ckpt = out / "digits_cnn.torsh"
    torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "epoch": args.epochs}, ckpt)
    restored = DigitsCNN()
    state = torch.load(ckpt)
    restored.load_state_dict(state["model"])
    acc_restored, _ = evaluate(restored, test_loader)
    plot(history, out / "training_curve.png")

    acc = history[-1][3]
    print(f"test accuracy {acc:.4f}  (reloaded checkpoint: {acc_restored:.4f})  wall time {wall:.1f} s")
    if acc_restored != acc:
        raise SystemExit("the reloaded checkpoint does not reproduce the trained model's accuracy")
    return acc


def plot(history, path):
    """Training/test loss and test accuracy per epoch; skipped quietly without matplotlib."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return
    epochs, train_loss, test_loss, acc = zip(*history)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.5))
    ax1.plot(epochs, train_loss, label="train")
    ax1.plot(epochs, test_loss, label="test")
    ax1.set(xlabel="epoch", ylabel="cross-entropy", title="loss")
    ax1.legend()
    ax2.plot(epochs, acc)
    ax2.set(xlabel="epoch", ylabel="accuracy", title="test accuracy")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    print(f"training curve: {path}")


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--lr", type=float, default=3e-3)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default="runs/digits")
    p.add_argument("--quiet", action="store_true")
    train(p.parse_args())


if __name__ == "__main__":
    main()
