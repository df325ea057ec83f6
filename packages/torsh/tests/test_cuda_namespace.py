"""torsh.cuda answers like torch.cuda on a machine without a GPU."""

import pytest
import torsh


def test_cuda_namespace_without_gpu():
    if torsh.cuda.is_available():
        pytest.skip("this machine has a GPU")
    assert torsh.cuda.device_count() == 0
    assert torsh.cuda.is_bf16_supported() is False
    with pytest.raises(RuntimeError, match="CUDA is not available"):
        torsh.zeros(2, device="cuda")
    with pytest.raises(RuntimeError, match="CUDA is not available"):
        torsh.ones(2).cuda()


def test_cuda_manual_seed_seeds_the_shared_generator():
    torsh.cuda.manual_seed_all(3)
    a = torsh.rand(4)
    torsh.manual_seed(3)
    assert torsh.equal(a, torsh.rand(4))
