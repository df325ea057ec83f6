"""RNN/LSTM/GRU and cells against PyTorch: torch's weights loaded, outputs, final states and gradients (float64),
padded and PackedSequence inputs."""

import numpy as np
import pytest
import torsh_nn
import torsh_tensor as T
from torsh_nn.utils import rnn as rnn_utils

pytestmark = pytest.mark.compat
torch = pytest.importorskip("torch")


def _twins(name, *args, **kwargs):
    torch.manual_seed(0)
    tm = getattr(torch.nn, name)(*args, **kwargs).double()
    sm = getattr(torsh_nn, name)(*args, **kwargs).double()
    assert list(sm.state_dict()) == list(tm.state_dict())
    assert repr(sm) == repr(tm)
    sm.load_state_dict({k: T.tensor(v.detach().numpy().copy()) for k, v in tm.state_dict().items()})
    return tm, sm


def _pair(arr, grad=True):
    t, s = torch.tensor(arr), T.tensor(arr)
    if grad:
        t.requires_grad_()
        s.requires_grad_()
    return t, s


def _flat(out):
    if isinstance(out, (tuple, list)):
        return [x for o in out for x in _flat(o)]
    if hasattr(out, "batch_sizes"):
        return [out.data]
    return [out]


def _compare(tm, sm, t_out, s_out, leaves, rng):
    t_list, s_list = _flat(t_out), _flat(s_out)
    for a, b in zip(t_list, s_list):
        np.testing.assert_allclose(b.detach().numpy(), a.detach().numpy(), rtol=1e-9, atol=1e-11)
    grads = [rng.normal(size=tuple(a.shape)) for a in t_list]
    sum(((a * torch.tensor(g)).sum() for a, g in zip(t_list, grads))).backward()
    sum(((b * T.tensor(g)).sum() for b, g in zip(s_list, grads))).backward()
    for ta, sa in leaves:
        np.testing.assert_allclose(sa.grad.numpy(), ta.grad.numpy(), rtol=1e-9, atol=1e-11)
    s_params = dict(sm.named_parameters())
    for name, p in tm.named_parameters():
        np.testing.assert_allclose(s_params[name].grad.numpy(), p.grad.numpy(), rtol=1e-9, atol=1e-11,
                                   err_msg=name)


LAYERS = [
    ("RNN", dict()),
    ("RNN", dict(nonlinearity="relu", num_layers=2, bias=False)),
    ("RNN", dict(bidirectional=True, batch_first=True)),
    ("GRU", dict(num_layers=2, bidirectional=True)),
    ("GRU", dict(batch_first=True, bias=False)),
    ("LSTM", dict()),
    ("LSTM", dict(num_layers=2, bidirectional=True, batch_first=True)),
    ("LSTM", dict(proj_size=2, num_layers=2, bidirectional=True)),
]


@pytest.mark.parametrize("name, kwargs", LAYERS)
@pytest.mark.parametrize("with_state", [False, True])
def test_recurrent_layer_matches_torch(name, kwargs, with_state):
    tm, sm = _twins(name, 3, 4, **kwargs)
    rng = np.random.default_rng(0)
    shape = (2, 5, 3) if kwargs.get("batch_first") else (5, 2, 3)
    tx, sx = _pair(rng.normal(size=shape))
    leaves = [(tx, sx)]
    t_args, s_args = [tx], [sx]
    if with_state:
        dirs = 2 if kwargs.get("bidirectional") else 1
        layers = kwargs.get("num_layers", 1) * dirs
        th, sh = _pair(rng.normal(size=(layers, 2, kwargs.get("proj_size") or 4)))
        leaves.append((th, sh))
        if name == "LSTM":
            tc, sc = _pair(rng.normal(size=(layers, 2, 4)))
            leaves.append((tc, sc))
            t_args.append((th, tc))
            s_args.append((sh, sc))
        else:
            t_args.append(th)
            s_args.append(sh)
    _compare(tm, sm, tm(*t_args), sm(*s_args), leaves, rng)


@pytest.mark.parametrize("name", ["RNN", "GRU", "LSTM"])
def test_unbatched_input_matches_torch(name):
    tm, sm = _twins(name, 3, 4, num_layers=2)
    rng = np.random.default_rng(1)
    tx, sx = _pair(rng.normal(size=(6, 3)))
    _compare(tm, sm, tm(tx), sm(sx), [(tx, sx)], rng)


@pytest.mark.parametrize("name, kwargs", [("GRU", dict(bidirectional=True, num_layers=2)),
                                          ("LSTM", dict(bidirectional=True)), ("RNN", dict())])
@pytest.mark.parametrize("enforce_sorted", [True, False])
def test_packed_sequence_matches_torch(name, kwargs, enforce_sorted):
    tm, sm = _twins(name, 3, 4, **kwargs)
    rng = np.random.default_rng(2)
    lengths = [5, 3, 2] if enforce_sorted else [2, 5, 3]
    tx, sx = _pair(rng.normal(size=(5, 3, 3)))
    t_packed = torch.nn.utils.rnn.pack_padded_sequence(tx, lengths, enforce_sorted=enforce_sorted)
    s_packed = rnn_utils.pack_padded_sequence(sx, lengths, enforce_sorted=enforce_sorted)
    assert s_packed.batch_sizes.tolist() == t_packed.batch_sizes.tolist()
    np.testing.assert_array_equal(s_packed.data.detach().numpy(), t_packed.data.detach().numpy())
    t_out, t_state = tm(t_packed)
    s_out, s_state = sm(s_packed)
    t_pad, t_len = torch.nn.utils.rnn.pad_packed_sequence(t_out, batch_first=True)
    s_pad, s_len = rnn_utils.pad_packed_sequence(s_out, batch_first=True)
    assert s_len.tolist() == t_len.tolist()
    _compare(tm, sm, (t_pad, t_state), (s_pad, s_state), [(tx, sx)], rng)


@pytest.mark.parametrize("name, args", [("RNNCell", (3, 4)), ("RNNCell", (3, 4, False, "relu")),
                                        ("GRUCell", (3, 4)), ("LSTMCell", (3, 4)), ("LSTMCell", (3, 4, False))])
@pytest.mark.parametrize("batched", [True, False])
def test_cells_match_torch(name, args, batched):
    tm, sm = _twins(name, *args)
    rng = np.random.default_rng(3)
    lead = (2,) if batched else ()
    tx, sx = _pair(rng.normal(size=lead + (3,)))
    th, sh = _pair(rng.normal(size=lead + (4,)))
    leaves = [(tx, sx), (th, sh)]
    if name == "LSTMCell":
        tc, sc = _pair(rng.normal(size=lead + (4,)))
        leaves.append((tc, sc))
        _compare(tm, sm, tm(tx, (th, tc)), sm(sx, (sh, sc)), leaves, rng)
    else:
        _compare(tm, sm, tm(tx, th), sm(sx, sh), leaves, rng)


def test_pad_sequence_and_pack_sequence_match_torch():
    rng = np.random.default_rng(4)
    arrays = [rng.normal(size=(n, 2)) for n in (3, 1, 4)]
    for kwargs in (dict(), dict(batch_first=True, padding_value=-2.0), dict(padding_side="left")):
        a = torch.nn.utils.rnn.pad_sequence([torch.tensor(x) for x in arrays], **kwargs)
        b = rnn_utils.pad_sequence([T.tensor(x) for x in arrays], **kwargs)
        np.testing.assert_array_equal(b.numpy(), a.numpy())
    t_packed = torch.nn.utils.rnn.pack_sequence([torch.tensor(x) for x in arrays], enforce_sorted=False)
    s_packed = rnn_utils.pack_sequence([T.tensor(x) for x in arrays], enforce_sorted=False)
    np.testing.assert_array_equal(s_packed.data.numpy(), t_packed.data.numpy())
    assert s_packed.sorted_indices.tolist() == t_packed.sorted_indices.tolist()
    assert s_packed.unsorted_indices.tolist() == t_packed.unsorted_indices.tolist()
