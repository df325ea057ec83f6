"""The "nccl" backend on CUDA tensors, in one process (skipped without CuPy and a GPU)."""

import numpy as np
import pytest

pytestmark = pytest.mark.cuda
cupy = pytest.importorskip("cupy")
try:
    _gpus = cupy.cuda.runtime.getDeviceCount()
except cupy.cuda.runtime.CUDARuntimeError:
    _gpus = 0
if not _gpus:
    pytest.skip("no CUDA device", allow_module_level=True)

import torsh_distributed as dist  # noqa: E402
import torsh_tensor as T  # noqa: E402


@pytest.fixture
def nccl():
    dist.init_process_group(backend="nccl", device_id=0)
    yield dist
    dist.destroy_process_group()


def test_collectives_on_gpu(nccl):
    t = T.tensor([1.0, 2.0, 3.0], device="cuda")
    nccl.all_reduce(t, op=nccl.ReduceOp.AVG)
    nccl.broadcast(t, src=0)
    work = nccl.all_reduce(t, async_op=True)
    assert work.wait()
    np.testing.assert_array_equal(t.cpu().numpy(), [1.0, 2.0, 3.0])
    out = T.zeros(1, 3, device="cuda")
    nccl.all_gather_into_tensor(out, t)
    gathered = [T.zeros(3, device="cuda")]
    nccl.all_gather(gathered, t)
    got = T.zeros(3, device="cuda")
    nccl.reduce_scatter_tensor(got, t)
    single = T.zeros(3, device="cuda")
    nccl.all_to_all_single(single, t)
    for result in (out[0], gathered[0], got, single):
        np.testing.assert_array_equal(result.cpu().numpy(), [1.0, 2.0, 3.0])
    nccl.barrier()


def test_cpu_tensors_still_use_mpi(nccl):
    t = T.tensor([4.0])
    nccl.all_reduce(t)
    assert t.item() == 4.0
