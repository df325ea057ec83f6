"""Benchmark (not a test): all_reduce bandwidth against raw mpi4py, and DDP's step-time overhead.

    OMP_NUM_THREADS=1 torshrun --nproc 2 packages/torsh-distributed/benchmarks/bench_distributed.py

1. all_reduce of a 64 MB float32 tensor through torsh_distributed vs mpi4py's ``Allreduce`` on the same NumPy
   buffer (best of several runs each, interleaved); prints both bus bandwidths and their ratio (target >= 0.95).
2. One training step (forward, backward, Adam) of an MLP 784-512-512-10 on a batch of 128 per rank: the plain
   module vs DistributedDataParallel, both timed on every rank at once so they share the CPU the same way.
"""

import argparse
import time

import numpy as np
import torsh_distributed as dist
import torsh_nn as nn
import torsh_optim as optim
import torsh_tensor as T
from mpi4py import MPI


def _best(fn, repeat):
    times = []
    for _ in range(repeat):
        dist.barrier()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def bench_all_reduce(megabytes, repeat):
    n = megabytes * 1024 * 1024 // 4
    tensor = T.ones(n)
    raw = np.ones(n, np.float32)
    comm = dist.group.WORLD.comm
    torsh_times, raw_times = [], []
    for _ in range(repeat):  # interleaved so that both see the same machine state
        torsh_times.append(_best(lambda: dist.all_reduce(tensor), 1))
        raw_times.append(_best(lambda: comm.Allreduce(MPI.IN_PLACE, raw), 1))
    size = dist.get_world_size()
    bus = 2 * (size - 1) / size * n * 4 / 1e9  # GB each rank moves in a ring all-reduce
    t, r = min(torsh_times), min(raw_times)
    return f"all_reduce {megabytes} MB float32 on {size} ranks: torsh {bus / t:.2f} GB/s ({t * 1e3:.1f} ms), " \
           f"mpi4py {bus / r:.2f} GB/s ({r * 1e3:.1f} ms), ratio torsh/mpi4py = {r / t:.3f}"


def bench_latency(repeat):
    """The per-call cost torsh adds: all_reduce of one float, torsh vs mpi4py."""
    tensor, raw, comm = T.ones(1), np.ones(1, np.float32), dist.group.WORLD.comm
    t = _best(lambda: [dist.all_reduce(tensor) for _ in range(100)], repeat) / 100
    r = _best(lambda: [comm.Allreduce(MPI.IN_PLACE, raw) for _ in range(100)], repeat) / 100
    return f"all_reduce of 1 float: torsh {t * 1e6:.1f} us, mpi4py {r * 1e6:.1f} us per call"


def _mlp():
    T.manual_seed(0)
    return nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, 10))


def _trainer(model):
    opt = optim.Adam(model.parameters(), lr=1e-3)
    x, y = T.randn(128, 784), T.randint(0, 10, (128,))

    def step():
        opt.zero_grad()
        nn.functional.cross_entropy(model(x), y).backward()
        opt.step()

    step()  # warm-up
    return step


def bench_ddp(steps):
    trainers = {"plain": _trainer(_mlp()), "ddp": _trainer(dist.DistributedDataParallel(_mlp()))}
    times = {name: [] for name in trainers}
    for _ in range(steps):  # alternate, so that both see the same machine state
        for name, step in trainers.items():
            times[name].append(_best(step, 1))
    plain, ddp = (float(np.median(times[name])) for name in ("plain", "ddp"))
    return f"MLP 784-512-512-10, batch 128/rank, Adam, {dist.get_world_size()} ranks: plain step " \
           f"{plain * 1e3:.2f} ms, DDP step {ddp * 1e3:.2f} ms, overhead {100 * (ddp / plain - 1):+.1f}%"


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--megabytes", type=int, default=64)
    p.add_argument("--repeat", type=int, default=20)
    p.add_argument("--steps", type=int, default=30)
    args = p.parse_args()
    dist.init_process_group()
    lines = [bench_all_reduce(args.megabytes, args.repeat), bench_latency(args.repeat), bench_ddp(args.steps)]
    if dist.get_rank() == 0:
        print("\n".join(lines), flush=True)
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
