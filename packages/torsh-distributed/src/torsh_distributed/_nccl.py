"""The NCCL transport (backend "nccl"): the MPI transport's primitives on CuPy arrays through cupy.cuda.nccl.

Operations are queued on the current CUDA stream, so later work on that stream sees their results without any
host synchronization; ``completion()`` gives an event request for ``async_op=True`` handles. The NCCL unique id
travels from group rank 0 to the others over the group's MPI communicator.
"""

import numpy as np
from torsh_core.errors import TorshNotImplementedError, TorshTypeError

from .reduce_op import ReduceOp


class _EventRequest:
    """A CUDA event that looks like an MPI request to ``Work`` (Test polls it, Wait synchronizes on it)."""

    def __init__(self, event):
        self._event = event

    def Test(self, status=None):  # noqa: N802 - mirrors MPI.Request
        return self._event.done

    def Wait(self, status=None):  # noqa: N802 - mirrors MPI.Request
        self._event.synchronize()


class NcclTransport:
    """Collective and point-to-point primitives over one NCCL communicator spanning a process group."""

    def __init__(self, comm):
        import cupy
        from cupy.cuda import nccl

        self.xp, self._cupy, self._nccl = cupy, cupy, nccl
        self._rank, self._size = comm.Get_rank(), comm.Get_size()
        uid = comm.bcast(nccl.get_unique_id() if self._rank == 0 else None, root=0)
        self._comm = nccl.NcclCommunicator(self._size, uid, self._rank)
        self._ops = {ReduceOp.SUM: nccl.NCCL_SUM, ReduceOp.PRODUCT: nccl.NCCL_PROD, ReduceOp.MIN: nccl.NCCL_MIN,
                     ReduceOp.MAX: nccl.NCCL_MAX}
        names = ["int8", "uint8", "int32", "uint32", "int64", "uint64", "float16", "float32", "float64"]
        self._types = {np.dtype(n): getattr(nccl, f"NCCL_{n.upper()}") for n in names}

    def destroy(self):
        self._comm.destroy()

    @property
    def _stream(self):
        return self._cupy.cuda.get_current_stream().ptr

    def _typed(self, buf, op):
        """(pointer, count, NCCL dtype, NCCL op) for a reduction on ``buf``; complex sums run on float pairs."""
        if buf.dtype.kind == "c":
            if op is not ReduceOp.SUM:
                raise TorshNotImplementedError(f"NCCL reduces complex tensors only with SUM/AVG, not {op}")
            buf = buf.view(buf.real.dtype)
        if op not in self._ops:
            raise TorshNotImplementedError(f"the NCCL backend does not support {op}")
        if buf.dtype not in self._types:
            raise TorshTypeError(f"the NCCL backend cannot reduce {buf.dtype} tensors")
        return buf.data.ptr, buf.size, self._types[buf.dtype], self._ops[op]

    def completion(self):
        event = self._cupy.cuda.Event(disable_timing=True)
        event.record()
        return [_EventRequest(event)]

    def allreduce(self, buf, op, nb):
        ptr, n, dtype, nop = self._typed(buf, op)
        self._comm.allReduce(ptr, ptr, n, dtype, nop, self._stream)
        return []

    def reduce(self, buf, op, root, nb):
        ptr, n, dtype, nop = self._typed(buf, op)
        self._comm.reduce(ptr, ptr, n, dtype, nop, root, self._stream)
        return []

    def reduce_scatter(self, send, recv, op, nb):
        ptr, _, dtype, nop = self._typed(send, op)
        self._comm.reduceScatter(ptr, recv.data.ptr, recv.size, dtype, nop, self._stream)
        return []

    def bcast(self, buf, root, nb):
        self._comm.bcast(buf.data.ptr, buf.size, self._nccl.NCCL_UINT8, root, self._stream)
        return []

    def allgather(self, send, recv, counts, nb):
        if len(set(counts)) == 1:
            self._comm.allGather(send.data.ptr, recv.data.ptr, send.size, self._nccl.NCCL_UINT8, self._stream)
            return []
        return self._exchange([(p, send) for p in range(self._size)], list(enumerate(self._pieces(recv, counts))))

    def _exchange(self, sends, recvs):
        """Grouped point-to-point: ``sends``/``recvs`` are (peer, byte buffer) pairs."""
        u8, stream = self._nccl.NCCL_UINT8, self._stream
        self._nccl.groupStart()
        for peer, buf in sends:
            if buf.size:
                self._comm.send(buf.data.ptr, buf.size, u8, peer, stream)
        for peer, buf in recvs:
            if buf.size:
                self._comm.recv(buf.data.ptr, buf.size, u8, peer, stream)
        self._nccl.groupEnd()
        return []

    def _pieces(self, buf, counts):
        offsets = np.concatenate([[0], np.cumsum(counts)]).tolist()
        return [buf[offsets[i]:offsets[i + 1]] for i in range(len(counts))]

    def gather(self, send, recv, counts, root, nb):
        recvs = list(enumerate(self._pieces(recv, counts))) if recv is not None else []
        return self._exchange([(root, send)], recvs)

    def scatter(self, send, counts, recv, root, nb):
        sends = list(enumerate(self._pieces(send, counts))) if send is not None else []
        return self._exchange(sends, [(root, recv)])

    def alltoall(self, send, send_counts, recv, recv_counts, nb):
        return self._exchange(list(enumerate(self._pieces(send, send_counts))),
                              list(enumerate(self._pieces(recv, recv_counts))))

    def send(self, buf, peer, tag, nb):
        return self._exchange([(peer, buf)], [])

    def recv(self, buf, peer, tag, status, nb):
        if peer is None:
            raise TorshNotImplementedError("the NCCL backend cannot receive from any source: pass src")
        return self._exchange([], [(peer, buf)])

    def new_status(self):
        return None
