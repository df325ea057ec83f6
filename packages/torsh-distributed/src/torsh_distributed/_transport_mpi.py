"""The MPI transport: each primitive is one mpi4py call on NumPy buffers, blocking or (``nb``) non-blocking.

Every method returns the list of MPI requests still in flight (empty for a blocking call). Byte buffers are
described to MPI as bytes, with counts and displacements in bytes.
"""

import numpy as np

from . import _mpi
from .reduce_op import ReduceOp


def _displacements(counts):
    return np.concatenate([[0], np.cumsum(counts[:-1])]).astype(np.int64).tolist() if counts else []


class MpiTransport:
    """Collective and point-to-point primitives over one mpi4py communicator."""

    xp = np

    def __init__(self, comm):
        self.comm = comm
        MPI = self.MPI = _mpi.get()
        self._ops = {ReduceOp.SUM: MPI.SUM, ReduceOp.PRODUCT: MPI.PROD, ReduceOp.MIN: MPI.MIN, ReduceOp.MAX: MPI.MAX,
                     ReduceOp.BAND: MPI.BAND, ReduceOp.BOR: MPI.BOR, ReduceOp.BXOR: MPI.BXOR}

    def _call(self, nb, name, *args):
        if nb:
            return [getattr(self.comm, "I" + name.lower())(*args)]
        getattr(self.comm, name)(*args)
        return []

    def _v(self, buf, counts):
        return [buf, counts, _displacements(counts), self.MPI.BYTE]

    def completion(self):
        """Requests that finish once everything issued so far has (none: MPI requests are returned directly)."""
        return []

    def allreduce(self, buf, op, nb):
        return self._call(nb, "Allreduce", self.MPI.IN_PLACE, buf, self._ops[op])

    def reduce(self, buf, op, root, nb):
        if self.comm.Get_rank() == root:
            return self._call(nb, "Reduce", self.MPI.IN_PLACE, buf, self._ops[op], root)
        return self._call(nb, "Reduce", buf, None, self._ops[op], root)

    def reduce_scatter(self, send, recv, op, nb):
        return self._call(nb, "Reduce_scatter_block", send, recv, self._ops[op])

    def bcast(self, buf, root, nb):
        return self._call(nb, "Bcast", buf, root)

    def allgather(self, send, recv, counts, nb):
        if len(set(counts)) == 1:
            return self._call(nb, "Allgather", send, recv)
        return self._call(nb, "Allgatherv", send, self._v(recv, counts))

    def gather(self, send, recv, counts, root, nb):
        return self._call(nb, "Gatherv", send, None if recv is None else self._v(recv, counts), root)

    def scatter(self, send, counts, recv, root, nb):
        return self._call(nb, "Scatterv", None if send is None else self._v(send, counts), recv, root)

    def alltoall(self, send, send_counts, recv, recv_counts, nb):
        return self._call(nb, "Alltoallv", self._v(send, send_counts), self._v(recv, recv_counts))

    def barrier(self, nb):
        return self._call(nb, "Barrier")

    def send(self, buf, peer, tag, nb):
        return self._call(nb, "Send", buf, peer, tag)

    def recv(self, buf, peer, tag, status, nb):
        source = self.MPI.ANY_SOURCE if peer is None else peer
        if nb:
            return [self.comm.Irecv(buf, source, tag)]
        self.comm.Recv(buf, source, tag, status)
        return []

    def new_status(self):
        return self.MPI.Status()
