"""Fetchers turn one index (or index batch) from the sampler into a collated sample, in the main process or a
worker."""


class _DatasetKind:
    """Map-style datasets are indexed; iterable ones are read in order (their sampler only says how many)."""

    Map = 0
    Iterable = 1


def create_fetcher(kind, dataset, auto_collation, collate_fn, drop_last):
    if kind == _DatasetKind.Map:
        return MapFetcher(dataset, auto_collation, collate_fn)
    return IterableFetcher(dataset, auto_collation, collate_fn, drop_last)


class MapFetcher:
    """``dataset[i]`` for each index of a batch (or ``__getitems__(batch)`` when the dataset has it)."""

    def __init__(self, dataset, auto_collation, collate_fn):
        self.dataset = dataset
        self.auto_collation = auto_collation
        self.collate_fn = collate_fn

    def fetch(self, index):
        if not self.auto_collation:
            return self.collate_fn(self.dataset[index])
        getitems = getattr(self.dataset, "__getitems__", None)
        data = getitems(index) if getitems else [self.dataset[i] for i in index]
        return self.collate_fn(data)


class IterableFetcher:
    """The next ``len(index)`` items of the dataset's iterator; StopIteration once it is exhausted (or would only
    fill a short batch when ``drop_last``)."""

    def __init__(self, dataset, auto_collation, collate_fn, drop_last):
        self.iterator = iter(dataset)
        self.auto_collation = auto_collation
        self.collate_fn = collate_fn
        self.drop_last = drop_last
        self.ended = False

    def fetch(self, index):
        if self.ended:
            raise StopIteration
        if not self.auto_collation:
            return self.collate_fn(next(self.iterator))
        data = []
        for _ in index:
            try:
                data.append(next(self.iterator))
            except StopIteration:
                self.ended = True
                break
        if not data or (self.drop_last and len(data) < len(index)):
            raise StopIteration
        return self.collate_fn(data)
