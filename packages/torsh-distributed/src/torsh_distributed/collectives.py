"""Tensor collectives with torch.distributed's signatures; tensors travel from their own buffers (no pickling).

Each call checks its arguments, picks the group's transport (MPI, or NCCL for CUDA tensors on "nccl"), issues
one primitive and writes the result into the output tensors: at once, or when the returned ``Work`` completes
(``async_op=True``). Ranks named by ``src``/``dst`` are global ranks, ``group_src``/``group_dst`` group ranks.
"""

import numpy as np
from torsh_core.errors import TorshRuntimeError, TorshValueError

from ._buffers import (
    Reduction,
    check_like,
    check_tensor,
    check_tensor_list,
    contiguous,
    flat_bytes,
    nbytes,
    raw,
    store,
    unpack,
)
from ._mpi import translate_errors
from .reduce_op import ReduceOp
from .work import Work
from .world import resolve


def _launch(tr, async_op, requests, finish=None, result=()):
    """Finish now (the primitive completed or is stream-ordered), or hand back a Work that finishes later."""
    if requests:
        return Work(requests, finish, result)
    if finish is not None:
        finish()
    return Work(tr.completion(), None, result) if async_op else None


def _check_count(tensors, size, op_name, what):
    if len(tensors) != size:
        raise TorshRuntimeError(f"{op_name}: invalid {what} (expected length {size}, got {len(tensors)})")


@translate_errors
def all_reduce(tensor, op=ReduceOp.SUM, group=None, async_op=False):
    """Combine ``tensor`` over the group, in place on every rank."""
    check_tensor(tensor, "tensor")
    pg = resolve(group, "all_reduce")
    if pg is None:
        return None
    tr = pg.transport(tensor)
    red = Reduction(tensor.dtype, op, pg.size(), "all_reduce")
    buf = red.work(contiguous(tensor, tr.xp))
    return _launch(tr, async_op, tr.allreduce(buf, red.op, async_op), lambda: red.finish(buf, tensor), [tensor])


@translate_errors
def reduce(tensor, dst=None, op=ReduceOp.SUM, group=None, async_op=False, group_dst=None):
    """Combine ``tensor`` over the group into the destination rank's ``tensor`` (the others keep theirs)."""
    check_tensor(tensor, "tensor")
    pg = resolve(group, "reduce")
    if pg is None:
        return None
    root = pg.peer(dst, group_dst)
    tr = pg.transport(tensor)
    red = Reduction(tensor.dtype, op, pg.size(), "reduce")
    buf = red.work(contiguous(tensor, tr.xp))
    finish = (lambda: red.finish(buf, tensor)) if pg.rank() == root else None
    return _launch(tr, async_op, tr.reduce(buf, red.op, root, async_op), finish, [tensor])


@translate_errors
def broadcast(tensor, src=None, group=None, async_op=False, group_src=None):
    """Copy the source rank's ``tensor`` into ``tensor`` on every rank."""
    check_tensor(tensor, "tensor")
    pg = resolve(group, "broadcast")
    if pg is None:
        return None
    root = pg.peer(src, group_src)
    tr = pg.transport(tensor)
    buf = contiguous(tensor, tr.xp)
    finish = (lambda: store(tensor, buf)) if pg.rank() != root else None
    return _launch(tr, async_op, tr.bcast(raw(buf), root, async_op), finish, [tensor])


@translate_errors
def all_gather(tensor_list, tensor, group=None, async_op=False):
    """Every rank's ``tensor`` into ``tensor_list`` (one entry per rank; shapes may differ between ranks)."""
    check_tensor_list(tensor_list, "tensor_list")
    check_tensor(tensor, "tensor")
    pg = resolve(group, "all_gather")
    if pg is None:
        return None
    _check_count(tensor_list, pg.size(), "all_gather", "output tensor list")
    for i, t in enumerate(tensor_list):
        check_like(t, tensor, "all_gather", "tensor", i, shape=i == pg.rank())
    tr = pg.transport(tensor)
    counts = nbytes(tensor_list)
    out = tr.xp.empty(sum(counts), np.uint8)
    requests = tr.allgather(raw(contiguous(tensor, tr.xp)), out, counts, async_op)
    return _launch(tr, async_op, requests, lambda: unpack(out, tensor_list), tensor_list)


@translate_errors
def all_gather_into_tensor(output_tensor, input_tensor, group=None, async_op=False):
    """Every rank's ``input_tensor`` concatenated (rank order) into ``output_tensor``."""
    check_tensor(output_tensor, "output_tensor")
    check_tensor(input_tensor, "input_tensor")
    pg = resolve(group, "all_gather_into_tensor")
    if pg is None:
        return None
    check_like(output_tensor, input_tensor, "all_gather_into_tensor", "output tensor", shape=False)
    if output_tensor.numel() != pg.size() * input_tensor.numel():
        raise TorshValueError(
            f"all_gather_into_tensor: output tensor size must be equal to world_size times input tensor size "
            f"(output {tuple(output_tensor.shape)}, input {tuple(input_tensor.shape)}, world size {pg.size()})")
    tr = pg.transport(input_tensor)
    out = contiguous(output_tensor, tr.xp)
    send = raw(contiguous(input_tensor, tr.xp))
    requests = tr.allgather(send, raw(out), [send.size] * pg.size(), async_op)
    return _launch(tr, async_op, requests, lambda: store(output_tensor, out), [output_tensor])


@translate_errors
def gather(tensor, gather_list=None, dst=None, group=None, async_op=False, group_dst=None):
    """Every rank's ``tensor`` into ``gather_list`` on the destination rank (default: group rank 0)."""
    check_tensor(tensor, "tensor")
    pg = resolve(group, "gather")
    if pg is None:
        return None
    root = pg.peer(dst, group_dst, default=0)
    tr = pg.transport(tensor)
    send = raw(contiguous(tensor, tr.xp))
    if pg.rank() != root:
        if gather_list:
            raise TorshValueError("Argument ``gather_list`` must NOT be specified on non-destination ranks.")
        return _launch(tr, async_op, tr.gather(send, None, None, root, async_op))
    if gather_list is None:
        raise TorshValueError("Argument ``gather_list`` must be specified on destination rank.")
    check_tensor_list(gather_list, "gather_list")
    _check_count(gather_list, pg.size(), "gather", "gather_list")
    for i, t in enumerate(gather_list):
        check_like(t, tensor, "gather", "tensor", i, shape=i == root)
    counts = nbytes(gather_list)
    out = tr.xp.empty(sum(counts), np.uint8)
    requests = tr.gather(send, out, counts, root, async_op)
    return _launch(tr, async_op, requests, lambda: unpack(out, gather_list), gather_list)


@translate_errors
def scatter(tensor, scatter_list=None, src=None, group=None, async_op=False, group_src=None):
    """Entry r of the source rank's ``scatter_list`` into ``tensor`` on rank r (source default: group rank 0)."""
    check_tensor(tensor, "tensor")
    pg = resolve(group, "scatter")
    if pg is None:
        return None
    root = pg.peer(src, group_src, default=0)
    tr = pg.transport(tensor)
    recv = contiguous(tensor, tr.xp)
    if pg.rank() != root:
        if scatter_list:
            raise TorshValueError("Argument ``scatter_list`` must NOT be specified on non-source ranks.")
        send, counts = None, None
    else:
        if scatter_list is None:
            raise TorshValueError("Argument ``scatter_list`` must be specified on source rank.")
        check_tensor_list(scatter_list, "scatter_list")
        _check_count(scatter_list, pg.size(), "scatter", "scatter_list")
        for i, t in enumerate(scatter_list):
            check_like(t, tensor, "scatter", "tensor", i, shape=i == root)
        send, counts = flat_bytes(scatter_list, tr.xp), nbytes(scatter_list)
    requests = tr.scatter(send, counts, raw(recv), root, async_op)
    return _launch(tr, async_op, requests, lambda: store(tensor, recv), [tensor])


@translate_errors
def reduce_scatter(output, input_list, op=ReduceOp.SUM, group=None, async_op=False):
    """Rank r's ``output`` = the combination over ranks of their ``input_list[r]``."""
    check_tensor(output, "output")
    check_tensor_list(input_list, "input_list")
    pg = resolve(group, "reduce_scatter")
    if pg is None:
        return None
    _check_count(input_list, pg.size(), "reduce_scatter", "input tensor list")
    for i, t in enumerate(input_list):
        check_like(t, output, "reduce_scatter", "input tensor", i)
    tr = pg.transport(output)
    red = Reduction(output.dtype, op, pg.size(), "reduce_scatter")
    send = red.work(tr.xp.concatenate([contiguous(t, tr.xp).reshape(-1) for t in input_list]))
    return _reduce_scatter(tr, red, send, output, async_op)


@translate_errors
def reduce_scatter_tensor(output, input, op=ReduceOp.SUM, group=None, async_op=False):
    """Like reduce_scatter with ``input`` split into world-size equal chunks (dim 0 first)."""
    check_tensor(output, "output")
    check_tensor(input, "input")
    pg = resolve(group, "reduce_scatter_tensor")
    if pg is None:
        return None
    check_like(input, output, "reduce_scatter_tensor", "input tensor", shape=False)
    if input.numel() != pg.size() * output.numel():
        raise TorshValueError(
            f"reduce_scatter_tensor: input tensor size must be equal to world_size times output tensor size "
            f"(input {tuple(input.shape)}, output {tuple(output.shape)}, world size {pg.size()})")
    tr = pg.transport(output)
    red = Reduction(output.dtype, op, pg.size(), "reduce_scatter_tensor")
    return _reduce_scatter(tr, red, red.work(contiguous(input, tr.xp)), output, async_op)


def _reduce_scatter(tr, red, send, output, async_op):
    recv = red.work(contiguous(output, tr.xp))
    requests = tr.reduce_scatter(send.reshape(-1), recv.reshape(-1), red.op, async_op)
    return _launch(tr, async_op, requests, lambda: red.finish(recv, output), [output])


@translate_errors
def all_to_all(output_tensor_list, input_tensor_list, group=None, async_op=False):
    """Rank r sends ``input_tensor_list[q]`` to rank q, which receives it in ``output_tensor_list[r]``."""
    check_tensor_list(output_tensor_list, "output_tensor_list")
    check_tensor_list(input_tensor_list, "input_tensor_list")
    pg = resolve(group, "all_to_all")
    if pg is None:
        return None
    _check_count(output_tensor_list, pg.size(), "all_to_all", "output tensor list")
    _check_count(input_tensor_list, pg.size(), "all_to_all", "input tensor list")
    ref = input_tensor_list[0]
    for i, t in enumerate(output_tensor_list + input_tensor_list):
        check_like(t, ref, "all_to_all", "tensor", i % pg.size(), shape=False)
    tr = pg.transport(ref)
    send = flat_bytes(input_tensor_list, tr.xp)
    counts = nbytes(output_tensor_list)
    out = tr.xp.empty(sum(counts), np.uint8)
    requests = tr.alltoall(send, nbytes(input_tensor_list), out, counts, async_op)
    return _launch(tr, async_op, requests, lambda: unpack(out, output_tensor_list), output_tensor_list)


def _split_bytes(t, splits, size, op_name, what):
    """Byte counts of the dim-0 pieces of ``t`` that go to (or come from) each rank."""
    rows = t.shape[0] if t.dim() else 1
    if splits is None:
        if rows % size:
            raise TorshValueError(f"{op_name}: {what} dim 0 ({rows}) does not divide equally across group size "
                                  f"{size}; pass split sizes")
        splits = [rows // size] * size
    splits = [int(s) for s in splits]
    if len(splits) != size or sum(splits) != rows or min(splits) < 0:
        raise TorshValueError(f"{op_name}: {what} split sizes {splits} must be {size} non-negative numbers summing "
                              f"to dim 0 ({rows})")
    row_bytes = t._data.itemsize * (int(np.prod(t.shape[1:])) if t.dim() else 1)
    return [s * row_bytes for s in splits]


@translate_errors
def all_to_all_single(output, input, output_split_sizes=None, input_split_sizes=None, group=None, async_op=False):
    """all_to_all on dim-0 slices of one tensor: equal slices, or the given split sizes."""
    check_tensor(output, "output")
    check_tensor(input, "input")
    pg = resolve(group, "all_to_all_single")
    if pg is None:
        return None
    check_like(output, input, "all_to_all_single", "output tensor", shape=False)
    send_counts = _split_bytes(input, input_split_sizes, pg.size(), "all_to_all_single", "input")
    recv_counts = _split_bytes(output, output_split_sizes, pg.size(), "all_to_all_single", "output")
    tr = pg.transport(input)
    out = contiguous(output, tr.xp)
    requests = tr.alltoall(raw(contiguous(input, tr.xp)), send_counts, raw(out), recv_counts, async_op)
    return _launch(tr, async_op, requests, lambda: store(output, out), [output])


@translate_errors
def barrier(group=None, async_op=False, device_ids=None, timeout=None):
    """Wait until every rank of the group reached this call (on "nccl", after this rank's queued GPU work)."""
    pg = resolve(group, "barrier")
    if pg is None:
        return None
    if pg.name() == "nccl" and pg._nccl is not None:
        pg._nccl.xp.cuda.get_current_stream().synchronize()
    tr = pg.transport()
    work = _launch(tr, True, tr.barrier(True))
    if async_op:
        return work
    work.wait(timeout)
    return None


@translate_errors
def monitored_barrier(group=None, timeout=None, wait_all_ranks=False):
    """A barrier that raises RuntimeError after ``timeout`` (default: the group's timeout) instead of hanging."""
    pg = resolve(group, "monitored_barrier")
    if pg is None:
        return None
    tr = pg.transport()
    work = _launch(tr, True, tr.barrier(True))
    try:
        work.wait(timeout if timeout is not None else pg.timeout)
    except TorshRuntimeError:
        raise TorshRuntimeError(f"monitored_barrier: rank {pg.rank()} timed out after {timeout or pg.timeout} "
                                "waiting for the other ranks of the group") from None
