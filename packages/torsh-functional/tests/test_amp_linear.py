"""linear/bilinear under autocast: lower precision on the CPU (bilinear untouched there), gradients in float32."""

import numpy as np
import torsh_tensor as T
from torsh_core import dtypes as dt
from torsh_functional import bilinear, linear
from torsh_tensor.amp import autocast


def test_linear_runs_in_bf16_and_grads_flow_back():
    rng = np.random.default_rng(0)
    x = T.tensor(rng.standard_normal((2, 3, 4)), dtype=dt.float32)
    w = T.tensor(rng.standard_normal((5, 4)), dtype=dt.float32, requires_grad=True)
    b = T.tensor(rng.standard_normal(5), dtype=dt.float32, requires_grad=True)
    with autocast("cpu"):
        y = linear(x, w, b)
        y_nobias = linear(x, w)
    assert y.dtype is dt.bfloat16 and y_nobias.dtype is dt.bfloat16 and tuple(y.shape) == (2, 3, 5)
    ref = x.numpy() @ w.detach().numpy().T + b.detach().numpy()
    np.testing.assert_allclose(y.float().detach().numpy(), ref, rtol=3e-2, atol=3e-2)
    y.float().sum().backward()
    assert w.grad.dtype is dt.float32 and b.grad.dtype is dt.float32
    np.testing.assert_allclose(b.grad.numpy(), np.full(5, 6.0), rtol=1e-2)


def test_bilinear_not_cast_on_cpu():
    x = T.ones(2, 3)
    with autocast("cpu"):
        assert bilinear(x, x, T.ones(4, 3, 3), T.ones(4)).dtype is dt.float32


def test_conv_keeps_half_precision_dtypes_and_autocasts():
    """bfloat16/float16 convolutions stay in their dtype (computed in float32, rounded once), as on PyTorch's CPU."""
    import torsh_functional as F
    import torsh_tensor as T
    from torsh_core import bfloat16, float16

    x, w = T.randn(2, 3, 6, 6), T.randn(4, 3, 3, 3)
    ref = F.conv2d(x, w, padding=1)
    for half in (bfloat16, float16):
        out = F.conv2d(x.to(half), w.to(half), padding=1)
        assert out.dtype is half
        assert T.allclose(out.float(), ref, rtol=5e-2, atol=1e-1)
    xg = x.clone().requires_grad_()
    with T.autocast("cpu"):
        y = F.conv2d(xg, w, padding=1)
        assert y.dtype is bfloat16
    y.float().sum().backward()
    assert xg.grad.dtype is x.dtype
