"""The engine is exercised through torsh-tensor's ops (installed by the ``test`` extra)."""

import numpy as np
import pytest
import torsh_tensor  # noqa: F401  registers the tensor API the engine needs


@pytest.fixture
def close():
    """Assert a tensor equals expected values (NumPy's allclose, float64 tolerance)."""

    def check(t, expected, rtol=1e-6, atol=1e-8):
        got = t.detach().numpy() if hasattr(t, "detach") else np.asarray(t)
        np.testing.assert_allclose(got, np.asarray(expected, dtype=np.float64), rtol=rtol, atol=atol)

    return check
