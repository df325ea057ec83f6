"""DistributedSampler: each of ``num_replicas`` processes reads its own equal share of the dataset per epoch."""

import math
import sys

from torsh_core.errors import TorshValueError
from torsh_tensor import Generator, randperm

from .errors import DataAssertionError
from .sampler import Sampler

__all__ = ["DistributedSampler"]


def _process_group_default(name):
    """World size or rank of an initialized torsh.distributed process group; ValueError when there is none.

    torsh_distributed sits above this package, so it is only read when the program has already imported it
    (it must have, to initialize a process group).
    """
    dist = sys.modules.get("torsh_distributed")
    is_initialized = getattr(dist, "is_initialized", None)
    if dist is None or is_initialized is None or not is_initialized():
        raise TorshValueError(
            f"DistributedSampler: {name} was not given and no torsh.distributed process group is initialized; "
            "pass num_replicas and rank explicitly (or call torsh.distributed.init_process_group first)"
        )
    return getattr(dist, "get_world_size" if name == "num_replicas" else "get_rank")()


class DistributedSampler(Sampler):
    """Shuffles (seed + epoch) the same way on every rank, pads by repeating indices (or drops the tail with
    ``drop_last``) so all ranks get ``num_samples`` indices, then gives rank r every num_replicas-th one from r."""

    def __init__(self, dataset, num_replicas=None, rank=None, shuffle=True, seed=0, drop_last=False):
        if num_replicas is None:
            num_replicas = _process_group_default("num_replicas")
        if rank is None:
            rank = _process_group_default("rank")
        if rank >= num_replicas or rank < 0:
            raise TorshValueError(f"Invalid rank {rank}, rank should be in the interval [0, {num_replicas - 1}]")
        self.dataset = dataset
        self.num_replicas = num_replicas
        self.rank = rank
        self.epoch = 0
        self.drop_last = drop_last
        n = len(dataset)
        if drop_last and n % num_replicas:
            self.num_samples = math.ceil((n - num_replicas) / num_replicas)
        else:
            self.num_samples = math.ceil(n / num_replicas)
        self.total_size = self.num_samples * num_replicas
        self.shuffle = shuffle
        self.seed = seed

    def __iter__(self):
        n = len(self.dataset)
        if self.shuffle:
            indices = randperm(n, generator=Generator().manual_seed(self.seed + self.epoch)).tolist()
        else:
            indices = list(range(n))
        if self.drop_last:
            indices = indices[: self.total_size]
        else:
            pad = self.total_size - n
            indices += (indices * math.ceil(pad / n))[:pad] if pad else []
        if len(indices) != self.total_size:
            raise DataAssertionError(
                f"Number of indices ({len(indices)}) does not match total_size ({self.total_size})"
            )
        return iter(indices[self.rank: self.total_size: self.num_replicas])

    def __len__(self):
        return self.num_samples

    def set_epoch(self, epoch):
        """Call at the start of every epoch so shuffling differs between epochs (and agrees across ranks)."""
        self.epoch = epoch
