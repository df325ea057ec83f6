"""What ``iter(DataLoader)`` returns: the state shared by both kinds of iterator, and the in-process one."""

import warnings

from torsh_backend import cuda_available
from torsh_core import dtypes
from torsh_core.errors import TorshNotImplementedError
from torsh_tensor import empty

from .errors import DataAssertionError
from .fetch import _DatasetKind, create_fetcher


class LoaderFailure(Exception):
    """Carries an error out of an iterator's internals to ``__next__``, which raises it afresh (see there)."""

    def __init__(self, error):
        super().__init__(error)
        self.error = error


class _BaseDataLoaderIter:
    def __init__(self, loader):
        self._dataset = loader.dataset
        self._dataset_kind = loader._dataset_kind
        self._IterableDataset_len_called = loader._IterableDataset_len_called
        self._auto_collation = loader._auto_collation
        self._drop_last = loader.drop_last
        self._index_sampler = loader._index_sampler
        self._num_workers = loader.num_workers
        self._timeout = loader.timeout
        self._collate_fn = loader.collate_fn
        self._persistent_workers = loader.persistent_workers
        if loader.pin_memory and not cuda_available():
            warnings.warn("'pin_memory' argument is set as true but no accelerator is found, then device pinned "
                          "memory won't be used.", stacklevel=3)
        self._sampler_iter = iter(self._index_sampler)
        self._base_seed = int(empty((), dtype=dtypes.int64).random_(generator=loader.generator).item())
        self._num_yielded = 0

    def __iter__(self):
        return self

    def _reset(self, loader, first_iter=False):
        self._sampler_iter = iter(self._index_sampler)
        self._num_yielded = 0
        self._IterableDataset_len_called = loader._IterableDataset_len_called

    def _next_index(self):
        return next(self._sampler_iter)

    def _next_data(self):
        raise TorshNotImplementedError(f"{type(self).__name__} must implement _next_data")

    def __next__(self):
        try:
            data = self._next_data()
        except LoaderFailure as failure:
            error = failure.error
        else:
            self._num_yielded += 1
            self._warn_if_length_exceeded()
            return data
        # Raised from here, the error's traceback holds no reference to this iterator, so its worker processes
        # are shut down as soon as the loop drops it, even while the error itself is kept (a REPL keeps it).
        self = None  # noqa: F841
        raise error

    def _warn_if_length_exceeded(self):
        reported = self._IterableDataset_len_called
        if self._dataset_kind != _DatasetKind.Iterable or reported is None or self._num_yielded <= reported:
            return
        msg = (f"Length of IterableDataset {self._dataset} was reported to be {reported} (when accessing "
               f"len(dataloader)), but {self._num_yielded} samples have been fetched. ")
        if self._num_workers > 0:
            msg += ("For multiprocessing data-loading, this could be caused by not properly configuring the "
                    "IterableDataset replica at each worker (see get_worker_info).")
        warnings.warn(msg, stacklevel=3)

    def __len__(self):
        return len(self._index_sampler)

    def __getstate__(self):
        raise TorshNotImplementedError(f"{type(self).__name__} cannot be pickled")


class _SingleProcessDataLoaderIter(_BaseDataLoaderIter):
    """Fetches and collates each batch in the calling process (``num_workers=0``)."""

    def __init__(self, loader):
        super().__init__(loader)
        if self._timeout != 0:
            raise DataAssertionError(f"timeout={self._timeout} needs worker processes (num_workers > 0)")
        self._fetcher = create_fetcher(self._dataset_kind, self._dataset, self._auto_collation, self._collate_fn,
                                       self._drop_last)

    def _next_data(self):
        return self._fetcher.fetch(self._next_index())
