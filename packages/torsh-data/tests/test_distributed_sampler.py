"""DistributedSampler: every epoch is split exactly across ranks, padded or trimmed as PyTorch does."""

import sys

import pytest
from torsh_data import DistributedSampler


@pytest.mark.parametrize("world", [1, 2, 3, 4])
@pytest.mark.parametrize("n", [1, 7, 8, 10])
@pytest.mark.parametrize("shuffle", [False, True])
def test_ranks_partition_the_epoch(world, n, shuffle):
    for drop_last in (False, True):
        samplers = [DistributedSampler(range(n), world, r, shuffle=shuffle, seed=3, drop_last=drop_last)
                    for r in range(world)]
        shares = [list(s) for s in samplers]
        assert all(len(share) == len(s) == samplers[0].num_samples for share, s in zip(shares, samplers))
        every = [i for share in shares for i in share]
        if drop_last:
            assert len(every) == n // world * world
            assert len(set(every)) == len(every)  # nothing repeated, the tail dropped
        else:
            assert len(every) == -(-n // world) * world
            assert set(every) == set(range(n))  # everything seen, a few repeated as padding
            assert len(every) - len(set(every)) == len(every) - n


def test_padding_repeats_the_first_indices_and_ranks_interleave():
    shares = [list(DistributedSampler(range(5), 4, r, shuffle=False)) for r in range(4)]
    assert shares == [[0, 4], [1, 0], [2, 1], [3, 2]]
    shares = [list(DistributedSampler(range(2), 4, r, shuffle=False)) for r in range(4)]
    assert shares == [[0], [1], [0], [1]]
    shares = [list(DistributedSampler(range(5), 2, r, shuffle=False, drop_last=True)) for r in range(2)]
    assert shares == [[0, 2], [1, 3]]


def test_set_epoch_reshuffles_the_same_way_on_every_rank():
    a, b = DistributedSampler(range(50), 2, 0, seed=1), DistributedSampler(range(50), 2, 1, seed=1)
    first = list(a)
    assert list(a) == first
    a.set_epoch(1)
    b.set_epoch(1)
    second = list(a)
    assert second != first
    assert sorted(second + list(b)) == list(range(50))


def test_needs_num_replicas_and_rank_without_a_process_group(monkeypatch):
    monkeypatch.delitem(sys.modules, "torsh_distributed", raising=False)
    with pytest.raises(ValueError, match="pass num_replicas and rank"):
        DistributedSampler(range(4))
    with pytest.raises(ValueError, match="rank"):
        DistributedSampler(range(4), num_replicas=2)
    with pytest.raises(ValueError, match=r"Invalid rank 2, rank should be in the interval \[0, 1\]"):
        DistributedSampler(range(4), 2, 2)
    with pytest.raises(ValueError, match="Invalid rank -1"):
        DistributedSampler(range(4), 2, -1)


def test_defaults_come_from_an_initialized_process_group(monkeypatch):
    class FakeDistributed:
        is_initialized = staticmethod(lambda: True)
        get_world_size = staticmethod(lambda: 3)
        get_rank = staticmethod(lambda: 2)

    monkeypatch.setitem(sys.modules, "torsh_distributed", FakeDistributed)
    s = DistributedSampler(range(9), shuffle=False)
    assert (s.num_replicas, s.rank, list(s)) == (3, 2, [2, 5, 8])
