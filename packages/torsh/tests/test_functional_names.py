"""torch.softmax, torch.conv2d, ... and Tensor.softmax / log_softmax come from torsh-functional when it is installed."""

import importlib.util

import numpy as np
import pytest
import torsh

HAVE_FUNCTIONAL = importlib.util.find_spec("torsh_functional") is not None


@pytest.mark.skipif(not HAVE_FUNCTIONAL, reason="torsh-functional is not installed")
def test_top_level_functions_and_tensor_methods():
    import torsh_functional as F

    assert torsh.softmax is F.softmax and torsh.conv2d is F.conv2d and torsh.log_softmax is F.log_softmax
    x = torsh.tensor(np.random.default_rng(0).standard_normal((3, 5)), requires_grad=True)
    np.testing.assert_allclose(x.softmax(1).detach().numpy(), F.softmax(x, 1).detach().numpy(), rtol=0)
    np.testing.assert_allclose(x.log_softmax(dim=0).detach().numpy(), F.log_softmax(x, 0).detach().numpy(), rtol=0)
    assert x.softmax(-1, dtype=torsh.float32).dtype == torsh.float32
    x.log_softmax(1)[:, 0].sum().backward()
    assert x.grad.shape == x.shape


@pytest.mark.skipif(HAVE_FUNCTIONAL, reason="torsh-functional is installed")
def test_without_torsh_functional_the_error_names_the_package():
    with pytest.raises(ImportError, match="pip install torsh-functional"):
        torsh.softmax  # noqa: B018
