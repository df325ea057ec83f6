"""Point-to-point: send/recv (blocking), isend/irecv (a Work to wait on), P2POp batches; peers are global ranks."""

from torsh_core.errors import TorshValueError

from ._buffers import check_tensor, contiguous, raw, store
from ._mpi import translate_errors
from .work import Work
from .world import resolve


def _peer(pg, rank, group_rank, what):
    peer = pg.peer(rank, group_rank)
    if peer == pg.rank():
        raise TorshValueError(f"Invalid {what} rank: {what} rank should not be the same as the rank of the current "
                              "process.")
    return peer


def _send(tensor, dst, group, tag, group_dst, nb, op_name):
    check_tensor(tensor, "tensor")
    pg = resolve(group, op_name)
    if pg is None:
        return None
    peer = _peer(pg, dst, group_dst, "destination")
    tr = pg.transport(tensor)
    buf = raw(contiguous(tensor, tr.xp))
    requests = tr.send(buf, peer, tag, nb)
    return Work(requests or tr.completion(), result=[tensor])


def _recv(tensor, src, group, tag, group_src, nb, op_name):
    check_tensor(tensor, "tensor")
    pg = resolve(group, op_name)
    if pg is None:
        return None
    peer = None if src is None and group_src is None else _peer(pg, src, group_src, "source")
    tr = pg.transport(tensor)
    buf = contiguous(tensor, tr.xp)
    status = tr.new_status()
    requests = tr.recv(raw(buf), peer, tag, status, nb)
    source = (lambda: pg.global_rank(peer if status is None else status.Get_source()))
    return Work(requests or tr.completion(), lambda: store(tensor, buf), [tensor], status, source)


@translate_errors
def send(tensor, dst=None, group=None, tag=0, group_dst=None):
    """Send ``tensor`` to rank ``dst``; returns once the buffer may be reused."""
    work = _send(tensor, dst, group, tag, group_dst, False, "send")
    if work is not None:
        work.wait()


@translate_errors
def recv(tensor, src=None, group=None, tag=0, group_src=None):
    """Receive into ``tensor`` from ``src`` (any rank when None); returns the sender's global rank."""
    work = _recv(tensor, src, group, tag, group_src, False, "recv")
    if work is None:
        return -1
    return work.source_rank()


@translate_errors
def isend(tensor, dst=None, group=None, tag=0, group_dst=None):
    """Start sending ``tensor``; do not modify it before the returned Work completes."""
    return _send(tensor, dst, group, tag, group_dst, True, "isend")


@translate_errors
def irecv(tensor, src=None, group=None, tag=0, group_src=None):
    """Start receiving into ``tensor``; its values are there once the returned Work completes."""
    return _recv(tensor, src, group, tag, group_src, True, "irecv")


class P2POp:
    """One isend or irecv for ``batch_isend_irecv``."""

    def __init__(self, op, tensor, peer=None, group=None, tag=0, group_peer=None):
        if op not in (isend, irecv):
            raise TorshValueError("Invalid ``op``. Expected ``op`` to be of type ``torsh.distributed.isend`` or "
                                  "``torsh.distributed.irecv``.")
        check_tensor(tensor, "tensor")
        self.op, self.tensor, self.peer, self.tag = op, tensor, peer, tag
        self.group, self.group_peer = group, group_peer


def batch_isend_irecv(p2p_op_list):
    """Start every P2POp of the list; returns their Works in the same order."""
    if not p2p_op_list or not all(isinstance(p, P2POp) for p in p2p_op_list):
        raise TorshValueError("Invalid ``p2p_op_list``. Each op is expected to to be of type "
                              "``torsh.distributed.P2POp``.")
    return [p.op(p.tensor, p.peer, p.group, p.tag, p.group_peer) for p in p2p_op_list]
