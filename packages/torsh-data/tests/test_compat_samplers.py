"""Lengths, deterministic index orders, argument errors and worker-error messages against torch.utils.data."""

import pytest

torch = pytest.importorskip("torch")
import torsh_data as ours  # noqa: E402
from torch.utils import data as tdata  # noqa: E402

pytestmark = pytest.mark.compat


@pytest.mark.parametrize("n, lengths", [
    (10, [0.3, 0.7]), (10, [0.33, 0.33, 0.34]), (11, [0.5, 0.5]), (7, [0.25] * 4), (100, [0.1] * 10),
    (13, [0.6, 0.4]), (10, [3, 7]), (5, [1.0]),
])
def test_random_split_lengths(n, lengths):
    assert [len(s) for s in ours.random_split(range(n), lengths)] == \
           [len(s) for s in tdata.random_split(range(n), lengths)]


@pytest.mark.parametrize("n", [1, 7, 10])
@pytest.mark.parametrize("batch_size", [1, 3, 4])
@pytest.mark.parametrize("drop_last", [False, True])
def test_batch_sampler_and_loader_lengths_and_orders(n, batch_size, drop_last):
    assert list(ours.BatchSampler(ours.SequentialSampler(range(n)), batch_size, drop_last)) == \
           list(tdata.BatchSampler(tdata.SequentialSampler(range(n)), batch_size, drop_last))
    assert len(ours.DataLoader(range(n), batch_size=batch_size, drop_last=drop_last)) == \
           len(tdata.DataLoader(range(n), batch_size=batch_size, drop_last=drop_last))
    kw = dict(replacement=True, num_samples=n + 5)
    assert len(ours.RandomSampler(range(n), **kw)) == len(tdata.RandomSampler(range(n), **kw))
    assert len(ours.WeightedRandomSampler([1.0] * n, n + 2)) == len(tdata.WeightedRandomSampler([1.0] * n, n + 2))


@pytest.mark.parametrize("n", [1, 5, 8, 11])
@pytest.mark.parametrize("world", [1, 2, 3, 4])
@pytest.mark.parametrize("drop_last", [False, True])
def test_distributed_sampler_without_shuffle_gives_torchs_indices(n, world, drop_last):
    for rank in range(world):
        a = ours.DistributedSampler(range(n), world, rank, shuffle=False, drop_last=drop_last)
        b = tdata.DistributedSampler(range(n), world, rank, shuffle=False, drop_last=drop_last)
        assert (list(a), len(a), a.total_size) == (list(b), len(b), b.total_size)


def test_iterable_dataset_loader_length():
    class Ours(ours.IterableDataset):
        def __iter__(self):
            return iter(range(7))

        def __len__(self):
            return 7

    class Theirs(tdata.IterableDataset):
        __iter__, __len__ = Ours.__iter__, Ours.__len__

    for kw in (dict(batch_size=2), dict(batch_size=2, drop_last=True), dict(batch_size=None)):
        assert len(ours.DataLoader(Ours(), **kw)) == len(tdata.DataLoader(Theirs(), **kw))
        assert [b.tolist() if hasattr(b, "tolist") else b for b in ours.DataLoader(Ours(), **kw)] == \
               [b.tolist() if hasattr(b, "tolist") else b for b in tdata.DataLoader(Theirs(), **kw)]


@pytest.mark.parametrize("kwargs", [
    dict(num_workers=-1), dict(timeout=-1), dict(prefetch_factor=2), dict(num_workers=1, prefetch_factor=-1),
    dict(persistent_workers=True), dict(sampler=[0], shuffle=True), dict(batch_sampler=[[0]], batch_size=2),
    dict(batch_size=None, drop_last=True), dict(multiprocessing_context="fork"),
    dict(num_workers=1, multiprocessing_context="nope"), dict(num_workers=1, multiprocessing_context=3),
])
def test_loader_argument_errors(kwargs):
    with pytest.raises(Exception) as theirs:
        tdata.DataLoader(range(3), **kwargs)
    with pytest.raises(type(theirs.value)) as mine:
        ours.DataLoader(range(3), **kwargs)
    assert str(mine.value) == str(theirs.value)


def test_sampler_argument_errors():
    cases = [
        (lambda m: m.BatchSampler(range(3), 0, False)),
        (lambda m: m.BatchSampler(range(3), 2, None)),
        (lambda m: m.RandomSampler(range(3), replacement=1)),
        (lambda m: m.RandomSampler(range(3), num_samples=-2)),
        (lambda m: m.WeightedRandomSampler([1.0], 0)),
        (lambda m: m.WeightedRandomSampler([[1.0]], 1)),
        (lambda m: m.DistributedSampler(range(3), 2, 5)),
    ]
    for make in cases:
        with pytest.raises(Exception) as theirs:
            make(tdata)
        with pytest.raises(type(theirs.value)) as mine:
            make(ours)
        assert str(mine.value) == str(theirs.value)


def test_worker_error_message_has_torchs_shape():
    from torch._utils import ExceptionWrapper as TorchWrapper

    where = "in DataLoader worker process 0"
    try:
        {}["missing"]
    except KeyError:
        theirs, mine = TorchWrapper(where=where), ours.ExceptionWrapper(where=where)
    with pytest.raises(KeyError) as t:
        theirs.reraise()
    assert str(mine.to_exception()) == str(t.value)
    assert type(mine.to_exception()) is KeyError
