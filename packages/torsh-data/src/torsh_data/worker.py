"""The DataLoader worker process: seeds its RNGs, runs worker_init_fn, then fetches and collates the index batches
it is sent and sends each batch back; get_worker_info() tells dataset code which worker it runs in."""

import os
import queue
import random
from dataclasses import dataclass

import numpy as np
from torsh_tensor import manual_seed

from . import shared
from .exception_wrapper import ExceptionWrapper
from .fetch import IterableFetcher, create_fetcher

# How often an idle worker checks that the process that started it is still alive.
CHECK_INTERVAL = 1.0


@dataclass(frozen=True)
class WorkerInfo:
    """Which worker this is (``id`` of ``num_workers``), its RNG ``seed``, and its own copy of the ``dataset``."""

    id: int
    num_workers: int
    seed: int
    dataset: object


_worker_info = None


def get_worker_info():
    """The WorkerInfo of this DataLoader worker process; None in the main process."""
    return _worker_info


def seed_worker(base_seed, worker_id):
    """Seed torsh and ``random`` with base_seed + worker_id and NumPy with a hash of both, as PyTorch does, so
    workers draw different numbers and a seeded run repeats."""
    seed = base_seed + worker_id
    random.seed(seed)
    manual_seed(seed)
    mask = (1 << 32) - 1
    np.random.seed(np.random.SeedSequence([worker_id, base_seed & mask, base_seed >> 32, 0]).generate_state(4))
    return seed


def worker_loop(kind, dataset, index_queue, result_conn, done_event, auto_collation, collate_fn, drop_last,
                base_seed, init_fn, worker_id, num_workers):
    """Serve ``(tag, task index, sampler index)`` tasks from ``index_queue`` until ``None`` arrives.

    Replies on ``result_conn``: ``("data", idx, packed batch or ExceptionWrapper)``, ``("stop", idx, None)`` when
    an iterable dataset is exhausted, ``("resume", generation, None)`` once a new epoch restarted the fetcher.
    """
    global _worker_info
    parent = os.getppid()
    where = f"in DataLoader worker process {worker_id}"

    def new_fetcher():
        """A fetcher, or the ExceptionWrapper to report for every batch when the dataset cannot be read."""
        try:
            return create_fetcher(kind, dataset, auto_collation, collate_fn, drop_last)
        except Exception:
            return ExceptionWrapper(where=where)

    try:
        _limit_threads()
        seed = seed_worker(base_seed, worker_id)
        _worker_info = WorkerInfo(id=worker_id, num_workers=num_workers, seed=seed, dataset=dataset)
        try:
            if init_fn is not None:
                init_fn(worker_id)
        except Exception:
            fetcher = ExceptionWrapper(where=where)
        else:
            fetcher = new_fetcher()
        ended = False
        while True:
            try:
                task = index_queue.get(timeout=CHECK_INTERVAL)
            except queue.Empty:
                if os.getppid() != parent:
                    return  # the main process is gone: do not linger as an orphan
                continue
            if task is None:
                return
            tag, idx, index = task
            if tag == "resume":
                if not isinstance(fetcher, ExceptionWrapper):
                    fetcher = new_fetcher()
                ended = False
                result_conn.send(("resume", idx, None))
            elif not (done_event.is_set() or ended):
                batch = _fetch(fetcher, index, where)
                if batch is StopIteration:
                    ended = True
                    result_conn.send(("stop", idx, None))
                else:
                    result_conn.send(("data", idx, _pack(batch, where)))
                del batch
    except (KeyboardInterrupt, BrokenPipeError):
        pass  # Ctrl-C reaches the whole process group and the main process reports it; a broken pipe: it is gone


def _limit_threads():
    """One C-kernel thread per worker, as PyTorch does: the main process and the other workers share the cores."""
    try:
        from torsh_backend.cpu_kernels import set_num_threads
    except ImportError:  # the C kernels are not built: nothing here runs multi-threaded
        return
    set_num_threads(1)


def _fetch(fetcher, index, where):
    """The collated batch; StopIteration (the class) when an iterable dataset ran out; else an ExceptionWrapper."""
    if isinstance(fetcher, ExceptionWrapper):
        return fetcher
    try:
        return fetcher.fetch(index)
    except StopIteration:
        if isinstance(fetcher, IterableFetcher):
            return StopIteration
        return ExceptionWrapper(where=where)
    except Exception:
        return ExceptionWrapper(where=where)


def _pack(batch, where):
    try:
        return shared.pack(batch)
    except Exception:  # e.g. a batch that cannot be pickled: report it rather than let the worker die
        return shared.pack(ExceptionWrapper(where=where))
