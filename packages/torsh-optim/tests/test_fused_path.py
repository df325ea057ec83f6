"""The C update path (one call per group) against the tensor-op reference path it replaces: bitwise equal."""

import numpy as np
import pytest
import torsh_optim as optim
import torsh_tensor as tt
from torsh_optim import _fused

CASES = [
    (optim.SGD, dict(lr=0.05)),
    (optim.SGD, dict(lr=0.05, momentum=0.9, dampening=0.2, weight_decay=0.1)),
    (optim.SGD, dict(lr=0.05, momentum=0.9, nesterov=True, maximize=True, fused=True)),
    (optim.Adam, dict(lr=0.01)),
    (optim.Adam, dict(lr=0.01, betas=(0.8, 0.9), eps=1e-3, weight_decay=0.2, amsgrad=True, maximize=True)),
    (optim.AdamW, dict(lr=0.01, amsgrad=True, fused=True)),
    (optim.AdamW, dict(lr=0.01, weight_decay=0.3)),
]


def _train(opt_cls, kwargs, dtype):
    rng = np.random.default_rng(0)
    params = [tt.tensor(rng.standard_normal(s).astype(dtype), requires_grad=True) for s in ((5, 3), (3,), (257,))]
    opt = opt_cls(params, **kwargs)
    for _ in range(6):
        for p in params:
            p.grad = tt.tensor(rng.standard_normal(tuple(p.shape)).astype(dtype))
        opt.step()
    return [p.detach().numpy().copy() for p in params], opt


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("opt_cls, kwargs", CASES)
def test_c_path_equals_reference_path(opt_cls, kwargs, dtype, monkeypatch):
    fast, opt = _train(opt_cls, kwargs, dtype)
    monkeypatch.setattr(_fused, "ready", lambda *arrays: False)
    slow, ref = _train(opt_cls, kwargs, dtype)
    for a, b in zip(fast, slow):
        np.testing.assert_array_equal(a, b)
    for sa, sb in zip(opt.state.values(), ref.state.values()):
        assert sa.keys() == sb.keys()
        for k in sa:
            np.testing.assert_array_equal(sa[k].numpy(), sb[k].numpy())
