"""The public surface matches torch.distributed 2.13: same function names, parameter names, order and defaults."""

import inspect

import pytest

pytestmark = pytest.mark.compat
torch = pytest.importorskip("torch")
import torch.distributed as tdist  # noqa: E402
import torsh_distributed as dist  # noqa: E402
from torch.distributed.optim import ZeroRedundancyOptimizer as TorchZero  # noqa: E402
from torch.nn.parallel import DistributedDataParallel as TorchDDP  # noqa: E402
from torsh_distributed.optim import ZeroRedundancyOptimizer  # noqa: E402

FUNCTIONS = [
    "init_process_group", "destroy_process_group", "is_initialized", "is_available", "get_rank", "get_world_size",
    "new_group", "barrier", "monitored_barrier", "all_reduce", "reduce", "broadcast", "all_gather",
    "all_gather_into_tensor", "gather", "scatter", "reduce_scatter", "reduce_scatter_tensor", "all_to_all",
    "all_to_all_single", "send", "recv", "isend", "irecv", "batch_isend_irecv", "broadcast_object_list",
    "all_gather_object", "gather_object", "scatter_object_list", "send_object_list", "recv_object_list",
    "get_backend", "get_process_group_ranks", "get_global_rank", "get_group_rank", "get_node_local_rank",
]


def _params(fn):
    return [(p.name, p.kind) for p in inspect.signature(fn).parameters.values()]


def _simple_defaults(fn):
    """Defaults that are plain values (PyTorch's ReduceOp and timeout defaults are other objects)."""
    return {p.name: p.default for p in inspect.signature(fn).parameters.values()
            if p.default is None or isinstance(p.default, (bool, int, str))}


@pytest.mark.parametrize("name", FUNCTIONS)
def test_signature(name):
    ours, theirs = getattr(dist, name), getattr(tdist, name)
    expected = [p for p in _params(theirs) if not p[0].startswith("_")]
    assert _params(ours) == expected
    theirs_defaults = {k: v for k, v in _simple_defaults(theirs).items() if not k.startswith("_")}
    assert _simple_defaults(ours) == theirs_defaults


def test_reduce_op_numbers():
    for name in ("SUM", "AVG", "PRODUCT", "MIN", "MAX", "BAND", "BOR", "BXOR"):
        assert getattr(dist.ReduceOp, name).value == int(getattr(tdist.ReduceOp, name))
        assert str(getattr(dist.ReduceOp, name)) == str(getattr(tdist.ReduceOp, name))


@pytest.mark.parametrize("ours, theirs", [(dist.DistributedDataParallel, TorchDDP),
                                          (ZeroRedundancyOptimizer, TorchZero), (dist.P2POp, tdist.P2POp)])
def test_class_constructors(ours, theirs):
    assert [n for n, _ in _params(ours.__init__)] == [n for n, _ in _params(theirs.__init__)]


def test_group_member_sentinel():
    assert dist.GroupMember.NON_GROUP_MEMBER == tdist.GroupMember.NON_GROUP_MEMBER
