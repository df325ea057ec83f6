"""The process groups of this process: init_process_group, new_group, rank and size queries, destroy."""

import datetime
import os
import warnings

from torsh_core.errors import TorshRuntimeError, TorshValueError

from . import _excepthook, _mpi
from .backend import Backend, parse
from .process_group import GroupMember, ProcessGroup, group

default_pg_timeout = datetime.timedelta(minutes=30)
_groups = []  # every live group made by this process, the default one first


def is_initialized():
    return GroupMember.WORLD is not None


def _default():
    if GroupMember.WORLD is None:
        raise TorshValueError(
            "Default process group has not been initialized, please make sure to call init_process_group."
        )
    return GroupMember.WORLD


def resolve(pg, op_name):
    """The ProcessGroup a collective runs on, or None (after PyTorch's warning) when this rank is not a member."""
    if pg is None:
        return _default()
    if isinstance(pg, ProcessGroup):
        _default()
        return pg
    if pg == GroupMember.NON_GROUP_MEMBER:
        warnings.warn(f"Running {op_name} on global rank {get_rank()} which does not belong to the given group.",
                      stacklevel=3)
        return None
    raise TorshValueError(f"{op_name}: group must be a ProcessGroup or None, got {pg!r}")


def _check_launch(name, given, actual):
    if given not in (-1, None) and given != actual:
        raise TorshValueError(
            f"init_process_group: {name}={given} was given but MPI started this process with {name}={actual}; "
            "torsh.distributed takes ranks from MPI, so launch with `torshrun --nproc N` or `mpiexec -n N`"
        )


def init_process_group(backend=None, init_method=None, timeout=None, world_size=-1, rank=-1, store=None,
                       group_name="", pg_options=None, device_id=None):
    """Join the MPI job as the default group; ``init_method``/``store`` are ignored (MPI does the rendezvous)."""
    if GroupMember.WORLD is not None:
        raise TorshValueError("trying to initialize the default process group twice!")
    name = parse(backend)
    MPI = _mpi.get()
    world = MPI.COMM_WORLD
    _check_launch("world_size", world_size, world.Get_size())
    _check_launch("rank", rank, world.Get_rank())
    if name == Backend.NCCL:
        _select_device(device_id)
    pg = ProcessGroup(world.Dup(), range(world.Get_size()), name, timeout or default_pg_timeout, group_name)
    _groups.append(pg)
    _set_world(pg)
    if world.Get_size() > 1:
        _excepthook.install()


def _set_world(pg):
    GroupMember.WORLD = group.WORLD = pg


def _select_device(device_id):
    """Make this rank's GPU current: ``device_id``, else LOCAL_RANK modulo the visible GPUs (as torchrun users do)."""
    try:
        import cupy
    except ImportError:
        raise TorshRuntimeError('init_process_group(backend="nccl") needs CuPy with NCCL: pip install '
                                "torsh-distributed[cuda]") from None

    if device_id is None:
        device_id = int(os.environ.get("LOCAL_RANK", 0)) % max(cupy.cuda.runtime.getDeviceCount(), 1)
    cupy.cuda.Device(getattr(device_id, "index", device_id) or 0).use()


def destroy_process_group(group=None):
    """Free one group, or (None) every group and the default one; init_process_group may then be called again."""
    if group is None or group is GroupMember.WORLD:
        _default()
        for pg in reversed(_groups):
            pg.free()
        _groups.clear()
        _set_world(None)
        return
    if group == GroupMember.NON_GROUP_MEMBER:
        return
    if group in _groups:
        _groups.remove(group)
        group.free()


def new_group(ranks=None, timeout=None, backend=None, pg_options=None, use_local_synchronization=False,
              group_desc=None, device_id=None, sort_ranks=True):
    """A group of some global ranks; every rank of the default group must call it (non-members get
    ``GroupMember.NON_GROUP_MEMBER``)."""
    world = _default()
    size = world.size()
    ranks = list(range(size)) if ranks is None else list(ranks)
    if sort_ranks:
        ranks = sorted(ranks)
    if len(ranks) > size:
        raise TorshValueError(
            "the new group's world size should be less or equal to the world size set by init_process_group"
        )
    for r in ranks:
        if not 0 <= r < size:
            raise TorshValueError(f"The new group's rank should be within the world_size set by init_process_group "
                                  f"(got rank {r} for world size {size})")
    if len(set(ranks)) != len(ranks):
        raise TorshValueError(f"new_group: ranks must be distinct, got {ranks}")
    name = parse(backend) if backend is not None else Backend(world.name())
    members = world.comm.Get_group().Incl(ranks)
    comm = world.comm.Create(members)
    members.Free()
    if comm == _mpi.get().COMM_NULL:
        return GroupMember.NON_GROUP_MEMBER
    pg = ProcessGroup(comm, ranks, name, timeout or world.timeout, group_desc or "")
    _groups.append(pg)
    return pg


def duplicate(pg):
    """A new group with the ranks of ``pg`` and a communicator of its own (collective over ``pg``)."""
    copy = ProcessGroup(pg.comm.Dup(), pg.ranks(), pg.name(), pg.timeout, pg.group_desc)
    _groups.append(copy)
    return copy


def get_rank(group=None):
    if group == GroupMember.NON_GROUP_MEMBER:
        return -1
    return (_default() if group is None else group).rank()


def get_world_size(group=None):
    if group == GroupMember.NON_GROUP_MEMBER:
        return -1
    return (_default() if group is None else group).size()


def get_backend(group=None):
    if group == GroupMember.NON_GROUP_MEMBER:
        raise TorshValueError("Invalid process group specified")
    return Backend((_default() if group is None else group).name())


def get_process_group_ranks(group):
    return (_default() if group is None else group).ranks()


def get_global_rank(group, group_rank):
    return (_default() if group is None else group).global_rank(group_rank)


def get_group_rank(group, global_rank):
    return (_default() if group is None else group).group_rank(global_rank)


def get_node_local_rank(fallback_rank=None):
    """LOCAL_RANK as set by torshrun (or torchrun); ``fallback_rank`` when it is not set."""
    if "LOCAL_RANK" in os.environ:
        return int(os.environ["LOCAL_RANK"])
    if fallback_rank is not None:
        return int(fallback_rank)
    raise TorshValueError("LOCAL_RANK is not in the environment; launch with torshrun or pass fallback_rank")
