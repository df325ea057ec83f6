"""CUDA tensors through cupyx.scipy.sparse: the same results as on the CPU (skipped without a GPU)."""

import numpy as np
import pytest
import torsh_sparse as S
import torsh_tensor as T

pytestmark = pytest.mark.cuda


@pytest.fixture(autouse=True)
def _need_gpu():
    pytest.importorskip("cupy")
    from torsh_backend import cuda_available

    if not cuda_available():
        pytest.skip("no CUDA device")


def test_products_conversions_and_gradients_match_cpu(layout, sparse_of):
    cpu, dense = sparse_of(layout, (40, 30), 200, dtype=np.float32)
    gpu = cpu.cuda()
    assert gpu.is_cuda and gpu.layout is layout
    d = T.tensor(np.random.default_rng(0).standard_normal((30, 8)).astype(np.float32))
    np.testing.assert_allclose((gpu @ d.cuda()).cpu().numpy(), (cpu @ d).numpy(), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(gpu.to_dense().cpu().numpy(), dense, rtol=1e-6)
    for target in (S.sparse_coo, S.sparse_csr, S.sparse_csc):
        moved = gpu.to_sparse(layout=None if target is S.sparse_coo else target)
        np.testing.assert_allclose(moved.to_dense().cpu().numpy(), dense, rtol=1e-6)
    leaf = gpu.detach().requires_grad_()
    dd = d.cuda().requires_grad_()
    (leaf @ dd).sum().backward()
    cleaf = cpu.detach().requires_grad_()
    cd = d.clone().requires_grad_()
    (cleaf @ cd).sum().backward()
    np.testing.assert_allclose(dd.grad.cpu().numpy(), cd.grad.numpy(), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(leaf.grad.to_dense().cpu().numpy(), cleaf.grad.to_dense().numpy(), rtol=1e-5,
                               atol=1e-5)


def test_coalesce_sum_and_softmax_on_gpu(coo_data):
    idx, vals, dense = coo_data((20, 10), 80, dtype=np.float32)
    gpu = S.sparse_coo_tensor(T.tensor(idx), T.tensor(vals), (20, 10), device="cuda")
    np.testing.assert_allclose(gpu.coalesce().to_dense().cpu().numpy(), dense, rtol=1e-5)
    np.testing.assert_allclose(S.sum(gpu, 1).to_dense().cpu().numpy(), dense.sum(1), rtol=1e-4, atol=1e-5)
    cpu = S.sparse_coo_tensor(T.tensor(idx), T.tensor(vals), (20, 10))
    np.testing.assert_allclose(S.softmax(gpu, 1).to_dense().cpu().numpy(), S.softmax(cpu, 1).to_dense().numpy(),
                               rtol=1e-5, atol=1e-6)
