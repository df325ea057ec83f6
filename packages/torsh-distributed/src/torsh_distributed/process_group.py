"""``ProcessGroup``: a set of ranks that communicate, backed by one MPI communicator (and NCCL for CUDA tensors)."""

from torsh_core.errors import TorshValueError

from ._transport_mpi import MpiTransport


class ProcessGroup:
    """Ranks ``ranks()`` (global numbers, in group order) talking over the mpi4py communicator ``comm``."""

    def __init__(self, comm, ranks, backend, timeout, desc=""):
        self.comm = comm
        self._ranks = list(ranks)
        self._rank = comm.Get_rank()
        self._size = comm.Get_size()
        self._backend = backend
        self.timeout = timeout
        self.group_desc = desc
        self._mpi = MpiTransport(comm)
        self._nccl = None

    def rank(self):
        return self._rank

    def size(self):
        return self._size

    def name(self):
        return str(self._backend)

    def ranks(self):
        return list(self._ranks)

    def transport(self, tensor=None):
        """What carries ``tensor``: NCCL for CUDA tensors on the "nccl" backend (set up on first use), else MPI."""
        if tensor is not None and self._backend == "nccl" and tensor.is_cuda:
            if self._nccl is None:
                from ._nccl import NcclTransport

                self._nccl = NcclTransport(self.comm)
            return self._nccl
        return self._mpi

    def group_rank(self, global_rank):
        """This group's number for ``global_rank`` (ValueError when the rank is not a member)."""
        try:
            return self._ranks.index(global_rank)
        except ValueError:
            raise TorshValueError(f"Group {self!r} does not contain global rank {global_rank}") from None

    def global_rank(self, group_rank):
        if not 0 <= group_rank < self._size:
            raise TorshValueError(f"Group rank {group_rank} is out of range for a group of size {self._size}")
        return self._ranks[group_rank]

    def peer(self, global_rank, group_rank, default=None):
        """The group rank named by a global ``src``/``dst`` or a ``group_src``/``group_dst`` (PyTorch's rules)."""
        if global_rank is not None and group_rank is not None:
            raise TorshValueError("Can't specify both group_rank and global_rank")
        if global_rank is None and group_rank is None:
            if default is None:
                raise TorshValueError("Must specify global_rank or group_rank")
            return default
        if group_rank is not None:
            self.global_rank(group_rank)
            return group_rank
        return self.group_rank(global_rank)

    def free(self):
        """Release the communicators (the group is unusable afterwards)."""
        if self._nccl is not None:
            self._nccl.destroy()
            self._nccl = None
        self.comm.Free()

    def __repr__(self):
        return f"<ProcessGroup {self._backend} ranks={self._ranks} rank={self._rank}>"


class GroupMember:
    """``GroupMember.WORLD`` is the default group (None before init); NON_GROUP_MEMBER marks groups we are not in."""

    WORLD = None
    NON_GROUP_MEMBER = -100


class group:  # noqa: N801 - PyTorch's name: torch.distributed.group.WORLD
    """``group.WORLD``: the default process group."""

    WORLD = None
