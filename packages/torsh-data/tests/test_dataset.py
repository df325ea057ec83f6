"""Datasets: indexing, combining and splitting, against the values PyTorch's definitions imply."""

import numpy as np
import pytest
import torsh_tensor as tt
from torsh_data import (
    ChainDataset,
    ConcatDataset,
    Dataset,
    IterableDataset,
    StackDataset,
    Subset,
    TensorDataset,
    random_split,
)


class Squares(Dataset):
    def __init__(self, n):
        self.n = n

    def __getitem__(self, i):
        if not 0 <= i < self.n:
            raise IndexError(i)
        return i * i

    def __len__(self):
        return self.n


class Stream(IterableDataset):
    def __init__(self, items):
        self.items = items

    def __iter__(self):
        return iter(self.items)

    def __len__(self):
        return len(self.items)


def test_tensor_dataset_rows_and_size_mismatch():
    x, y = tt.arange(12).reshape(4, 3), tt.tensor([1.0, 2.0, 3.0, 4.0])
    ds = TensorDataset(x, y)
    assert len(ds) == 4
    row, label = ds[2]
    np.testing.assert_array_equal(row.numpy(), [6, 7, 8])
    assert label.item() == 3.0
    with pytest.raises(AssertionError, match="Size mismatch between tensors"):
        TensorDataset(x, tt.zeros(3))


def test_base_classes_need_subclassing():
    with pytest.raises(NotImplementedError):
        Dataset()[0]
    with pytest.raises(NotImplementedError):
        iter(IterableDataset())


def test_concat_dataset_indexing_and_negative_indices():
    ds = ConcatDataset([Squares(2), Squares(3), Squares(1)])
    assert ds.cumulative_sizes == [2, 5, 6]
    assert len(ds) == 6
    assert [ds[i] for i in range(6)] == [0, 1, 0, 1, 4, 0]
    assert [ds[-i] for i in range(1, 7)] == [0, 4, 1, 0, 1, 0]
    with pytest.raises(ValueError, match="absolute value of index"):
        ds[-7]
    with pytest.raises(IndexError):
        ds[6]
    assert len(Squares(2) + Squares(4)) == 6


def test_concat_dataset_rejects_empty_and_iterable():
    with pytest.raises(AssertionError, match="empty"):
        ConcatDataset([])
    with pytest.raises(AssertionError, match="IterableDataset"):
        ConcatDataset([Squares(1), Stream([1])])


def test_chain_dataset():
    chained = Stream([1, 2]) + Stream([3])
    assert isinstance(chained, ChainDataset)
    assert list(chained) == [1, 2, 3]
    assert len(chained) == 3
    with pytest.raises(AssertionError, match="only supports IterableDataset"):
        list(ChainDataset([Stream([1]), Squares(2)]))


def test_subset_and_getitems():
    sub = Subset(Squares(10), [9, 0, 3])
    assert len(sub) == 3
    assert [sub[i] for i in range(3)] == [81, 0, 9]
    assert sub.__getitems__([2, 0]) == [9, 81]


def test_subset_subclass_must_override_getitems_too():
    class Doubled(Subset):
        def __getitem__(self, i):
            return 2 * super().__getitem__(i)

    with pytest.raises(NotImplementedError, match="__getitems__"):
        Doubled(Squares(3), [0, 1])


def test_stack_dataset_tuple_and_dict():
    a, b = Squares(3), Subset(Squares(5), [4, 3, 2])
    assert StackDataset(a, b)[1] == (1, 9)
    assert StackDataset(x=a, y=b)[2] == {"x": 4, "y": 4}
    assert StackDataset(a, b).__getitems__([0, 2]) == [(0, 16), (4, 4)]
    assert StackDataset(x=a, y=b).__getitems__([1]) == [{"x": 1, "y": 9}]
    with pytest.raises(ValueError, match="Size mismatch"):
        StackDataset(a, Squares(4))
    with pytest.raises(ValueError):
        StackDataset(a, y=b)
    with pytest.raises(ValueError):
        StackDataset()


@pytest.mark.parametrize("n, fractions, expected", [
    (10, [0.3, 0.7], [3, 7]),
    (10, [0.33, 0.33, 0.34], [4, 3, 3]),
    (11, [0.5, 0.5], [6, 5]),
    (7, [0.25, 0.25, 0.25, 0.25], [2, 2, 2, 1]),
])
def test_random_split_fractions_distribute_the_remainder_round_robin(n, fractions, expected):
    parts = random_split(Squares(n), fractions, generator=tt.Generator().manual_seed(0))
    assert [len(p) for p in parts] == expected
    indices = sorted(i for p in parts for i in p.indices)
    assert indices == list(range(n))


def test_random_split_lengths_generator_and_errors():
    parts = random_split(range(10), [3, 7], generator=tt.Generator().manual_seed(5))
    again = random_split(range(10), [3, 7], generator=tt.Generator().manual_seed(5))
    assert [p.indices for p in parts] == [p.indices for p in again]
    assert sorted(parts[0].indices + parts[1].indices) == list(range(10))
    assert [parts[0][i] for i in range(3)] == parts[0].indices
    with pytest.raises(ValueError, match="Sum of input lengths"):
        random_split(range(10), [3, 6])
    with pytest.raises(ValueError, match="Fraction at index 1 is not between 0 and 1"):
        random_split(range(10), [0.5, 1.2, -0.7])
    with pytest.warns(UserWarning, match="Length of split at index 1 is 0"):
        random_split(range(2), [0.9, 0.1])
