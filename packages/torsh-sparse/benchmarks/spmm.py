"""spmm benchmark: a 100k x 100k CSR matrix with 1M nonzeros times a 100k x 64 dense matrix (float32).

Prints the best-of-N time of torsh (C kernel, one thread and all threads), scipy.sparse (single-threaded by
design) and torch.sparse (CSR, one thread and all threads), and the ratios against torsh's times measured in
the same run. Run from the repository root:

    python packages/torsh-sparse/benchmarks/spmm.py [--rows 100000] [--nnz 1000000] [--k 64] [--repeat 7]

SciPy and PyTorch rows are skipped when those packages are missing. Timings never fail anything.
"""

import argparse
import os
import time

import numpy as np
import torsh_backend
import torsh_sparse as S
import torsh_tensor as T
from torsh_backend import threads


def best_times(candidates, repeat):
    """The fastest of ``repeat`` runs of each candidate, in seconds. Runs are interleaved round by round, so a
    busy machine slows every candidate alike instead of whichever happened to run during the noise."""
    best = {name: float("inf") for name, _ in candidates}
    for _, fn in candidates:
        fn()  # warm-up
    for _ in range(repeat):
        for name, fn in candidates:
            start = time.perf_counter()
            fn()
            best[name] = min(best[name], time.perf_counter() - start)
    return best


def on_threads(set_threads, n, fn):
    """``fn`` run with ``n`` threads (the setting is applied before every call)."""

    def run():
        set_threads(n)
        return fn()

    return run


def build(rows, nnz, k, seed):
    """A canonical random CSR matrix (as numpy arrays) and a dense operand."""
    rng = np.random.default_rng(seed)
    coo = S.sparse_coo_tensor(T.tensor(np.stack([rng.integers(0, rows, nnz), rng.integers(0, rows, nnz)])),
                              T.tensor(rng.standard_normal(nnz).astype(np.float32)), (rows, rows))
    csr = coo.to_sparse_csr()
    dense = rng.standard_normal((rows, k)).astype(np.float32)
    return csr, dense


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--nnz", type=int, default=1_000_000)
    parser.add_argument("--k", type=int, default=64)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()

    csr, dense_np = build(args.rows, args.nnz, args.k, seed=0)
    dense = T.tensor(dense_np)
    crow, col, vals = csr._compressed, csr._plain, csr._vals.numpy()
    all_threads = threads.get_num_threads()
    print(f"spmm: ({args.rows} x {args.rows}, nnz={csr._nnz()}) @ ({args.rows} x {args.k}), float32, "
          f"{os.cpu_count()} cores, torsh-backend {torsh_backend.__version__}, best of {args.repeat}")
    reference = (csr @ dense).numpy()
    coo = csr.to_sparse()
    candidates = [
        ("torsh, 1 thread", on_threads(threads.set_num_threads, 1, lambda: csr @ dense)),
        (f"torsh, {all_threads} threads", on_threads(threads.set_num_threads, all_threads, lambda: csr @ dense)),
        (f"torsh COO (cached CSR order), {all_threads} threads",
         on_threads(threads.set_num_threads, all_threads, lambda: coo @ dense)),
    ]

    try:
        import scipy.sparse as sp
    except ImportError:
        sp = None
    if sp is not None:
        matrix = sp.csr_array((vals, col, crow), shape=csr.shape)
        np.testing.assert_allclose(matrix @ dense_np, reference, rtol=1e-4, atol=1e-4)
        candidates.append(("scipy.sparse (1 thread)", lambda: matrix @ dense_np))

    try:
        import torch
    except ImportError:
        torch = None
    if torch is not None:
        import warnings

        warnings.simplefilter("ignore")
        tcsr = torch.sparse_csr_tensor(torch.from_numpy(crow.copy()), torch.from_numpy(col.copy()),
                                       torch.from_numpy(vals.copy()), csr.shape)
        tdense = torch.from_numpy(dense_np)
        np.testing.assert_allclose((tcsr @ tdense).numpy(), reference, rtol=1e-4, atol=1e-4)
        torch_threads = torch.get_num_threads()
        tcoo = tcsr.to_sparse_coo()
        candidates += [
            ("torch CSR, 1 thread", on_threads(torch.set_num_threads, 1, lambda: tcsr @ tdense)),
            (f"torch CSR, {torch_threads} threads", on_threads(torch.set_num_threads, torch_threads,
                                                               lambda: tcsr @ tdense)),
            (f"torch COO (torch.sparse.mm), {torch_threads} threads",
             on_threads(torch.set_num_threads, torch_threads, lambda: torch.sparse.mm(tcoo, tdense))),
        ]

    results = best_times(candidates, args.repeat)
    one = results["torsh, 1 thread"]
    many = results[f"torsh, {all_threads} threads"]
    print(f"{'':52s} {'ms':>8s} {'/ torsh 1t':>11s} {'/ torsh all':>12s}")
    for name, seconds in results.items():
        print(f"{name:52s} {seconds * 1e3:8.2f} {seconds / one:10.2f}x {seconds / many:11.2f}x")
    print("(each row's time divided by torsh's: above 1 means torsh is that many times faster)")

if __name__ == "__main__":
    main()
