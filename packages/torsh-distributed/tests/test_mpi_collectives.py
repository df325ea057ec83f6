"""Every collective on 2+ ranks against a NumPy reference built from all ranks' (reproducible) xs."""

import ml_dtypes
import numpy as np
import pytest
import torsh_tensor as T
from torsh_core import dtypes as D

pytestmark = pytest.mark.mpi

REDUCERS = {"SUM": np.sum, "AVG": np.mean, "PRODUCT": np.prod, "MIN": np.min, "MAX": np.max}


@pytest.fixture
def inputs(dist, arrays):
    """inputs(shape, dtype, salt): every rank's input, so any rank can compute the reference."""
    return lambda shape, dtype=np.float64, salt=0: [arrays(r, shape, dtype, salt) for r in range(dist.get_world_size())]


def _t(arr):
    return T.from_numpy(np.array(arr))


@pytest.mark.parametrize("op", list(REDUCERS))
@pytest.mark.parametrize("async_op", [False, True])
def test_all_reduce_ops(dist, inputs, op, async_op):
    rank = dist.get_rank()
    xs = inputs((3, 5))
    t = _t(xs[rank])
    work = dist.all_reduce(t, op=getattr(dist.ReduceOp, op), async_op=async_op)
    if async_op:
        assert work.wait() and work.is_completed()
        assert work.result()[0] is t
    else:
        assert work is None
    np.testing.assert_allclose(t.numpy(), REDUCERS[op](np.stack(xs), axis=0), rtol=1e-12)


@pytest.mark.parametrize("dtype", [np.float32, np.int64, np.int32, np.uint8, np.complex64])
def test_all_reduce_dtypes(dist, inputs, dtype):
    rank = dist.get_rank()
    xs = inputs((7,), dtype)
    t = _t(xs[rank])
    dist.all_reduce(t)
    assert t.numpy().dtype == dtype
    np.testing.assert_allclose(t.numpy(), np.sum(np.stack(xs), axis=0).astype(dtype), rtol=1e-6)


def test_all_reduce_bool_is_logical(dist, inputs):
    rank = dist.get_rank()
    xs = inputs((16,), np.bool_)
    t = _t(xs[rank])
    dist.all_reduce(t)
    np.testing.assert_array_equal(t.numpy(), np.any(np.stack(xs), axis=0))
    t = _t(xs[rank])
    dist.all_reduce(t, op=dist.ReduceOp.PRODUCT)
    np.testing.assert_array_equal(t.numpy(), np.all(np.stack(xs), axis=0))


@pytest.mark.parametrize("dtype", [np.float16, ml_dtypes.bfloat16])
def test_all_reduce_low_precision(dist, inputs, dtype):
    rank = dist.get_rank()
    xs = inputs((9,), np.float32)
    t = _t(xs[rank].astype(dtype))
    dist.all_reduce(t, op=dist.ReduceOp.AVG)
    expected = np.mean(np.stack([a.astype(dtype).astype(np.float32) for a in xs]), axis=0).astype(dtype)
    np.testing.assert_array_equal(t.numpy(), expected)


def test_all_reduce_bitwise(dist, inputs):
    rank = dist.get_rank()
    xs = inputs((8,), np.int64)
    for op, ref in (("BAND", np.bitwise_and), ("BOR", np.bitwise_or), ("BXOR", np.bitwise_xor)):
        t = _t(xs[rank])
        dist.all_reduce(t, op=getattr(dist.ReduceOp, op))
        np.testing.assert_array_equal(t.numpy(), ref.reduce(np.stack(xs), axis=0))


def test_all_reduce_non_contiguous_writes_back(dist, inputs):
    rank = dist.get_rank()
    xs = inputs((4, 6))
    base = _t(xs[rank])
    view = base.t()[::2]
    version = view._version[0]
    dist.all_reduce(view)
    expected = np.stack(xs).sum(0)
    np.testing.assert_allclose(base.numpy().T[::2], expected.T[::2], rtol=1e-12)
    np.testing.assert_array_equal(base.numpy().T[1::2], xs[rank].T[1::2])
    assert view._version[0] > version


@pytest.mark.parametrize("async_op", [False, True])
def test_reduce(dist, inputs, async_op):
    size, rank = dist.get_world_size(), dist.get_rank()
    xs = inputs((2, 3))
    dst = size - 1
    t = _t(xs[rank])
    work = dist.reduce(t, dst=dst, op=dist.ReduceOp.MAX, async_op=async_op)
    if async_op:
        work.wait()
    expected = np.max(np.stack(xs), axis=0) if rank == dst else xs[rank]
    np.testing.assert_array_equal(t.numpy(), expected)


@pytest.mark.parametrize("async_op", [False, True])
def test_broadcast(dist, inputs, async_op):
    rank = dist.get_rank()
    xs = inputs((3, 2), np.float32)
    src = 1
    t = _t(xs[rank])
    work = dist.broadcast(t, src=src, async_op=async_op)
    if async_op:
        work.wait()
    np.testing.assert_array_equal(t.numpy(), xs[src])
    t = _t(xs[rank])
    dist.broadcast(t, group_src=0)
    np.testing.assert_array_equal(t.numpy(), xs[0])


@pytest.mark.parametrize("async_op", [False, True])
def test_all_gather(dist, inputs, async_op):
    size, rank = dist.get_world_size(), dist.get_rank()
    xs = inputs((2, 3))
    outs = [T.zeros(2, 3, dtype=D.float64) for _ in range(size)]
    work = dist.all_gather(outs, _t(xs[rank]), async_op=async_op)
    if async_op:
        work.wait()
    for o, a in zip(outs, xs):
        np.testing.assert_array_equal(o.numpy(), a)


def test_all_gather_uneven(dist, arrays):
    size, rank = dist.get_world_size(), dist.get_rank()
    xs = [arrays(r, (r + 1, 2)) for r in range(size)]
    outs = [T.zeros(r + 1, 2, dtype=D.float64) for r in range(size)]
    dist.all_gather(outs, _t(xs[rank]))
    for o, a in zip(outs, xs):
        np.testing.assert_array_equal(o.numpy(), a)


def test_all_gather_into_tensor(dist, inputs):
    size, rank = dist.get_world_size(), dist.get_rank()
    xs = inputs((2, 3), np.int32)
    out = T.zeros(size * 2, 3, dtype=D.int32)
    dist.all_gather_into_tensor(out, _t(xs[rank]))
    np.testing.assert_array_equal(out.numpy(), np.concatenate(xs))
    stacked = T.zeros(size, 2, 3, dtype=D.int32)
    dist.all_gather_into_tensor(stacked, _t(xs[rank]), async_op=True).wait()
    np.testing.assert_array_equal(stacked.numpy(), np.stack(xs))


@pytest.mark.parametrize("async_op", [False, True])
def test_gather(dist, inputs, async_op):
    size, rank = dist.get_world_size(), dist.get_rank()
    xs = inputs((4,))
    dst = size - 1
    gather_list = [T.zeros(4, dtype=D.float64) for _ in range(size)] if rank == dst else None
    work = dist.gather(_t(xs[rank]), gather_list, dst=dst, async_op=async_op)
    if async_op:
        work.wait()
    if rank == dst:
        for g, a in zip(gather_list, xs):
            np.testing.assert_array_equal(g.numpy(), a)


@pytest.mark.parametrize("async_op", [False, True])
def test_scatter(dist, inputs, async_op):
    rank = dist.get_rank()
    chunks = inputs((3,), salt=5)
    scatter_list = [_t(c) for c in chunks] if rank == 0 else None
    t = T.zeros(3, dtype=D.float64)
    work = dist.scatter(t, scatter_list, src=0, async_op=async_op)
    if async_op:
        work.wait()
    np.testing.assert_array_equal(t.numpy(), chunks[rank])


@pytest.mark.parametrize("op", ["SUM", "AVG", "MIN"])
def test_reduce_scatter(dist, arrays, op):
    size, rank = dist.get_world_size(), dist.get_rank()
    per_rank = [[arrays(r, (2, 2), salt=10 + q) for q in range(size)] for r in range(size)]
    out = T.zeros(2, 2, dtype=D.float64)
    dist.reduce_scatter(out, [_t(a) for a in per_rank[rank]], op=getattr(dist.ReduceOp, op))
    expected = REDUCERS[op](np.stack([per_rank[r][rank] for r in range(size)]), axis=0)
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-12)


@pytest.mark.parametrize("async_op", [False, True])
def test_reduce_scatter_tensor(dist, inputs, async_op):
    size, rank = dist.get_world_size(), dist.get_rank()
    xs = inputs((size * 3, 2), np.float32)
    out = T.zeros(3, 2)
    work = dist.reduce_scatter_tensor(out, _t(xs[rank]), async_op=async_op)
    if async_op:
        work.wait()
    expected = np.sum(np.stack(xs), axis=0)[rank * 3:(rank + 1) * 3]
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-6)


def test_all_to_all(dist, arrays):
    size, rank = dist.get_world_size(), dist.get_rank()
    sent = [[arrays(r, (q + 1,), salt=20 + q) for q in range(size)] for r in range(size)]
    outs = [T.zeros(rank + 1, dtype=D.float64) for _ in range(size)]
    dist.all_to_all(outs, [_t(a) for a in sent[rank]])
    for r in range(size):
        np.testing.assert_array_equal(outs[r].numpy(), sent[r][rank])


def test_all_to_all_single(dist, inputs):
    size, rank = dist.get_world_size(), dist.get_rank()
    xs = inputs((size * 2, 3))
    out = T.zeros(size * 2, 3, dtype=D.float64)
    dist.all_to_all_single(out, _t(xs[rank]), async_op=True).wait()
    expected = np.concatenate([xs[r][rank * 2:(rank + 1) * 2] for r in range(size)])
    np.testing.assert_array_equal(out.numpy(), expected)


def test_all_to_all_single_splits(dist, arrays):
    size, rank = dist.get_world_size(), dist.get_rank()
    # rank r sends q + r + 1 rows to rank q
    rows = [[q + r + 1 for q in range(size)] for r in range(size)]
    xs = [arrays(r, (sum(rows[r]), 2)) for r in range(size)]
    recv_rows = [rows[r][rank] for r in range(size)]
    out = T.zeros(sum(recv_rows), 2, dtype=D.float64)
    dist.all_to_all_single(out, _t(xs[rank]), output_split_sizes=recv_rows, input_split_sizes=rows[rank])
    pieces = [xs[r][sum(rows[r][:rank]):sum(rows[r][:rank + 1])] for r in range(size)]
    np.testing.assert_array_equal(out.numpy(), np.concatenate(pieces))


def test_barrier(dist):
    assert dist.barrier() is None
    work = dist.barrier(async_op=True)
    assert work.wait()
    dist.monitored_barrier(timeout=30)


def test_shape_check_raises_before_communicating(dist):
    size = dist.get_world_size()
    with pytest.raises(RuntimeError, match="invalid output tensor list"):
        dist.all_gather([T.zeros(2)] * (size + 1), T.zeros(2))
    with pytest.raises(ValueError, match="world_size times"):
        dist.all_gather_into_tensor(T.zeros(3), T.zeros(2))
    dist.barrier()  # every rank raised locally, so the group is still in step
