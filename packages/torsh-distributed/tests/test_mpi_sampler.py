"""torsh_data's DistributedSampler with its defaults taken from the initialized group: one epoch is split
exactly between the ranks."""

import pytest
from torsh_data import DistributedSampler

pytestmark = pytest.mark.mpi


def _everyones(dist, indices):
    gathered = [None] * dist.get_world_size()
    dist.all_gather_object(gathered, list(indices))
    return gathered


@pytest.mark.parametrize("shuffle", [False, True])
def test_epoch_is_partitioned_exactly(dist, shuffle):
    size = dist.get_world_size()
    n = 12 * size
    sampler = DistributedSampler(range(n), shuffle=shuffle, seed=3)
    assert (sampler.num_replicas, sampler.rank) == (size, dist.get_rank())
    for epoch in range(2):
        sampler.set_epoch(epoch)
        parts = _everyones(dist, sampler)
        assert all(len(p) == n // size for p in parts)
        assert sorted(i for p in parts for i in p) == list(range(n))


def test_uneven_dataset_pads_or_drops(dist):
    size = dist.get_world_size()
    n = 5 * size + 1
    padded = _everyones(dist, DistributedSampler(range(n), shuffle=False))
    assert all(len(p) == 6 for p in padded)
    assert set(i for p in padded for i in p) == set(range(n))
    dropped = _everyones(dist, DistributedSampler(range(n), shuffle=True, drop_last=True))
    flat = [i for p in dropped for i in p]
    assert all(len(p) == 5 for p in dropped) and len(set(flat)) == len(flat) == 5 * size
