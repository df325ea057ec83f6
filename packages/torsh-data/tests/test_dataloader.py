"""DataLoader in the calling process: batching, shuffling, lengths and PyTorch's argument checks."""

import multiprocessing

import numpy as np
import pytest
import torsh_core
import torsh_tensor as tt
from torsh_data import BatchSampler, DataLoader, Dataset, IterableDataset, SequentialSampler, TensorDataset


class Range(IterableDataset):
    def __init__(self, n, with_len=True):
        self.n, self.with_len = n, with_len

    def __iter__(self):
        return iter(range(self.n))

    def __len__(self):
        if not self.with_len:
            raise TypeError("no len")
        return self.n


class Items(Dataset):
    def __init__(self, items):
        self.items = items

    def __getitem__(self, i):
        return self.items[i]

    def __len__(self):
        return len(self.items)


def _rows(batches):
    return [b.tolist() for b in batches]


def test_batches_in_order_with_and_without_drop_last():
    ds = TensorDataset(tt.arange(7))
    assert [b[0].tolist() for b in DataLoader(ds, batch_size=3)] == [[0, 1, 2], [3, 4, 5], [6]]
    loader = DataLoader(ds, batch_size=3, drop_last=True)
    assert [b[0].tolist() for b in loader] == [[0, 1, 2], [3, 4, 5]]
    assert len(loader) == 2 and len(DataLoader(ds, batch_size=3)) == 3


def test_default_batch_size_is_one_and_none_disables_batching():
    loader = DataLoader(Items([1.5, 2.5]))
    batches = list(loader)
    assert [b.dtype for b in batches] == [torsh_core.float64] * 2 and _rows(batches) == [[1.5], [2.5]]
    unbatched = list(DataLoader(Items([np.ones(2), np.zeros(2)]), batch_size=None))
    assert all(isinstance(b, tt.Tensor) and b.shape == (2,) for b in unbatched)  # default_convert
    assert list(DataLoader(Items([1, 2]), batch_size=None)) == [1, 2]


def test_shuffle_is_a_permutation_and_follows_manual_seed():
    ds = Items(list(range(20)))
    tt.manual_seed(0)
    first = [x for b in DataLoader(ds, batch_size=5, shuffle=True) for x in b.tolist()]
    tt.manual_seed(0)
    again = [x for b in DataLoader(ds, batch_size=5, shuffle=True) for x in b.tolist()]
    assert sorted(first) == list(range(20)) and first == again and first != list(range(20))
    g = tt.Generator().manual_seed(4)
    with_gen = [x for b in DataLoader(ds, batch_size=5, shuffle=True, generator=g) for x in b.tolist()]
    assert sorted(with_gen) == list(range(20))


def test_custom_samplers_and_collate_fn():
    ds = Items(list(range(6)))
    assert _rows(DataLoader(ds, sampler=[5, 3, 1], batch_size=2)) == [[5, 3], [1]]
    loader = DataLoader(ds, batch_sampler=BatchSampler(SequentialSampler(ds), 4, False))
    assert _rows(loader) == [[0, 1, 2, 3], [4, 5]] and len(loader) == 2
    assert list(DataLoader(ds, batch_size=3, collate_fn=sum)) == [3, 12]


def test_iterable_dataset_batching_and_len():
    assert _rows(DataLoader(Range(5), batch_size=2)) == [[0, 1], [2, 3], [4]]
    assert _rows(DataLoader(Range(5), batch_size=2, drop_last=True)) == [[0, 1], [2, 3]]
    assert len(DataLoader(Range(5), batch_size=2)) == 3
    assert len(DataLoader(Range(5), batch_size=2, drop_last=True)) == 2
    assert len(DataLoader(Range(5), batch_size=None)) == 5
    with pytest.raises(TypeError):
        len(DataLoader(Range(5, with_len=False)))


def test_iterable_dataset_longer_than_its_len_warns():
    class Liar(Range):
        def __len__(self):
            return 2

    loader = DataLoader(Liar(4), batch_size=1)
    assert len(loader) == 2
    with pytest.warns(UserWarning, match="was reported to be 2"):
        list(loader)


@pytest.mark.parametrize("kwargs, message", [
    (dict(num_workers=-1), "num_workers option should be non-negative"),
    (dict(timeout=-1), "timeout option should be non-negative"),
    (dict(prefetch_factor=2), "prefetch_factor option could only be specified in multiprocessing"),
    (dict(num_workers=1, prefetch_factor=-1), "prefetch_factor option should be non-negative"),
    (dict(persistent_workers=True), "persistent_workers option needs num_workers > 0"),
    (dict(sampler=[0, 1], shuffle=True), "sampler option is mutually exclusive with shuffle"),
    (dict(batch_sampler=[[0]], batch_size=2), "batch_sampler option is mutually exclusive"),
    (dict(batch_sampler=[[0]], drop_last=True), "batch_sampler option is mutually exclusive"),
    (dict(batch_size=None, drop_last=True), "batch_size=None option disables auto-batching"),
    (dict(multiprocessing_context="fork"), "multiprocessing_context can only be used with multi-process"),
    (dict(num_workers=1, multiprocessing_context="bogus"), "should specify a valid start method"),
])
def test_argument_errors_are_value_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        DataLoader(Items([1, 2]), **kwargs)


def test_iterable_dataset_refuses_shuffle_and_samplers():
    for kwargs in (dict(shuffle=True), dict(sampler=[0]), dict(batch_sampler=[[0]])):
        with pytest.raises(ValueError, match="DataLoader with IterableDataset: expected unspecified"):
            DataLoader(Range(3), **kwargs)
    DataLoader(Range(3), shuffle=False)


def test_context_must_be_a_context_and_accepts_objects():
    with pytest.raises(TypeError, match="multiprocessing_context option should be a valid context"):
        DataLoader(Items([1]), num_workers=1, multiprocessing_context=3)
    loader = DataLoader(Items([1]), num_workers=1, multiprocessing_context=multiprocessing.get_context("spawn"))
    assert loader.multiprocessing_context.get_start_method() == "spawn"


def test_batching_attributes_are_frozen_after_init():
    loader = DataLoader(Items([1, 2]))
    for name in ("batch_size", "sampler", "batch_sampler", "drop_last", "dataset", "persistent_workers"):
        with pytest.raises(ValueError, match=f"{name} attribute should not be set after DataLoader is initialized"):
            setattr(loader, name, None)
    loader.num_workers = 0


def test_timeout_needs_workers():
    with pytest.raises(AssertionError, match="num_workers > 0"):
        iter(DataLoader(Items([1]), timeout=1))


def test_pin_memory_without_gpu_warns_and_loads():
    from torsh_backend import cuda_available

    if cuda_available():
        pytest.skip("a GPU is present")
    with pytest.warns(UserWarning, match="no accelerator is found"):
        assert _rows(DataLoader(Items([1, 2]), batch_size=2, pin_memory=True)) == [[1, 2]]


def test_iterator_cannot_be_pickled():
    import pickle

    with pytest.raises(NotImplementedError):
        pickle.dumps(iter(DataLoader(Items([1]))))
