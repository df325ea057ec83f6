"""Collectives on picklable Python objects (through mpi4py's pickle-based calls): only use them between ranks of
one job you trust, as unpickling runs code."""

from torsh_core.errors import TorshValueError

from ._mpi import translate_errors
from .world import resolve


@translate_errors
def broadcast_object_list(object_list, src=None, group=None, device=None, group_src=None):
    """Replace ``object_list``'s entries on every rank with the source rank's."""
    pg = resolve(group, "broadcast_object_list")
    if pg is None:
        return
    root = pg.peer(src, group_src)
    objects = pg.comm.bcast(list(object_list) if pg.rank() == root else None, root=root)
    if pg.rank() != root:
        object_list[:len(objects)] = objects


@translate_errors
def all_gather_object(object_list, obj, group=None):
    """``object_list[r]`` = rank r's ``obj`` on every rank (``object_list`` needs one slot per rank)."""
    pg = resolve(group, "all_gather_object")
    if pg is None:
        return
    for i, o in enumerate(pg.comm.allgather(obj)):
        object_list[i] = o


@translate_errors
def gather_object(obj, object_gather_list=None, dst=None, group=None, group_dst=None):
    """``object_gather_list[r]`` = rank r's ``obj`` on the destination rank (default: group rank 0)."""
    pg = resolve(group, "gather_object")
    if pg is None:
        return
    root = pg.peer(dst, group_dst, default=0)
    if pg.rank() == root and object_gather_list is None:
        raise TorshValueError("Argument ``object_gather_list`` must be specified on destination rank.")
    gathered = pg.comm.gather(obj, root=root)
    if pg.rank() == root:
        for i, o in enumerate(gathered):
            object_gather_list[i] = o


@translate_errors
def scatter_object_list(scatter_object_output_list, scatter_object_input_list=None, src=None, group=None,
                        group_src=None):
    """Rank r's ``scatter_object_output_list[0]`` = the source rank's ``scatter_object_input_list[r]``."""
    pg = resolve(group, "scatter_object_list")
    if pg is None:
        return
    if not isinstance(scatter_object_output_list, list) or not scatter_object_output_list:
        raise TorshValueError("Expected argument scatter_object_output_list to be a list of size at least 1.")
    root = pg.peer(src, group_src, default=0)
    objects = None
    if pg.rank() == root:
        if scatter_object_input_list is None or len(scatter_object_input_list) != pg.size():
            raise TorshValueError(f"scatter_object_list: the source rank needs scatter_object_input_list with "
                                  f"{pg.size()} objects")
        objects = list(scatter_object_input_list)
    scatter_object_output_list[0] = pg.comm.scatter(objects, root=root)


@translate_errors
def send_object_list(object_list, dst=None, group=None, device=None, group_dst=None, use_batch=False):
    """Send ``object_list``'s entries to rank ``dst`` (matched by recv_object_list there)."""
    pg = resolve(group, "send_object_list")
    if pg is None:
        return
    pg.comm.send(list(object_list), dest=pg.peer(dst, group_dst))


@translate_errors
def recv_object_list(object_list, src=None, group=None, device=None, group_src=None, use_batch=False):
    """Fill ``object_list`` with the entries sent by ``src`` (any rank when None); returns the sender's rank."""
    pg = resolve(group, "recv_object_list")
    if pg is None:
        return -1
    MPI = pg.transport().MPI
    status = MPI.Status()
    source = MPI.ANY_SOURCE if src is None and group_src is None else pg.peer(src, group_src)
    objects = pg.comm.recv(source=source, status=status)
    object_list[:len(objects)] = objects
    return pg.global_rank(status.Get_source())
