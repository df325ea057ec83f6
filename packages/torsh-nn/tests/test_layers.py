"""Layers without PyTorch: output shapes, NumPy references for a few, float64 gradchecks, mode-dependent behaviour."""

import math

import numpy as np
import pytest
import torsh_nn as nn
import torsh_tensor as T
from torsh_autograd import gradcheck
from torsh_core import float64
from torsh_nn.modules.sparse import _embedding_bag


def _np(t):
    return t.detach().numpy()


def _x(*shape, grad=False, seed=0):
    t = T.tensor(np.random.default_rng(seed).normal(size=shape))
    return t.requires_grad_() if grad else t


SHAPES = [
    (lambda: nn.Linear(3, 5), (2, 4, 3), (2, 4, 5)),
    (lambda: nn.Conv1d(2, 4, 3, stride=2), (1, 2, 9), (1, 4, 4)),
    (lambda: nn.Conv2d(3, 6, 3, padding="same", groups=3), (2, 3, 5, 5), (2, 6, 5, 5)),
    (lambda: nn.Conv3d(1, 2, (1, 2, 2)), (1, 1, 2, 3, 3), (1, 2, 2, 2, 2)),
    (lambda: nn.ConvTranspose1d(2, 3, 4, stride=3, padding=1), (1, 2, 5), (1, 3, 14)),
    (lambda: nn.ConvTranspose2d(2, 4, 3, stride=2, output_padding=1), (1, 2, 3, 3), (1, 4, 8, 8)),
    (lambda: nn.MaxPool1d(2), (2, 3, 7), (2, 3, 3)),
    (lambda: nn.MaxPool2d(3, stride=2, padding=1), (1, 2, 8, 8), (1, 2, 4, 4)),
    (lambda: nn.AvgPool1d(3, stride=1), (2, 3, 7), (2, 3, 5)),
    (lambda: nn.AvgPool2d(2), (1, 2, 6, 4), (1, 2, 3, 2)),
    (lambda: nn.AdaptiveAvgPool2d(1), (2, 3, 5, 4), (2, 3, 1, 1)),
    (lambda: nn.AdaptiveMaxPool1d(4), (2, 3, 9), (2, 3, 4)),
    (lambda: nn.BatchNorm1d(3), (4, 3, 2), (4, 3, 2)),
    (lambda: nn.GroupNorm(2, 4), (2, 4, 3), (2, 4, 3)),
    (lambda: nn.InstanceNorm2d(3), (3, 4, 4), (3, 4, 4)),
    (lambda: nn.LayerNorm([2, 3]), (4, 2, 3), (4, 2, 3)),
    (lambda: nn.RMSNorm(3), (4, 3), (4, 3)),
    (lambda: nn.Embedding(7, 4), None, (2, 3, 4)),
    (lambda: nn.PixelShuffle(3), (1, 18, 2, 2), (1, 2, 6, 6)),
    (lambda: nn.PixelUnshuffle(2), (1, 1, 4, 6), (1, 4, 2, 3)),
    (lambda: nn.Upsample(scale_factor=3), (1, 1, 2, 2), (1, 1, 6, 6)),
    (lambda: nn.ReflectionPad2d((1, 2, 3, 0)), (1, 1, 4, 4), (1, 1, 7, 7)),
    (lambda: nn.Unfold(2), (1, 3, 4, 4), (1, 12, 9)),
    (lambda: nn.Fold((3, 3), 2), (1, 8, 4), (1, 2, 3, 3)),
    (lambda: nn.GLU(), (2, 6), (2, 3)),
    (lambda: nn.Softmax(dim=-1), (2, 6), (2, 6)),
]


@pytest.mark.parametrize("make, in_shape, out_shape", SHAPES)
def test_output_shapes(make, in_shape, out_shape):
    m = make()
    x = T.randint(0, 7, (2, 3)) if in_shape is None else T.randn(*in_shape)
    assert m(x).shape == out_shape


def test_linear_and_bilinear_match_numpy():
    lin = nn.Linear(3, 2).double()
    x = _x(4, 3)
    np.testing.assert_allclose(_np(lin(x)), _np(x) @ _np(lin.weight).T + _np(lin.bias))
    bil = nn.Bilinear(2, 3, 4).double()
    a, b = _x(5, 2, seed=1), _x(5, 3, seed=2)
    ref = np.einsum("ni,oij,nj->no", _np(a), _np(bil.weight), _np(b)) + _np(bil.bias)
    np.testing.assert_allclose(_np(bil(a, b)), ref)


def test_batchnorm_running_stats_momentum_and_cumulative_average():
    bn = nn.BatchNorm1d(3, momentum=0.2).double()
    x = _x(6, 3)
    out = bn(x)
    a = _np(x)
    np.testing.assert_allclose(_np(out), (a - a.mean(0)) / np.sqrt(a.var(0) + 1e-5), rtol=1e-10)
    np.testing.assert_allclose(_np(bn.running_mean), 0.2 * a.mean(0))
    np.testing.assert_allclose(_np(bn.running_var), 0.8 + 0.2 * a.var(0, ddof=1))
    assert bn.num_batches_tracked.item() == 1
    bn.eval()
    np.testing.assert_allclose(_np(bn(x)), (a - _np(bn.running_mean)) / np.sqrt(_np(bn.running_var) + 1e-5))
    cumulative = nn.BatchNorm1d(3, momentum=None).double()
    batches = [_x(4, 3, seed=s) for s in range(3)]
    for b in batches:
        cumulative(b)
    np.testing.assert_allclose(_np(cumulative.running_mean), np.mean([_np(b).mean(0) for b in batches], axis=0))
    assert cumulative.num_batches_tracked.item() == 3
    with pytest.raises(ValueError, match="expected 4D input \\(got 3D input\\)"):
        nn.BatchNorm2d(3)(T.zeros(2, 3, 4))


def test_batchnorm_old_checkpoint_without_num_batches_tracked_loads():
    bn = nn.BatchNorm1d(2)
    sd = bn.state_dict()
    del sd["num_batches_tracked"]
    sd._metadata[""] = {"version": 1}
    bn.load_state_dict(sd)


def test_dropout_training_statistics_and_eval_identity():
    x = T.ones(200, 50)
    d = nn.Dropout(0.3)
    y = _np(d(x))
    assert np.all(np.isclose(y, 0.0) | np.isclose(y, 1 / 0.7))
    assert abs((y == 0).mean() - 0.3) < 0.03
    d.eval()
    assert d(x) is x or np.array_equal(_np(d(x)), _np(x))
    channels = _np(nn.Dropout2d(0.5)(T.ones(8, 16, 3, 3)))
    assert all(len(np.unique(c)) == 1 for c in channels.reshape(128, 9))
    with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1, but got 1.5"):
        nn.Dropout(1.5)


def test_embedding_padding_idx_has_no_gradient_and_from_pretrained():
    emb = nn.Embedding(5, 2, padding_idx=0)
    idx = T.tensor([[0, 1, 1], [4, 0, 2]])
    emb(idx).sum().backward()
    g = _np(emb.weight.grad)
    assert not g[0].any() and g[1].tolist() == [2.0, 2.0]
    table = T.arange(6.0).reshape(3, 2)
    frozen = nn.Embedding.from_pretrained(table)
    assert not frozen.weight.requires_grad and frozen(T.tensor([2])).tolist() == [[4.0, 5.0]]
    assert repr(nn.Embedding(5, 2, padding_idx=0)) == "Embedding(5, 2, padding_idx=0)"
    with pytest.raises(AssertionError, match="Padding_idx must be within num_embeddings"):
        nn.Embedding(3, 2, padding_idx=3)
    with pytest.raises(NotImplementedError, match="sparse"):
        nn.Embedding(3, 2, sparse=True)


def _np_bags(table, indices, offsets, mode, weights=None, padding_idx=None):
    out = []
    bounds = list(offsets) + [len(indices)]
    for lo, hi in zip(bounds[:-1], bounds[1:]):
        rows = [(table[i] * (1.0 if weights is None else weights[j])) for j, i in enumerate(indices[lo:hi], lo)
                if i != padding_idx]
        if not rows:
            out.append(np.zeros(table.shape[1]))
        elif mode == "sum":
            out.append(np.sum(rows, axis=0))
        elif mode == "mean":
            out.append(np.mean(rows, axis=0))
        else:
            out.append(np.max(rows, axis=0))
    return np.array(out)


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_embedding_bag_matches_numpy_and_gradchecks(mode):
    bag = nn.EmbeddingBag(6, 3, mode=mode, padding_idx=4).double()
    indices = [1, 4, 2, 5, 0, 3, 3, 4]
    offsets = [0, 3, 3, 6]
    out = bag(T.tensor(indices), T.tensor(offsets))
    np.testing.assert_allclose(_np(out), _np_bags(_np(bag.weight), indices, offsets, mode, padding_idx=4))
    table = T.tensor(_np(bag.weight).copy()).requires_grad_()
    bag_fn = lambda w: _embedding_bag(T.tensor(indices), w, T.tensor(offsets), mode, None, False, 4)
    assert gradcheck(bag_fn, (table,))


def test_embedding_bag_per_sample_weights_and_errors():
    bag = nn.EmbeddingBag(5, 2, mode="sum").double()
    idx = T.tensor([[0, 2], [4, 4]])
    w = _x(2, 2, grad=True)
    ref = _np_bags(_np(bag.weight), [0, 2, 4, 4], [0, 2], "sum", _np(w).ravel())
    np.testing.assert_allclose(_np(bag(idx, per_sample_weights=w)), ref)
    assert gradcheck(lambda w: bag(idx, per_sample_weights=w), (w,))
    with pytest.raises(NotImplementedError, match="per_sample_weights is only supported for mode='sum'"):
        nn.EmbeddingBag(5, 2)(idx, per_sample_weights=w)
    with pytest.raises(ValueError, match="offsets has to be a 1D Tensor but got None"):
        bag(T.tensor([1, 2]))
    with pytest.raises(ValueError, match="if input is 2D, then offsets has to be None"):
        bag(idx, T.tensor([0]))
    with pytest.raises(IndexError):
        bag(T.tensor([[7]]))


def _np_attention(q_in, k_in, v_in, m, mask=None):
    """Reference multi-head attention for time-major (L, N, E) inputs."""
    e, h = m.embed_dim, m.num_heads
    w, b = _np(m.in_proj_weight), _np(m.in_proj_bias)
    q, k, v = (x @ w[i * e:(i + 1) * e].T + b[i * e:(i + 1) * e] for i, x in enumerate((q_in, k_in, v_in)))
    d = e // h
    split = lambda t: t.reshape(t.shape[0], t.shape[1], h, d).transpose(1, 2, 0, 3)  # (N, H, L, d)
    scores = split(q) @ split(k).transpose(0, 1, 3, 2) / math.sqrt(d)
    if mask is not None:
        scores = scores + mask
    weights = np.exp(scores - scores.max(-1, keepdims=True))
    weights /= weights.sum(-1, keepdims=True)
    out = (weights @ split(v)).transpose(2, 0, 1, 3).reshape(q_in.shape[0], q_in.shape[1], e)
    return out @ _np(m.out_proj.weight).T + _np(m.out_proj.bias), weights.mean(1)


def test_multihead_attention_matches_numpy_and_gradchecks():
    m = nn.MultiheadAttention(4, 2).double()
    q, k, v = _x(3, 2, 4, seed=1), _x(5, 2, 4, seed=2), _x(5, 2, 4, seed=3)
    mask = np.triu(np.full((3, 5), -np.inf), 3)
    out, weights = m(q, k, v, attn_mask=T.tensor(mask))
    ref_out, ref_w = _np_attention(_np(q), _np(k), _np(v), m, mask)
    np.testing.assert_allclose(_np(out), ref_out, rtol=1e-10)
    np.testing.assert_allclose(_np(weights), ref_w, rtol=1e-10)
    bool_mask = T.tensor(np.isinf(mask))
    np.testing.assert_allclose(_np(m(q, k, v, attn_mask=bool_mask)[0]), ref_out, rtol=1e-10)
    q.requires_grad_()
    assert gradcheck(lambda q: m(q, k, v, need_weights=False)[0], (q,))
    assert m(q, k, v, need_weights=False)[1] is None
    with pytest.raises(AssertionError, match="embed_dim must be divisible by num_heads"):
        nn.MultiheadAttention(5, 2)
    with pytest.raises(RuntimeError, match="The shape of the 2D attn_mask is"):
        m(q, k, v, attn_mask=T.zeros(3, 3, dtype=float64))
    with pytest.raises(RuntimeError, match="Need attn_mask if specifying the is_causal hint"):
        m(q, k, v, is_causal=True)


def test_transformer_encoder_layer_gradcheck_and_mask_helper():
    layer = nn.TransformerEncoderLayer(4, 2, 6, dropout=0.0).double()
    x = _x(3, 1, 4, grad=True)
    assert gradcheck(lambda x: layer(x), (x,))
    mask = nn.Transformer.generate_square_subsequent_mask(3)
    assert _np(mask).tolist() == [[0, -math.inf, -math.inf], [0, 0, -math.inf], [0, 0, 0]]
    enc = nn.TransformerEncoder(layer, 2)
    assert enc.layers[0] is not layer and enc(x.detach(), mask=mask.double()).shape == (3, 1, 4)
    with pytest.raises(RuntimeError, match="activation should be relu/gelu, not tanh"):
        nn.TransformerEncoderLayer(4, 2, activation="tanh")
    model = nn.Transformer(4, 2, 1, 1, 8, dropout=0.0)
    with pytest.raises(RuntimeError, match="the feature number of src and tgt must be equal to d_model"):
        model(T.zeros(2, 1, 4), T.zeros(2, 1, 3))


def test_conv_padding_modes_match_numpy_padding():
    conv = nn.Conv1d(1, 1, 3, padding=2, padding_mode="reflect", bias=False).double()
    x = _x(1, 1, 6)
    padded = np.pad(_np(x)[0, 0], 2, mode="reflect")
    w = _np(conv.weight)[0, 0]
    ref = np.array([padded[i:i + 3] @ w for i in range(len(padded) - 2)])
    np.testing.assert_allclose(_np(conv(x))[0, 0], ref)
    with pytest.raises(ValueError, match="padding_mode must be one of"):
        nn.Conv2d(1, 1, 3, padding_mode="mirror")
    with pytest.raises(ValueError, match="in_channels must be divisible by groups"):
        nn.Conv2d(3, 4, 3, groups=2)
    with pytest.raises(ValueError, match="padding='same' is not supported for strided convolutions"):
        nn.Conv2d(1, 1, 3, stride=2, padding="same")
    with pytest.raises(ValueError, match='Only "zeros" padding mode is supported for ConvTranspose2d'):
        nn.ConvTranspose2d(1, 1, 3, padding_mode="reflect")


def test_conv_transpose_output_size_selects_output_padding():
    up = nn.ConvTranspose2d(1, 1, 3, stride=2, padding=1)
    x = T.randn(1, 1, 4, 4)
    assert up(x).shape == (1, 1, 7, 7) and up(x, output_size=[8, 8]).shape == (1, 1, 8, 8)
    with pytest.raises(ValueError, match="requested an output size of \\[9, 9\\]"):
        up(x, output_size=(9, 9))


def test_channel_shuffle_matches_numpy():
    x = T.arange(12.0).reshape(1, 6, 2)
    ref = _np(x).reshape(1, 2, 3, 2).transpose(0, 2, 1, 3).reshape(1, 6, 2)
    np.testing.assert_array_equal(_np(nn.ChannelShuffle(2)(x)), ref)
    with pytest.raises(RuntimeError, match="Number of channels must be divisible by groups"):
        nn.ChannelShuffle(4)(x)


def test_losses_reduce_and_hold_weight_buffers():
    ce = nn.CrossEntropyLoss(weight=T.ones(3))
    assert list(ce.state_dict()) == ["weight"]
    logits, target = _x(4, 3), T.tensor([0, 2, 1, 2])
    logp = _np(logits) - np.log(np.exp(_np(logits)).sum(1, keepdims=True))
    assert ce(logits, target).item() == pytest.approx(-logp[np.arange(4), [0, 2, 1, 2]].mean())
    mse = nn.MSELoss(reduction="none")
    assert mse(_x(2, 2), T.zeros(2, 2, dtype=float64)).shape == (2, 2)
    with pytest.warns(UserWarning, match="size_average and reduce args will be deprecated"):
        assert nn.L1Loss(reduce=False).reduction == "none"
    assert nn.BCEWithLogitsLoss(pos_weight=T.ones(2)).pos_weight.shape == (2,)


def test_activation_reprs_and_inplace():
    assert repr(nn.LeakyReLU(0.2, inplace=True)) == "LeakyReLU(negative_slope=0.2, inplace=True)"
    assert repr(nn.ReLU(inplace=True)) == "ReLU(inplace=True)"
    assert repr(nn.Hardtanh()) == "Hardtanh(min_val=-1.0, max_val=1.0)"
    x = T.tensor([-1.0, 2.0])
    y = nn.ReLU(inplace=True)(x)
    assert x.tolist() == [0.0, 2.0] and y.tolist() == [0.0, 2.0]
    with pytest.raises(AssertionError):
        nn.Hardtanh(1.0, 0.0)
