"""``torsh.nn.parallel``'s distributed part: DistributedDataParallel."""

from .distributed import DistributedDataParallel
