"""DistributedDataParallel in a world of one: gradients equal plain backward's, PyTorch's surface, its errors."""

import sys

import numpy as np
import pytest
import torsh_nn as nn
import torsh_tensor as T


def _pair():
    T.manual_seed(0)
    plain = nn.Sequential(nn.Linear(4, 5), nn.ReLU(), nn.Linear(5, 2))
    T.manual_seed(0)
    return plain, nn.Sequential(nn.Linear(4, 5), nn.ReLU(), nn.Linear(5, 2))


def test_gradients_match_plain_backward(single):
    plain, wrapped = _pair()
    ddp = single.DistributedDataParallel(wrapped, bucket_cap_mb=0.0001)
    x = T.randn(3, 4)
    for _ in range(2):  # gradients accumulate across backward passes as without DDP
        plain(x).pow(2).sum().backward()
        ddp(x).pow(2).sum().backward()
    for p, q in zip(plain.parameters(), ddp.module.parameters()):
        np.testing.assert_allclose(q.grad.numpy(), p.grad.numpy(), rtol=1e-6)


def test_no_sync_and_attributes(single):
    _, wrapped = _pair()
    ddp = single.DistributedDataParallel(wrapped)
    assert ddp.module is wrapped
    assert list(ddp.state_dict()) == ["module." + k for k in wrapped.state_dict()]
    with ddp.no_sync():
        assert not ddp.require_backward_grad_sync
        ddp(T.randn(2, 4)).sum().backward()
    assert ddp.require_backward_grad_sync
    assert all(p.grad is not None for p in wrapped.parameters())


def test_second_backward_through_one_forward_is_an_error(single):
    _, wrapped = _pair()
    ddp = single.DistributedDataParallel(wrapped)
    out = ddp(T.randn(2, 4)).sum()
    out.backward(retain_graph=True)
    with pytest.raises(RuntimeError, match="already averaged"):
        out.backward()


def test_construction_errors(single):
    with pytest.raises(TypeError, match="expects a torsh.nn.Module"):
        single.DistributedDataParallel(lambda x: x)
    with pytest.raises(RuntimeError, match="doesn't have any parameter"):
        single.DistributedDataParallel(nn.ReLU())
    with pytest.raises(ValueError, match="bucket_cap_mb must be positive"):
        single.DistributedDataParallel(nn.Linear(2, 2), bucket_cap_mb=0)
    with pytest.raises(NotImplementedError, match="register_comm_hook"):
        single.DistributedDataParallel(nn.Linear(2, 2)).register_comm_hook(None, None)


def test_torch_spelling_resolves(single):
    import torsh_nn

    assert torsh_nn.parallel.DistributedDataParallel is single.DistributedDataParallel
    assert sys.modules["torsh.nn.parallel"] is torsh_nn.parallel


def test_umbrella_spelling():
    torsh = pytest.importorskip("torsh")
    assert torsh.distributed.DistributedDataParallel is torsh.nn.parallel.DistributedDataParallel
    import torsh.nn.parallel

    assert torsh.nn.parallel.DistributedDataParallel.__name__ == "DistributedDataParallel"
