"""Process-group life cycle and argument checking, in one process (an MPI world of size 1)."""

import subprocess
import sys

import pytest
import torsh_distributed as dist
import torsh_tensor as T
from torsh_core import dtypes as D
from torsh_core.errors import TorshError


def test_import_does_not_start_mpi():
    code = "import sys, torsh_distributed as d; assert d.is_available(); assert 'mpi4py.MPI' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_calls_before_init_raise_value_error():
    assert not dist.is_initialized()
    for call in (dist.get_rank, dist.get_world_size, dist.barrier, lambda: dist.all_reduce(T.ones(2))):
        with pytest.raises(ValueError, match="Default process group has not been initialized"):
            call()


def test_init_destroy_and_reinit(single):
    assert single.is_initialized()
    assert (single.get_rank(), single.get_world_size(), single.get_backend()) == (0, 1, "mpi")
    assert single.group.WORLD is single.GroupMember.WORLD is not None
    with pytest.raises(ValueError, match="twice"):
        single.init_process_group()
    single.destroy_process_group()
    assert not single.is_initialized() and single.group.WORLD is None
    single.init_process_group(backend="gloo", init_method="env://", rank=0, world_size=1)
    assert single.get_backend() == "mpi"


def test_rank_or_size_that_mpi_did_not_start_is_rejected():
    with pytest.raises(ValueError, match="torshrun --nproc N"):
        dist.init_process_group(world_size=2, rank=1)
    assert not dist.is_initialized()


def test_backend_names():
    assert dist.Backend("MPI") == "mpi" and dist.Backend.NCCL == "nccl"
    with pytest.raises(ValueError, match="Invalid backend"):
        dist.init_process_group(backend="carrier-pigeon")
    assert dist.is_mpi_available() and dist.is_available()


def test_reduce_op_names():
    assert repr(dist.ReduceOp.SUM) == "<RedOpType.SUM: 0>" and str(dist.ReduceOp.AVG) == "RedOpType.AVG"
    assert dist.ReduceOp.MAX == dist.ReduceOp.RedOpType.MAX


def test_world_of_one(single):
    t = T.tensor([1.0, 2.0])
    single.all_reduce(t, op=single.ReduceOp.AVG)
    assert t.tolist() == [1.0, 2.0]
    out = T.zeros(1, 2)
    single.all_gather_into_tensor(out, t)
    assert out.tolist() == [[1.0, 2.0]]
    gathered = [T.zeros(2)]
    single.gather(t, gathered)
    assert gathered[0].tolist() == [1.0, 2.0]
    got = T.zeros(2)
    single.scatter(got, [T.tensor([5.0, 6.0])])
    assert got.tolist() == [5.0, 6.0]
    work = single.all_reduce(t, async_op=True)
    assert work.wait() and work.is_completed() and work.is_success() and work.result() == [t]
    with pytest.raises(NotImplementedError, match="get_future"):
        work.get_future()


def test_argument_errors(single):
    with pytest.raises(TypeError, match="Expected parameter `tensor` of type torsh.Tensor"):
        single.all_reduce([1.0, 2.0])
    with pytest.raises(TypeError, match="op must be a torsh.distributed.ReduceOp"):
        single.all_reduce(T.ones(2), op="sum")
    with pytest.raises(ValueError, match="does not support RedOpType.MAX on complex tensors"):
        single.all_reduce(T.ones(2, dtype=D.complex64), op=single.ReduceOp.MAX)
    with pytest.raises(RuntimeError, match="AVG needs a floating point"):
        single.all_reduce(T.ones(2, dtype=D.int64), op=single.ReduceOp.AVG)
    with pytest.raises(RuntimeError, match="invalid output tensor list"):
        single.all_gather([T.zeros(2), T.zeros(2)], T.zeros(2))
    with pytest.raises(RuntimeError, match="invalid tensor size at index 0"):
        single.all_gather([T.zeros(3)], T.zeros(2))
    with pytest.raises(RuntimeError, match="invalid output tensor type"):
        single.all_gather_into_tensor(T.zeros(2, dtype=D.float64), T.zeros(2))
    with pytest.raises(ValueError, match="Must specify global_rank or group_rank"):
        single.broadcast(T.zeros(2))
    with pytest.raises(ValueError, match="Can't specify both"):
        single.broadcast(T.zeros(2), src=0, group_src=0)
    with pytest.raises(ValueError, match="does not contain global rank 3"):
        single.broadcast(T.zeros(2), src=3)
    with pytest.raises(ValueError, match="``gather_list`` must be specified on destination rank"):
        single.gather(T.zeros(2))
    with pytest.raises(ValueError, match="``scatter_list`` must be specified on source rank"):
        single.scatter(T.zeros(2))
    with pytest.raises(ValueError, match="split sizes"):
        single.all_to_all_single(T.zeros(3), T.zeros(3), input_split_sizes=[2])
    with pytest.raises(ValueError, match="Expected ``op`` to be of type"):
        single.P2POp(single.all_reduce, T.zeros(1), 0)
    with pytest.raises(ValueError, match="group must be a ProcessGroup"):
        single.all_reduce(T.zeros(1), group="world")


def test_errors_derive_from_torsh_error(single):
    with pytest.raises(TorshError):
        single.all_reduce(T.ones(2, dtype=D.complex64), op=single.ReduceOp.MIN)


def test_new_group_checks_ranks(single):
    sub = single.new_group([0])
    assert single.get_world_size(sub) == 1 and single.get_process_group_ranks(sub) == [0]
    with pytest.raises(ValueError, match="less or equal to the world size"):
        single.new_group([0, 1])
    with pytest.raises(ValueError, match="within the world_size"):
        single.new_group([3])


def test_node_local_rank(monkeypatch):
    monkeypatch.delenv("LOCAL_RANK", raising=False)
    assert dist.get_node_local_rank(fallback_rank=2) == 2
    with pytest.raises(ValueError, match="LOCAL_RANK"):
        dist.get_node_local_rank()
    monkeypatch.setenv("LOCAL_RANK", "1")
    assert dist.get_node_local_rank() == 1
