"""F.linear under CPU autocast against PyTorch 2.13.0: same dtype, values within bfloat16 rounding."""

import numpy as np
import pytest
import torsh_tensor as T
from torsh_core import dtypes as dt
from torsh_functional import linear
from torsh_tensor.amp import autocast

pytestmark = pytest.mark.compat
torch = pytest.importorskip("torch")


@pytest.mark.parametrize("amp_dtype", ["bfloat16", "float16"])
def test_linear_autocast_matches_torch(amp_dtype):
    rng = np.random.default_rng(0)
    x, w, b = (rng.standard_normal(s).astype(np.float32) for s in [(8, 16), (4, 16), (4,)])
    with torch.autocast("cpu", dtype=getattr(torch, amp_dtype)):
        ref = torch.nn.functional.linear(*map(torch.from_numpy, (x, w, b)))
    with autocast("cpu", dtype=getattr(dt, amp_dtype)):
        got = linear(*map(T.from_numpy, (x, w, b)))
    assert str(got.dtype) == str(ref.dtype).replace("torch", "torsh")
    np.testing.assert_allclose(got.float().numpy(), ref.float().numpy(), rtol=2e-2, atol=2e-2)
