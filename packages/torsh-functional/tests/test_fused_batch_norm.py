"""The C batch-norm path (CPU float32/float64) against the Tensor-op path it replaces: values, grads, running stats."""

import numpy as np
import pytest
import torsh_functional as F
import torsh_tensor as tt
from torsh_functional import normalization

# (shape, affine, a transposed (non-contiguous) view of the input)
CASES = [((4, 3, 5), True, False), ((6, 2), True, False), ((3, 4, 5, 2), False, True), ((2, 3, 4, 3), True, True)]


def _run(x, w, b, rm, rv, training, dtype, transpose):
    xt = tt.tensor(x.astype(dtype), requires_grad=True)
    wt = None if w is None else tt.tensor(w.astype(dtype), requires_grad=True)
    bt = None if b is None else tt.tensor(b.astype(dtype), requires_grad=True)
    rmt, rvt = tt.tensor(rm.astype(dtype)), tt.tensor(rv.astype(dtype))
    inp = xt.transpose(-1, -2) if transpose else xt
    out = F.batch_norm(inp, rmt, rvt, wt, bt, training=training, momentum=0.3, eps=1e-3)
    (out * tt.tensor(np.linspace(-1, 1, out.numel()).reshape(tuple(out.shape)).astype(dtype))).sum().backward()
    grads = [t.grad.numpy() for t in (xt, wt, bt) if t is not None]
    return [out.detach().numpy(), rmt.numpy(), rvt.numpy()] + grads


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("shape, affine, transpose", CASES)
def test_c_path_matches_tensor_path(shape, affine, transpose, training, dtype, rng, monkeypatch):
    x = rng.standard_normal(shape) * 2 + 1
    c = shape[1]
    w, b = (rng.standard_normal(c), rng.standard_normal(c)) if affine else (None, None)
    rm, rv = rng.standard_normal(c), rng.uniform(0.5, 2, c)
    fast = _run(x, w, b, rm, rv, training, dtype, transpose)
    monkeypatch.setattr(normalization, "fast", lambda *t: False)
    slow = _run(x, w, b, rm, rv, training, dtype, transpose)
    for a, s in zip(fast, slow):
        assert a.dtype == s.dtype
        np.testing.assert_allclose(a, s, rtol=1e-4 if dtype is np.float32 else 1e-11, atol=1e-4 if dtype is
                                   np.float32 else 1e-11)


@pytest.mark.parametrize("training", [True, False])
def test_c_path_gradcheck(training, rng, leaf, check_grad):
    x, w, b = leaf(rng.standard_normal((3, 2, 4))), leaf(rng.standard_normal(2)), leaf(rng.standard_normal(2))
    rm, rv = tt.tensor(rng.standard_normal(2)), tt.tensor(rng.uniform(0.5, 2, 2))
    check_grad(lambda x, w, b: F.batch_norm(x, rm, rv, w, b, training=training), x, w, b, second=True)


def test_empty_batch_eval_and_single_value_training():
    f32 = np.float32
    out = F.batch_norm(tt.tensor(np.zeros((0, 3), f32)), tt.tensor(np.zeros(3, f32)), tt.tensor(np.ones(3, f32)))
    assert tuple(out.shape) == (0, 3)
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        F.batch_norm(tt.tensor(np.zeros((1, 3, 1), f32)), None, None, training=True)
