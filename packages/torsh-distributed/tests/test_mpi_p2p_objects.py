"""Point-to-point, object collectives and subgroups on 2+ ranks."""

import numpy as np
import pytest
import torsh_tensor as T
from torsh_core import dtypes as D

pytestmark = pytest.mark.mpi


def test_send_recv_ring(dist, arrays):
    size, rank = dist.get_world_size(), dist.get_rank()
    right, left = (rank + 1) % size, (rank - 1) % size
    received = T.zeros(3, 2, dtype=D.float64)
    if rank % 2 == 0:
        dist.send(T.from_numpy(arrays(rank, (3, 2))), dst=right)
        sender = dist.recv(received, src=left)
    else:
        sender = dist.recv(received)  # any source
        dist.send(T.from_numpy(arrays(rank, (3, 2))), dst=right)
    assert sender == left
    np.testing.assert_array_equal(received.numpy(), arrays(left, (3, 2)))


def test_isend_irecv(dist, arrays):
    size, rank = dist.get_world_size(), dist.get_rank()
    right, left = (rank + 1) % size, (rank - 1) % size
    received = T.zeros(5, dtype=D.float32)
    recv_work = dist.irecv(received, src=left, tag=7)
    send_work = dist.isend(T.from_numpy(arrays(rank, (5,), np.float32)), dst=right, tag=7)
    assert send_work.wait() and recv_work.wait()
    assert recv_work.is_completed() and recv_work.source_rank() == left
    np.testing.assert_array_equal(received.numpy(), arrays(left, (5,), np.float32))


def test_irecv_wait_timeout_then_completes(dist):
    rank = dist.get_rank()
    if rank == 0:
        box = T.zeros(2)
        work = dist.irecv(box, src=1, tag=99)
        with pytest.raises(RuntimeError, match="did not complete"):
            work.wait(timeout=0.05)
        assert not work.is_completed()
        dist.barrier()
        work.wait()
        np.testing.assert_array_equal(box.numpy(), [4.0, 2.0])
    else:
        dist.barrier()
        if rank == 1:
            dist.send(T.tensor([4.0, 2.0]), dst=0, tag=99)


def test_batch_isend_irecv(dist):
    size, rank = dist.get_world_size(), dist.get_rank()
    right, left = (rank + 1) % size, (rank - 1) % size
    box = T.zeros(1, dtype=D.int64)
    ops = [dist.P2POp(dist.isend, T.tensor([rank * 10]), right), dist.P2POp(dist.irecv, box, left)]
    for work in dist.batch_isend_irecv(ops):
        work.wait()
    assert box.item() == left * 10


def test_send_to_self_is_rejected(dist):
    with pytest.raises(ValueError, match="destination rank should not be the same"):
        dist.send(T.zeros(1), dst=dist.get_rank())


def test_object_collectives(dist):
    size, rank = dist.get_world_size(), dist.get_rank()
    objs = [{"rank": rank}, "x" * rank] if rank == 1 else [None, None]
    dist.broadcast_object_list(objs, src=1)
    assert objs == [{"rank": 1}, "x"]
    gathered = [None] * size
    dist.all_gather_object(gathered, (rank, T.tensor([float(rank)])))
    assert [g[0] for g in gathered] == list(range(size))
    assert [g[1].item() for g in gathered] == [float(r) for r in range(size)]
    out = [None] * size if rank == 0 else None
    dist.gather_object({"r": rank}, out, dst=0)
    if rank == 0:
        assert out == [{"r": r} for r in range(size)]
    got = [None]
    dist.scatter_object_list(got, [f"for {r}" for r in range(size)] if rank == 0 else None, src=0)
    assert got == [f"for {rank}"]


def test_send_recv_object_list(dist):
    rank = dist.get_rank()
    if rank == 0:
        dist.send_object_list([1, "two", {3: 4}], dst=1)
    elif rank == 1:
        box = [None, None, None]
        assert dist.recv_object_list(box, src=0) == 0
        assert box == [1, "two", {3: 4}]


def test_new_group_subset(dist, arrays):
    size, rank = dist.get_world_size(), dist.get_rank()
    members = list(range(1, size))  # everyone but rank 0
    sub = dist.new_group(members)
    if rank == 0:
        assert sub == dist.GroupMember.NON_GROUP_MEMBER
        assert dist.get_rank(sub) == -1 and dist.get_world_size(sub) == -1
        with pytest.warns(UserWarning, match="does not belong to the given group"):
            assert dist.all_reduce(T.zeros(1), group=sub) is None
        return
    assert dist.get_world_size(sub) == size - 1 and dist.get_rank(sub) == rank - 1
    assert dist.get_process_group_ranks(sub) == members
    assert dist.get_global_rank(sub, 0) == 1 and dist.get_group_rank(sub, rank) == rank - 1
    t = T.from_numpy(arrays(rank, (3,)))
    dist.all_reduce(t, group=sub)
    np.testing.assert_allclose(t.numpy(), sum(arrays(r, (3,)) for r in members), rtol=1e-12)
    t = T.from_numpy(arrays(rank, (3,)))
    dist.broadcast(t, src=size - 1, group=sub)  # src is a global rank
    np.testing.assert_array_equal(t.numpy(), arrays(size - 1, (3,)))
    with pytest.raises(ValueError, match="does not contain global rank 0"):
        dist.broadcast(t, src=0, group=sub)
    dist.destroy_process_group(sub)
