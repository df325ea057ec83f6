"""Samplers: which indices, how many, and reproducibility through generators."""

import pytest
import torsh_tensor as tt
from torsh_data import (
    BatchSampler,
    RandomSampler,
    Sampler,
    SequentialSampler,
    SubsetRandomSampler,
    WeightedRandomSampler,
)


def test_sequential_sampler():
    s = SequentialSampler(range(5))
    assert list(s) == [0, 1, 2, 3, 4] and len(s) == 5


def test_sampler_base_needs_iter():
    with pytest.raises(NotImplementedError):
        iter(Sampler())


def test_random_sampler_is_a_permutation_and_reproducible():
    s = RandomSampler(range(20), generator=tt.Generator().manual_seed(1))
    first = list(s)
    assert sorted(first) == list(range(20)) and len(s) == 20
    assert list(RandomSampler(range(20), generator=tt.Generator().manual_seed(1))) == first
    tt.manual_seed(3)
    a = list(RandomSampler(range(20)))
    tt.manual_seed(3)
    assert list(RandomSampler(range(20))) == a


def test_random_sampler_num_samples_without_replacement_cycles_permutations():
    out = list(RandomSampler(range(4), num_samples=10, generator=tt.Generator().manual_seed(0)))
    assert len(out) == 10
    assert sorted(out[:4]) == sorted(out[4:8]) == [0, 1, 2, 3]
    assert set(out[8:]) <= {0, 1, 2, 3} and len(set(out[8:])) == 2


def test_random_sampler_with_replacement():
    s = RandomSampler(range(3), replacement=True, num_samples=70, generator=tt.Generator().manual_seed(0))
    out = list(s)
    assert len(out) == 70 == len(s)
    assert set(out) == {0, 1, 2}


def test_random_sampler_argument_errors():
    with pytest.raises(TypeError, match="replacement should be a boolean"):
        RandomSampler(range(3), replacement=1)
    with pytest.raises(ValueError, match="num_samples should be a positive integer"):
        RandomSampler(range(3), num_samples=0)
    with pytest.raises(ValueError, match="num_samples=0"):
        RandomSampler([])


def test_subset_random_sampler():
    s = SubsetRandomSampler([10, 20, 30], generator=tt.Generator().manual_seed(0))
    assert sorted(s) == [10, 20, 30] and len(s) == 3


def test_weighted_random_sampler():
    s = WeightedRandomSampler([0.0, 1.0, 0.0, 3.0], 50, generator=tt.Generator().manual_seed(0))
    out = list(s)
    assert len(out) == 50 == len(s) and set(out) <= {1, 3}
    assert out.count(3) > out.count(1)
    no_repeat = list(WeightedRandomSampler([1, 1, 1], 3, replacement=False))
    assert sorted(no_repeat) == [0, 1, 2]
    with pytest.raises(ValueError, match="num_samples should be a positive integer"):
        WeightedRandomSampler([1.0], True)
    with pytest.raises(ValueError, match="replacement should be a boolean"):
        WeightedRandomSampler([1.0], 1, replacement="yes")
    with pytest.raises(ValueError, match=r"weights should be a 1d sequence but given weights have shape \(2, 1\)"):
        WeightedRandomSampler([[1.0], [2.0]], 1)


@pytest.mark.parametrize("drop_last, expected", [
    (False, [[0, 1, 2], [3, 4, 5], [6]]),
    (True, [[0, 1, 2], [3, 4, 5]]),
])
def test_batch_sampler(drop_last, expected):
    s = BatchSampler(SequentialSampler(range(7)), 3, drop_last)
    assert list(s) == expected and len(s) == len(expected)
    assert list(BatchSampler(range(6), 3, drop_last)) == [[0, 1, 2], [3, 4, 5]]


def test_batch_sampler_argument_errors():
    for bad in (0, -1, True, 2.0):
        with pytest.raises(ValueError, match="batch_size should be a positive integer value"):
            BatchSampler(range(3), bad, False)
    with pytest.raises(ValueError, match="drop_last should be a boolean value"):
        BatchSampler(range(3), 2, 0)
