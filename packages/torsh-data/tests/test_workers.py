"""DataLoader with worker processes: order, seeding, worker info, persistence, sharding, and every way a loop can
end early (an error in a worker, a break, a timeout, a killed worker) without hanging or leaving processes."""

import gc
import math
import multiprocessing
import os
import random
import signal
import time

import numpy as np
import pytest
import torsh_core
import torsh_tensor as tt
from torsh_data import DataLoader, Dataset, IterableDataset, TensorDataset, get_worker_info, multiprocess

_INIT = {}


class Probe(Dataset):
    """Sample i tells which process built it and what that process's RNGs and worker info said."""

    def __init__(self, n):
        self.n = n

    def __getitem__(self, i):
        info = get_worker_info()
        return {
            "i": i,
            "pid": os.getpid(),
            "worker": -1 if info is None else info.id,
            "num_workers": -1 if info is None else info.num_workers,
            "init": _INIT.get("value", -1),
            "rand": [tt.rand(1).item(), float(np.random.rand()), random.random()],
        }

    def __len__(self):
        return self.n


class Faulty(Dataset):
    """Sample 3 raises (or kills its process, or stalls) in a way each test chooses."""

    def __init__(self, n, action):
        self.n, self.action = n, action

    def __getitem__(self, i):
        if i == 3:
            if self.action == "raise":
                raise ValueError(f"bad sample {i}")
            if self.action == "kill":
                os.kill(os.getpid(), signal.SIGKILL)
            if self.action == "stall":
                time.sleep(30)
        return i

    def __len__(self):
        return self.n


class Shards(IterableDataset):
    """range(start, end), split into contiguous shards among the workers via get_worker_info()."""

    def __init__(self, start, end):
        self.start, self.end = start, end

    def __iter__(self):
        info = get_worker_info()
        if info is None:
            return iter(range(self.start, self.end))
        per = math.ceil((self.end - self.start) / info.num_workers)
        lo = self.start + info.id * per
        return iter(range(lo, min(lo + per, self.end)))

    def __len__(self):
        return self.end - self.start


def _remember(worker_id):
    _INIT["value"] = 100 + worker_id


def _children_gone(timeout=2.0):
    deadline = time.monotonic() + timeout
    while multiprocessing.active_children() and time.monotonic() < deadline:
        time.sleep(0.02)
    return not multiprocessing.active_children()


@pytest.fixture(autouse=True)
def no_leftover_workers():
    yield
    gc.collect()
    assert _children_gone(), f"worker processes left behind: {multiprocessing.active_children()}"


@pytest.mark.parametrize("num_workers", [0, 1, 2])
def test_order_and_contents_match_the_single_process_loader(num_workers):
    x = tt.arange(22).reshape(11, 2)
    loader = DataLoader(TensorDataset(x, x * 0.5), batch_size=3, num_workers=num_workers)
    batches = list(loader)
    assert len(batches) == len(loader) == 4
    np.testing.assert_array_equal(np.concatenate([b[0].numpy() for b in batches]), x.numpy())
    np.testing.assert_array_equal(np.concatenate([b[1].numpy() for b in batches]), x.numpy() * 0.5)
    assert batches[1][1].dtype == torsh_core.float32


def test_worker_info_init_fn_and_round_robin_assignment():
    assert get_worker_info() is None
    batches = list(DataLoader(Probe(8), batch_size=2, num_workers=2, worker_init_fn=_remember))
    assert [b["i"].tolist() for b in batches] == [[0, 1], [2, 3], [4, 5], [6, 7]]
    assert [b["worker"].tolist() for b in batches] == [[0, 0], [1, 1], [0, 0], [1, 1]]
    assert all(b["num_workers"].tolist() == [2, 2] for b in batches)
    assert [b["init"].tolist()[0] for b in batches] == [100, 101, 100, 101]
    pids = {b["pid"][0].item() for b in batches}
    assert len(pids) == 2 and os.getpid() not in pids


def test_workers_are_seeded_apart_and_reproducibly():
    def draws():
        return [b["rand"] for b in DataLoader(Probe(2), batch_size=1, num_workers=2)]

    tt.manual_seed(7)
    first = draws()
    tt.manual_seed(7)
    assert draws() == first
    for source in range(3):  # torsh, numpy, random: worker 0 and worker 1 differ
        assert first[0][source].item() != first[1][source].item()


def test_persistent_workers_survive_epochs_and_an_early_break():
    loader = DataLoader(Probe(6), batch_size=2, num_workers=2, persistent_workers=True)
    epoch1 = list(loader)
    for _batch in loader:  # stop early: the next epoch must not see this one's leftovers
        break
    epoch2 = list(loader)
    assert [b["i"].tolist() for b in epoch1] == [b["i"].tolist() for b in epoch2] == [[0, 1], [2, 3], [4, 5]]
    pids = {b["pid"][0].item() for b in epoch1 + epoch2}
    assert len(pids) == 2  # the same two processes throughout
    assert len(multiprocessing.active_children()) == 2
    del loader, _batch
    assert _children_gone()


def test_iterable_dataset_sharded_by_worker_info():
    loader = DataLoader(Shards(3, 10), batch_size=2, num_workers=2)
    batches = [b.tolist() for b in loader]
    # worker 0 reads 3..6, worker 1 reads 7..9; their batches alternate
    assert batches == [[3, 4], [7, 8], [5, 6], [9]]
    assert sorted(x for b in batches for x in b) == list(range(3, 10))
    unbatched = [int(x) for x in DataLoader(Shards(3, 7), batch_size=None, num_workers=2)]
    assert unbatched == [3, 5, 4, 6]


def test_iterable_dataset_without_sharding_is_read_by_every_worker():
    class Plain(IterableDataset):
        def __iter__(self):
            return iter(range(3))

    items = [b.item() for b in DataLoader(Plain(), num_workers=2)]
    assert sorted(items) == [0, 0, 1, 1, 2, 2]


def test_iterable_dataset_over_persistent_epochs():
    loader = DataLoader(Shards(0, 5), batch_size=2, num_workers=2, persistent_workers=True)
    assert [b.tolist() for b in loader] == [[0, 1], [3, 4], [2]]
    assert [b.tolist() for b in loader] == [[0, 1], [3, 4], [2]]


def test_error_in_worker_is_reraised_with_its_traceback():
    loader = DataLoader(Faulty(8, "raise"), batch_size=2, num_workers=2)
    with pytest.raises(ValueError) as info:
        list(loader)
    message = str(info.value)
    assert "Caught ValueError in DataLoader worker process 1." in message
    assert 'raise ValueError(f"bad sample {i}")' in message
    assert "ValueError: bad sample 3" in message
    assert _children_gone()  # even though `info` still holds the error


def test_loop_can_continue_after_a_worker_error():
    it = iter(DataLoader(Faulty(8, "raise"), batch_size=2, num_workers=2))
    assert next(it).tolist() == [0, 1]
    with pytest.raises(ValueError):
        next(it)
    assert next(it).tolist() == [4, 5]
    del it


def test_early_break_and_deletion_stop_the_workers():
    loader = DataLoader(Probe(200), batch_size=2, num_workers=2)
    for _ in loader:
        break
    assert _children_gone(0.5)
    it = iter(loader)
    next(it)
    assert len(multiprocessing.active_children()) == 2
    del it
    assert _children_gone(0.5)


def test_timeout_raises_runtime_error(monkeypatch):
    monkeypatch.setattr(multiprocess, "SHUTDOWN_GRACE", 0.5)  # then terminate the stalled worker
    loader = DataLoader(Faulty(8, "stall"), batch_size=2, num_workers=1, timeout=1)
    it = iter(loader)
    assert next(it).tolist() == [0, 1]  # the next batch holds sample 3, which stalls
    with pytest.raises(RuntimeError, match=r"DataLoader timed out after 1 seconds"):
        next(it)
    del it


def test_killed_worker_is_reported_with_pid_and_signal():
    loader = DataLoader(Faulty(8, "kill"), batch_size=2, num_workers=2)
    with pytest.raises(RuntimeError, match=r"DataLoader worker \(pid\(s\) \d+\) exited unexpectedly.*SIGKILL"):
        list(loader)
    assert _children_gone()


def test_error_in_worker_init_fn_is_reported_for_the_batch():
    def broken_init(worker_id):
        raise KeyError("no config")

    with pytest.raises(KeyError, match="Caught KeyError in DataLoader worker process 0"):
        list(DataLoader(Probe(2), num_workers=1, worker_init_fn=broken_init))


def test_large_batches_come_through_shared_memory_without_leaking_segments():
    before = set(os.listdir("/dev/shm")) if os.path.isdir("/dev/shm") else set()
    x = tt.randn(16, 8192)  # 4 rows of float32 = 128 KiB per batch
    batches = list(DataLoader(TensorDataset(x), batch_size=4, num_workers=2))
    np.testing.assert_array_equal(np.concatenate([b[0].numpy() for b in batches]), x.numpy())
    if before:
        leaked = {n for n in set(os.listdir("/dev/shm")) - before if n.startswith("psm_")}
        assert not leaked


def test_spawn_context():
    x = tt.arange(6)
    loader = DataLoader(TensorDataset(x), batch_size=4, num_workers=1, multiprocessing_context="spawn")
    assert [b[0].tolist() for b in loader] == [[0, 1, 2, 3], [4, 5]]


def test_out_of_order_delivery_returns_everything():
    loader = DataLoader(Probe(8), batch_size=2, num_workers=2, in_order=False)
    got = sorted(x for b in loader for x in b["i"].tolist())
    assert got == list(range(8))
