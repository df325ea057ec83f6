"""nn.init: formulas for bounds/stds, statistics of the samples, structure of eye/dirac/orthogonal, RNG control."""

import math

import numpy as np
import pytest
import torsh_nn as nn
import torsh_tensor as T
from torsh_nn import init


def _np(t):
    return t.detach().numpy()


def test_calculate_gain():
    assert init.calculate_gain("linear") == 1 and init.calculate_gain("conv2d") == 1
    assert init.calculate_gain("sigmoid") == 1
    assert init.calculate_gain("tanh") == pytest.approx(5 / 3)
    assert init.calculate_gain("relu") == pytest.approx(math.sqrt(2))
    assert init.calculate_gain("leaky_relu") == pytest.approx(math.sqrt(2 / (1 + 0.01**2)))
    assert init.calculate_gain("leaky_relu", 0.2) == pytest.approx(math.sqrt(2 / 1.04))
    assert init.calculate_gain("selu") == 0.75
    with pytest.raises(ValueError, match="Unsupported nonlinearity foo"):
        init.calculate_gain("foo")
    with pytest.raises(ValueError, match="not a valid number"):
        init.calculate_gain("leaky_relu", True)


def test_fans_and_errors():
    assert init._calculate_fan_in_and_fan_out(T.empty(4, 3, 2, 5)) == (30, 40)
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init.xavier_uniform_(T.empty(3))
    with pytest.raises(ValueError, match="Mode fan_avg not supported"):
        init.kaiming_uniform_(T.empty(3, 3), mode="fan_avg")


@pytest.mark.parametrize("fn, bound", [
    (lambda t: init.xavier_uniform_(t, gain=2.0), 2.0 * math.sqrt(6.0 / (200 + 100))),
    (lambda t: init.kaiming_uniform_(t, a=math.sqrt(5)), 1 / math.sqrt(100)),
    (lambda t: init.kaiming_uniform_(t, mode="fan_out", nonlinearity="relu"), math.sqrt(2) * math.sqrt(3 / 200)),
    (lambda t: init.uniform_(t, -0.3, 0.3), 0.3),
])
def test_uniform_initialisers_fill_their_bounds(fn, bound):
    t = T.empty(200, 100)
    fn(t)
    a = _np(t)
    assert np.abs(a).max() <= bound + 1e-6
    assert np.abs(a).max() > 0.98 * bound  # 20000 samples reach the edge
    assert abs(a.mean()) < 0.02 * bound * 3


@pytest.mark.parametrize("fn, std", [
    (lambda t: init.xavier_normal_(t), math.sqrt(2.0 / 300)),
    (lambda t: init.kaiming_normal_(t, nonlinearity="relu"), math.sqrt(2.0 / 100)),
    (lambda t: init.normal_(t, 1.0, 0.5), 0.5),
])
def test_normal_initialisers_have_their_std(fn, std):
    t = T.empty(200, 100)
    fn(t)
    assert _np(t).std() == pytest.approx(std, rel=0.03)


def test_trunc_normal_constant_ones_zeros_eye():
    t = init.trunc_normal_(T.empty(100, 100), mean=0.5, std=1.0, a=-0.5, b=1.0)
    a = _np(t)
    assert a.min() >= -0.5 and a.max() <= 1.0 and a.std() > 0.3
    assert np.all(_np(init.constant_(T.empty(2, 2), 0.7)) == np.float32(0.7))
    assert np.all(_np(init.ones_(T.empty(3))) == 1) and np.all(_np(init.zeros_(T.ones(3))) == 0)
    np.testing.assert_array_equal(_np(init.eye_(T.empty(2, 3))), np.eye(2, 3))
    with pytest.raises(ValueError, match="Only tensors with 2 dimensions"):
        init.eye_(T.empty(2, 2, 2))


def test_dirac_orthogonal_sparse():
    w = init.dirac_(T.empty(4, 2, 3, 3), groups=2)
    a = _np(w)
    assert a.sum() == 4 and a[0, 0, 1, 1] == 1 and a[1, 1, 1, 1] == 1 and a[2, 0, 1, 1] == 1
    with pytest.raises(ValueError, match="Only tensors with 3, 4, or 5 dimensions"):
        init.dirac_(T.empty(2, 2))
    q = _np(init.orthogonal_(T.empty(3, 5), gain=2.0))
    np.testing.assert_allclose(q @ q.T, 4 * np.eye(3), atol=1e-5)
    q = _np(init.orthogonal_(T.empty(6, 2, 2)).reshape(6, 4))
    np.testing.assert_allclose(q.T @ q, np.eye(4), atol=1e-5)
    s = _np(init.sparse_(T.empty(10, 4), sparsity=0.3))
    assert all((s[:, c] == 0).sum() >= 3 for c in range(4))


def test_init_runs_under_no_grad_on_parameters_and_uses_generator():
    p = nn.Parameter(T.empty(3, 3))
    init.normal_(p)
    assert p.grad_fn is None and p.requires_grad
    g1, g2 = T.Generator().manual_seed(5), T.Generator().manual_seed(5)
    a = init.kaiming_uniform_(T.empty(4, 4), generator=g1)
    b = init.kaiming_uniform_(T.empty(4, 4), generator=g2)
    np.testing.assert_array_equal(_np(a), _np(b))
    T.manual_seed(3)
    c = _np(init.uniform_(T.empty(5)))
    T.manual_seed(3)
    np.testing.assert_array_equal(c, _np(init.uniform_(T.empty(5))))
    with pytest.warns(UserWarning, match="zero-element"):
        init.kaiming_normal_(T.empty(0, 3))


@pytest.mark.parametrize("make, weight_bound, bias_bound", [
    (lambda: nn.Linear(50, 40), 1 / math.sqrt(50), 1 / math.sqrt(50)),
    (lambda: nn.Conv2d(6, 20, 3), 1 / math.sqrt(54), 1 / math.sqrt(54)),
    (lambda: nn.ConvTranspose1d(6, 20, 3), 1 / math.sqrt(60), 1 / math.sqrt(60)),
    (lambda: nn.Bilinear(10, 7, 30), 1 / math.sqrt(10), 1 / math.sqrt(10)),
    (lambda: nn.LSTM(20, 25), 1 / 5, 1 / 5),
])
def test_default_layer_initialisation_bounds(make, weight_bound, bias_bound):
    m = make()
    weights = [_np(p) for n, p in m.named_parameters() if "weight" in n]
    biases = [_np(p) for n, p in m.named_parameters() if "bias" in n]
    for w in weights:
        assert np.abs(w).max() <= weight_bound + 1e-6 and np.abs(w).max() > 0.8 * weight_bound
    for b in biases:
        assert np.abs(b).max() <= bias_bound + 1e-6


def test_default_initialisation_of_norms_embeddings_attention():
    bn = nn.BatchNorm2d(3)
    assert _np(bn.weight).tolist() == [1, 1, 1] and _np(bn.bias).tolist() == [0, 0, 0]
    assert _np(bn.running_var).tolist() == [1, 1, 1] and bn.num_batches_tracked.item() == 0
    emb = nn.Embedding(1000, 20, padding_idx=3)
    assert _np(emb.weight).std() == pytest.approx(1.0, rel=0.05) and not _np(emb.weight)[3].any()
    mha = nn.MultiheadAttention(8, 2)
    assert not _np(mha.in_proj_bias).any() and not _np(mha.out_proj.bias).any()
    assert np.abs(_np(mha.in_proj_weight)).max() <= math.sqrt(6 / (24 + 8))
    assert _np(nn.PReLU(3, init=0.1).weight).tolist() == pytest.approx([0.1] * 3)
