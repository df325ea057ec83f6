"""RNN/LSTM/GRU and cells against a NumPy reference, PackedSequence handling, gradchecks and errors."""

import numpy as np
import pytest
import torsh_nn as nn
import torsh_tensor as T
from torsh_autograd import gradcheck
from torsh_core import float64
from torsh_nn.utils import rnn as rnn_utils


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _np_step(mode, x, h, c, w_ih, w_hh, b_ih, b_hh, w_hr):
    gi, gh = x @ w_ih.T + b_ih, h @ w_hh.T + b_hh
    if mode == "RNN_TANH":
        return np.tanh(gi + gh), None
    if mode == "RNN_RELU":
        return np.maximum(gi + gh, 0), None
    if mode == "GRU":
        r = _sigmoid(gi[:, :len(gi[0]) // 3] + gh[:, :len(gh[0]) // 3])
        z = _sigmoid(gi[:, len(gi[0]) // 3:2 * len(gi[0]) // 3] + gh[:, len(gh[0]) // 3:2 * len(gh[0]) // 3])
        n = np.tanh(gi[:, 2 * len(gi[0]) // 3:] + r * gh[:, 2 * len(gh[0]) // 3:])
        return (1 - z) * n + z * h, None
    i, f, g, o = np.split(gi + gh, 4, axis=1)
    c = _sigmoid(f) * c + _sigmoid(i) * np.tanh(g)
    h = _sigmoid(o) * np.tanh(c)
    return (h @ w_hr.T if w_hr is not None else h), c


def _np_rnn(module, x, h0, c0):
    """Reference: time-major x (T, B, I) through every layer and direction of ``module``."""
    dirs = 2 if module.bidirectional else 1
    hs, cs = [], []
    for layer in range(module.num_layers):
        outs = []
        for d in range(dirs):
            suffix = f"_l{layer}" + ("_reverse" if d else "")
            get = lambda name, s=suffix: getattr(module, name + s).detach().numpy() if hasattr(module, name + s) \
                else None
            w_ih, w_hh = get("weight_ih"), get("weight_hh")
            b_ih = get("bias_ih") if module.bias else np.zeros(w_ih.shape[0])
            b_hh = get("bias_hh") if module.bias else np.zeros(w_ih.shape[0])
            h, c = h0[layer * dirs + d], (c0[layer * dirs + d] if c0 is not None else None)
            steps = range(x.shape[0] - 1, -1, -1) if d else range(x.shape[0])
            out = [None] * x.shape[0]
            for t in steps:
                h, c = _np_step(module.mode, x[t], h, c, w_ih, w_hh, b_ih, b_hh, get("weight_hr"))
                out[t] = h
            outs.append(np.stack(out))
            hs.append(h)
            cs.append(c)
        x = np.concatenate(outs, axis=-1)
    return x, np.stack(hs), (np.stack(cs) if c0 is not None else None)


CONFIGS = [
    (nn.RNN, dict(num_layers=2)),
    (nn.RNN, dict(nonlinearity="relu", bidirectional=True)),
    (nn.GRU, dict(num_layers=2, bidirectional=True)),
    (nn.GRU, dict(bias=False, batch_first=True)),
    (nn.LSTM, dict(num_layers=2, bidirectional=True, batch_first=True)),
    (nn.LSTM, dict(proj_size=2)),
]


@pytest.mark.parametrize("cls, kwargs", CONFIGS)
def test_matches_numpy_reference(cls, kwargs):
    T.manual_seed(0)
    m = cls(3, 4, **kwargs).double()
    is_lstm = cls is nn.LSTM
    dirs = 2 if m.bidirectional else 1
    real_hidden = m.proj_size or m.hidden_size
    x = np.random.default_rng(1).normal(size=(5, 2, 3))
    h0 = np.random.default_rng(2).normal(size=(m.num_layers * dirs, 2, real_hidden))
    c0 = np.random.default_rng(3).normal(size=(m.num_layers * dirs, 2, 4)) if is_lstm else None
    inp = T.tensor(x.transpose(1, 0, 2) if m.batch_first else x)
    hx = (T.tensor(h0), T.tensor(c0)) if is_lstm else T.tensor(h0)
    out, state = m(inp, hx)
    ref_out, ref_h, ref_c = _np_rnn(m, x, h0, c0)
    got = out.detach().numpy()
    np.testing.assert_allclose(got.transpose(1, 0, 2) if m.batch_first else got, ref_out, rtol=1e-10, atol=1e-12)
    h = state[0] if is_lstm else state
    np.testing.assert_allclose(h.detach().numpy(), ref_h, rtol=1e-10, atol=1e-12)
    if is_lstm:
        np.testing.assert_allclose(state[1].detach().numpy(), ref_c, rtol=1e-10, atol=1e-12)


def test_parameter_names_follow_pytorch():
    lstm = nn.LSTM(3, 4, num_layers=2, bidirectional=True, proj_size=2)
    names = [n for n, _ in lstm.named_parameters()]
    assert names[:5] == ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0", "weight_hr_l0"]
    assert "weight_hr_l1_reverse" in names and len(names) == 20
    assert lstm.weight_ih_l1.shape == (16, 4) and lstm.weight_hh_l0.shape == (16, 2)
    assert [n for n, _ in nn.GRU(2, 3, bias=False).named_parameters()] == ["weight_ih_l0", "weight_hh_l0"]
    assert repr(lstm) == "LSTM(3, 4, proj_size=2, num_layers=2, bidirectional=True)"
    assert len(lstm.all_weights) == 4 and lstm.all_weights[1][0] is lstm.weight_ih_l0_reverse


def test_unbatched_input_and_default_state():
    gru = nn.GRU(3, 4, num_layers=2).double()
    x = T.randn(5, 3, dtype=float64)
    out, h = gru(x)
    assert out.shape == (5, 4) and h.shape == (2, 4)
    batched, hb = gru(x.unsqueeze(1))
    np.testing.assert_allclose(out.detach().numpy(), batched.detach().numpy()[:, 0])


@pytest.mark.parametrize("cls", [nn.RNN, nn.GRU, nn.LSTM])
def test_packed_sequence_equals_running_each_sequence_alone(cls):
    m = cls(2, 3, bidirectional=True, num_layers=2).double()
    lengths = [2, 4, 3]
    seqs = [T.randn(n, 2, dtype=float64) for n in lengths]
    packed = rnn_utils.pack_sequence(seqs, enforce_sorted=False)
    out, state = m(packed)
    padded, out_lengths = rnn_utils.pad_packed_sequence(out)
    assert out_lengths.tolist() == lengths
    h = state[0] if cls is nn.LSTM else state
    for b, seq in enumerate(seqs):
        alone, alone_state = m(seq.unsqueeze(1))
        n = lengths[b]
        np.testing.assert_allclose(padded.detach().numpy()[:n, b], alone.detach().numpy()[:, 0], atol=1e-12)
        alone_h = alone_state[0] if cls is nn.LSTM else alone_state
        np.testing.assert_allclose(h.detach().numpy()[:, b], alone_h.detach().numpy()[:, 0], atol=1e-12)


@pytest.mark.parametrize("cls", [nn.GRU, nn.LSTM, nn.RNN])
def test_gradcheck_input_state_and_weights(cls):
    m = cls(2, 2, bidirectional=True).double()
    x = T.randn(3, 1, 2, dtype=float64, requires_grad=True)
    h0 = T.randn(2, 1, 2, dtype=float64, requires_grad=True)
    weight = m.weight_hh_l0_reverse
    assert gradcheck(lambda x, h0: m(x, (h0, h0 * 0.5) if cls is nn.LSTM else h0)[0], (x, h0))
    out = m(x)[0].sum()
    out.backward()
    assert weight.grad is not None and weight.grad.shape == weight.shape


@pytest.mark.parametrize("cls, chunks", [(nn.RNNCell, 1), (nn.GRUCell, 3), (nn.LSTMCell, 4)])
def test_cells_match_one_step_of_the_layer(cls, chunks):
    cell = cls(3, 4).double()
    layer = {nn.RNNCell: nn.RNN, nn.GRUCell: nn.GRU, nn.LSTMCell: nn.LSTM}[cls](3, 4).double()
    layer.load_state_dict({k + "_l0": v for k, v in cell.state_dict().items()})
    assert cell.weight_ih.shape == (4 * chunks, 3)
    x = T.randn(2, 3, dtype=float64)
    out = cell(x)
    ref = layer(x.unsqueeze(0))[1]
    if cls is nn.LSTMCell:
        np.testing.assert_allclose(out[0].detach().numpy(), ref[0][0].detach().numpy())
        np.testing.assert_allclose(out[1].detach().numpy(), ref[1][0].detach().numpy())
        assert cell(x[0])[0].shape == (4,)
    else:
        np.testing.assert_allclose(out.detach().numpy(), ref[0].detach().numpy())
        assert cell(x[0], T.zeros(4, dtype=float64)).shape == (4,)
    assert gradcheck(lambda x: cell(x)[0] if cls is nn.LSTMCell else cell(x), (x.requires_grad_(),))


def test_errors_match_pytorch():
    with pytest.raises(ValueError, match="dropout should be a number in range"):
        nn.LSTM(2, 2, dropout=2)
    with pytest.warns(UserWarning, match="non-zero dropout expects num_layers greater than 1"):
        nn.GRU(2, 2, dropout=0.5)
    with pytest.raises(ValueError, match="proj_size argument is only supported for LSTM"):
        nn.GRU(2, 4, proj_size=1)
    with pytest.raises(ValueError, match="proj_size has to be smaller than hidden_size"):
        nn.LSTM(2, 4, proj_size=4)
    with pytest.raises(TypeError, match="hidden_size should be of type int, got: float"):
        nn.RNN(2, 4.0)
    with pytest.raises(ValueError, match="Unknown nonlinearity 'sin'"):
        nn.RNN(2, 4, nonlinearity="sin")
    rnn = nn.RNN(3, 4)
    with pytest.raises(ValueError, match="RNN: Expected input to be 2D or 3D, got 4D tensor instead"):
        rnn(T.zeros(1, 1, 1, 3))
    with pytest.raises(RuntimeError, match="input.size\\(-1\\) must be equal to input_size. Expected 3, got 2"):
        rnn(T.zeros(2, 1, 2))
    with pytest.raises(RuntimeError, match=r"Expected hidden size \(1, 1, 4\), got \[1, 2, 4\]"):
        rnn(T.zeros(2, 1, 3), T.zeros(1, 2, 4))
    with pytest.raises(RuntimeError, match="For batched 3-D input, hx should also be 3-D"):
        rnn(T.zeros(2, 1, 3), T.zeros(1, 4))
    with pytest.raises(ValueError, match="does not match weight dtype"):
        rnn(T.zeros(2, 1, 3, dtype=float64))
    with pytest.raises(ValueError, match="LSTMCell: Expected input to be 1D or 2D, got 3D instead"):
        nn.LSTMCell(3, 4)(T.zeros(1, 1, 3))


def test_dropout_between_layers_only_in_training():
    lstm = nn.LSTM(3, 4, num_layers=2, dropout=0.5).double()
    x = T.randn(4, 2, 3, dtype=float64)
    lstm.eval()
    a, b = lstm(x)[0], lstm(x)[0]
    np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())
    lstm.train()
    T.manual_seed(0)
    c = lstm(x)[0]
    assert not np.allclose(c.detach().numpy(), a.detach().numpy())
