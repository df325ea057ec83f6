"""The multi-process DataLoader iterator: worker processes fetch and collate, batches come back in order.

Each worker has its own index queue (tasks in) and its own pipe (batches out). Up to prefetch_factor tasks per
worker are in flight; results that arrive early wait in a reorder buffer. Waiting watches the pipes and the
workers' process sentinels together, so a dead worker is noticed at once rather than by polling.
"""

import itertools
import multiprocessing
import os
import signal
import sys
import time
from multiprocessing.connection import wait

from torsh_core.errors import TorshRuntimeError

from . import shared
from .errors import DataAssertionError
from .exception_wrapper import ExceptionWrapper
from .loader_iter import LoaderFailure, _BaseDataLoaderIter
from .worker import worker_loop

# How long shutdown waits for workers to exit by themselves before terminating them.
SHUTDOWN_GRACE = 5.0


def default_context():
    """The start method set by the program if any, else 'fork' on Linux (PyTorch's default there)."""
    method = multiprocessing.get_start_method(allow_none=True)
    if method is None and sys.platform.startswith("linux"):
        method = "fork"
    return multiprocessing.get_context(method)


class _MultiProcessingDataLoaderIter(_BaseDataLoaderIter):
    _shutdown = True  # until workers exist

    def __init__(self, loader):
        super().__init__(loader)
        self._prefetch_factor = loader.prefetch_factor
        self._in_order = loader.in_order
        if not self._prefetch_factor or self._prefetch_factor <= 0:
            raise DataAssertionError(f"prefetch_factor must be greater than 0, got {self._prefetch_factor}")
        ctx = loader.multiprocessing_context or default_context()
        shared.prepare()
        self._done_event = ctx.Event()
        self._index_queues, self._conns, self._workers = [], [], []
        self._owner = os.getpid()  # a forked child holding a copy of this object must not shut anything down
        self._shutdown = False
        self._generation = 0
        try:
            for worker_id in range(self._num_workers):
                self._start_worker(ctx, loader, worker_id)
        except BaseException:
            self._shutdown_workers()
            raise
        self._reset(loader, first_iter=True)

    def _start_worker(self, ctx, loader, worker_id):
        index_queue = ctx.Queue()
        index_queue.cancel_join_thread()  # exiting must never wait on a worker that stopped reading
        reader, writer = ctx.Pipe(duplex=False)
        args = (self._dataset_kind, self._dataset, index_queue, writer, self._done_event, self._auto_collation,
                self._collate_fn, self._drop_last, self._base_seed, loader.worker_init_fn, worker_id,
                self._num_workers)
        process = ctx.Process(target=worker_loop, args=args, daemon=True)
        self._index_queues.append(index_queue)
        self._conns.append(reader)
        try:
            process.start()
        finally:
            writer.close()  # only the worker writes: its exit then reads as EOF here
        self._workers.append(process)

    # -- epochs ------------------------------------------------------------------------------------------------
    def _reset(self, loader, first_iter=False):
        super()._reset(loader, first_iter)
        self._send_idx = 0
        self._pending = {}  # task index -> worker id, for every task sent but not yet returned by __next__
        self._results = {}  # task index -> batch received ahead of its turn
        self._active = [True] * self._num_workers
        self._next_worker = itertools.cycle(range(self._num_workers))
        if not first_iter:
            try:
                self._resume_workers()
            except LoaderFailure as failure:
                raise failure.error from None
        self._fill()

    def _resume_workers(self):
        """Restart every (persistent) worker's fetcher and throw away results of the previous epoch."""
        self._generation += 1
        for q in self._index_queues:
            q.put(("resume", self._generation, None))
        waiting = set(range(self._num_workers))
        while waiting:
            for worker_id in self._poll(waiting):
                message = self._recv(worker_id)
                if message[0] == "resume" and message[1] == self._generation:
                    waiting.discard(worker_id)
                elif message[0] == "data":
                    shared.discard(message[2])

    def _fill(self):
        """Send tasks until prefetch_factor per worker are in flight or the sampler is exhausted."""
        while len(self._pending) < self._prefetch_factor * self._num_workers and any(self._active):
            try:
                index = self._next_index()
            except StopIteration:
                return
            worker_id = next(w for w in self._next_worker if self._active[w])
            self._index_queues[worker_id].put(("task", self._send_idx, index))
            self._pending[self._send_idx] = worker_id
            self._send_idx += 1

    # -- batches -----------------------------------------------------------------------------------------------
    def _next_data(self):
        while True:
            if self._shutdown:
                raise StopIteration
            # tasks sent to a worker whose iterable dataset ran out will never be answered
            for idx in [i for i, w in self._pending.items() if not self._active[w] and i not in self._results]:
                del self._pending[idx]
            if not self._pending:
                if not self._persistent_workers:
                    self._shutdown_workers()
                raise StopIteration
            if self._in_order:
                idx = min(self._pending)
            else:
                idx = next(iter(self._results), None)
            if idx in self._results:
                del self._pending[idx]
                batch = self._results.pop(idx)
                self._fill()
                if isinstance(batch, ExceptionWrapper):
                    raise LoaderFailure(batch.to_exception())
                return batch
            for worker_id in self._poll():
                self._receive(worker_id)

    def _receive(self, worker_id):
        tag, idx, payload = self._recv(worker_id)
        if tag == "data":
            self._results[idx] = shared.unpack(payload)
        elif tag == "stop":
            self._active[worker_id] = False
            self._fill()

    def _recv(self, worker_id):
        try:
            return self._conns[worker_id].recv()
        except (EOFError, OSError):
            self._fail([worker_id])

    def _poll(self, worker_ids=None):
        """Ids of workers (among ``worker_ids``) with a message waiting: fails if a worker died or on timeout."""
        conns = {self._conns[w]: w for w in (range(self._num_workers) if worker_ids is None else worker_ids)}
        sentinels = {p.sentinel: w for w, p in enumerate(self._workers)}
        ready = wait([*conns, *sentinels], timeout=self._timeout if self._timeout > 0 else None)
        got = [conns[r] for r in ready if r in conns]
        if got:
            return got
        if ready:
            self._fail([sentinels[r] for r in ready])
        raise LoaderFailure(TorshRuntimeError(f"DataLoader timed out after {self._timeout} seconds"))

    def _fail(self, dead):
        """Shut everything down and report the workers that died (pid and how they ended)."""
        for w in dead:
            self._workers[w].join(SHUTDOWN_GRACE)  # its pipes close a moment before its exit status is ready
        pids = ", ".join(str(self._workers[w].pid) for w in dead)
        how = "; ".join(f"worker {w} (pid {self._workers[w].pid}) {_how_it_ended(self._workers[w])}" for w in dead)
        self._shutdown_workers()
        raise LoaderFailure(TorshRuntimeError(f"DataLoader worker (pid(s) {pids}) exited unexpectedly: {how}"))

    # -- shutdown ----------------------------------------------------------------------------------------------
    def _shutdown_workers(self):
        """Ask the workers to stop, free the batches still on their way, and terminate any that do not exit."""
        if self._shutdown or os.getpid() != self._owner:
            return
        self._shutdown = True
        try:
            self._done_event.set()
            for q in self._index_queues:
                q.put(None)
            self._drain(time.monotonic() + SHUTDOWN_GRACE)
        finally:
            for process in self._workers:
                if process.is_alive():
                    process.terminate()
                    process.join(SHUTDOWN_GRACE)
                if process.is_alive():
                    process.kill()
                    process.join()
            for q in self._index_queues:
                q.close()
            for conn in self._conns:
                conn.close()

    def _drain(self, deadline):
        """Read (and discard) what the workers still send until every pipe reads EOF, i.e. every worker exited,
        or the deadline passes."""
        open_conns = self._conns[: len(self._workers)]
        while open_conns and time.monotonic() < deadline:
            for conn in wait(open_conns, timeout=deadline - time.monotonic()):
                try:
                    message = conn.recv()
                except (EOFError, OSError):
                    open_conns.remove(conn)
                    continue
                if message[0] == "data":
                    shared.discard(message[2])

    def __del__(self):
        if not sys.is_finalizing():
            self._shutdown_workers()


def _how_it_ended(process):
    code = process.exitcode
    if code is not None and code < 0:
        try:
            return f"was killed by signal {-code} ({signal.Signals(-code).name})"
        except ValueError:
            return f"was killed by signal {-code}"
    return f"exited with code {code}"
