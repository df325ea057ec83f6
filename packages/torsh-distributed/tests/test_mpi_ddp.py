"""DistributedDataParallel on 2+ ranks: training matches one process on the concatenated batch."""

import numpy as np
import pytest
import torsh_nn as nn
import torsh_optim as optim
import torsh_tensor as T
from torsh_autograd import no_grad

pytestmark = pytest.mark.mpi

B, IN, OUT, STEPS = 4, 6, 3, 5


def _model(seed):
    T.manual_seed(seed)
    return nn.Sequential(nn.Linear(IN, 16), nn.Tanh(), nn.Linear(16, 8), nn.Tanh(), nn.Linear(8, OUT)).double()


def _batches(size, steps, per_rank=B):
    """Per step, the global batch (every rank's rows, rank order)."""
    rng = np.random.default_rng(42)
    return [(T.from_numpy(rng.standard_normal((size * per_rank, IN))),
             T.from_numpy(rng.standard_normal((size * per_rank, OUT)))) for _ in range(steps)]


def _reference(batches, seed):
    """Plain training on the global batches, from rank 0's initial parameters."""
    model = _model(seed)
    opt = optim.Adam(model.parameters(), lr=0.01)
    for x, y in batches:
        opt.zero_grad()
        nn.functional.mse_loss(model(x), y).backward()
        opt.step()
    return [p.detach().numpy().copy() for p in model.parameters()]


def _assert_params_close(got, expected):
    for g, e in zip(got, expected):
        np.testing.assert_allclose(g, e, rtol=1e-6, atol=1e-12)


@pytest.mark.parametrize("bucket_cap_mb", [25, 0.0005])
def test_training_matches_single_process(dist, bucket_cap_mb):
    size, rank = dist.get_world_size(), dist.get_rank()
    batches = _batches(size, STEPS)
    ddp = dist.DistributedDataParallel(_model(seed=100 + rank), bucket_cap_mb=bucket_cap_mb)
    if bucket_cap_mb < 1:
        assert len(ddp.reducer._buckets) > 1
    opt = optim.Adam(ddp.parameters(), lr=0.01)
    for x, y in batches:
        opt.zero_grad()
        rows = slice(rank * B, (rank + 1) * B)
        nn.functional.mse_loss(ddp(x[rows]), y[rows]).backward()
        opt.step()
    _assert_params_close([p.detach().numpy() for p in ddp.module.parameters()], _reference(batches, seed=100))


def test_no_sync_accumulation_equals_large_batch(dist):
    size, rank = dist.get_world_size(), dist.get_rank()
    micro = 2
    batches = _batches(size, 2, per_rank=micro * B)
    ddp = dist.DistributedDataParallel(_model(seed=7 + rank))
    opt = optim.Adam(ddp.parameters(), lr=0.01)
    for x, y in batches:
        opt.zero_grad()
        mine = slice(rank * micro * B, (rank + 1) * micro * B)
        xs, ys = x[mine], y[mine]
        with ddp.no_sync():
            (nn.functional.mse_loss(ddp(xs[:B]), ys[:B]) / micro).backward()
        (nn.functional.mse_loss(ddp(xs[B:]), ys[B:]) / micro).backward()
        opt.step()
    _assert_params_close([p.detach().numpy() for p in ddp.module.parameters()], _reference(batches, seed=7))


class _Branches(nn.Module):
    def __init__(self):
        super().__init__()
        self.a, self.b, self.never = nn.Linear(3, 2).double(), nn.Linear(3, 2).double(), nn.Linear(3, 2).double()

    def forward(self, x, use_b):
        return self.a(x) + self.b(x) if use_b else self.a(x)


def test_find_unused_parameters(dist):
    size, rank = dist.get_world_size(), dist.get_rank()
    T.manual_seed(3)
    ddp = dist.DistributedDataParallel(_Branches(), find_unused_parameters=True)
    x = T.ones(2, 3, dtype=ddp.module.a.weight.dtype)
    for _ in range(2):  # the second iteration proves the first one finished its reduction
        ddp.zero_grad()
        ddp(x, use_b=rank == 0).sum().backward()
    assert ddp.module.never.weight.grad is None
    np.testing.assert_allclose(ddp.module.a.weight.grad.numpy(), np.full((2, 3), 2.0))
    np.testing.assert_allclose(ddp.module.b.weight.grad.numpy(), np.full((2, 3), 2.0 / size))


def test_unused_parameter_without_find_unused_is_reported(dist):
    T.manual_seed(3)
    ddp = dist.DistributedDataParallel(_Branches())
    x = T.ones(2, 3, dtype=ddp.module.a.weight.dtype)
    ddp(x, use_b=True).sum().backward()
    with pytest.raises(RuntimeError, match="find_unused_parameters=True"):
        ddp(x, use_b=True)


def test_construction_syncs_rank0_state_and_buffers(dist):
    rank = dist.get_rank()
    T.manual_seed(rank)
    module = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))
    module[1].running_mean.fill_(float(rank))
    ddp = dist.DistributedDataParallel(module)
    gathered = [None] * dist.get_world_size()
    dist.all_gather_object(gathered, [p.detach().numpy().copy() for p in ddp.parameters()])
    for other in gathered:
        for a, b in zip(other, gathered[0]):
            np.testing.assert_array_equal(a, b)
    assert module[1].running_mean.tolist() == [0.0] * 4
    module[1].running_mean.fill_(float(rank))
    ddp.eval()
    with no_grad():
        ddp(T.ones(2, 3))
    assert module[1].running_mean.tolist() == [0.0] * 4  # broadcast_buffers: rank 0's buffers each forward
    assert all(k.startswith("module.") for k in ddp.state_dict())


def test_different_parameter_shapes_are_rejected_on_every_rank(dist):
    rank = dist.get_rank()
    with pytest.raises(RuntimeError, match="differ across ranks"):
        dist.DistributedDataParallel(nn.Linear(3 + (rank == 0), 2))


def test_torsh_nn_parallel_alias(dist):
    import torsh_nn

    assert torsh_nn.parallel.DistributedDataParallel is dist.DistributedDataParallel


def test_zero_redundancy_optimizer_matches_adam(dist):
    from torsh_distributed.optim import ZeroRedundancyOptimizer

    size, rank = dist.get_world_size(), dist.get_rank()
    batches = _batches(size, STEPS)
    ddp = dist.DistributedDataParallel(_model(seed=100 + rank))
    opt = ZeroRedundancyOptimizer(ddp.parameters(), optim.Adam, lr=0.01)
    owned = sum(len(g["params"]) for g in opt.optim.param_groups) if opt.optim is not None else 0
    counts = [None] * size
    dist.all_gather_object(counts, owned)
    assert sum(counts) == len(list(ddp.parameters())) and max(counts) < sum(counts)
    for x, y in batches:
        opt.zero_grad()
        rows = slice(rank * B, (rank + 1) * B)
        nn.functional.mse_loss(ddp(x[rows]), y[rows]).backward()
        opt.step()
    _assert_params_close([p.detach().numpy() for p in ddp.module.parameters()], _reference(batches, seed=100))
    opt.consolidate_state_dict(to=0)
    full = [opt.state_dict() if rank == 0 else None]
    if rank != 0:
        with pytest.raises(RuntimeError, match="consolidate_state_dict"):
            opt.state_dict()
    dist.broadcast_object_list(full, src=0)
    assert sorted(full[0]["state"]) == list(range(len(list(ddp.parameters()))))
    again = ZeroRedundancyOptimizer(ddp.parameters(), optim.Adam, lr=0.5)
    again.load_state_dict(full[0])
    assert again.optim.param_groups[0]["lr"] == 0.01
    for p, state in again.optim.state.items():
        np.testing.assert_array_equal(state["exp_avg"].numpy(), opt.optim.state[p]["exp_avg"].numpy())
