"""Module machinery against PyTorch: names, state_dict keys and errors, hooks, container reprs, init formulas,
error types, and a whole small model trained one step from torch's weights."""

import math

import numpy as np
import pytest
import torsh_nn
import torsh_tensor as T
from torsh_core import float64, int64

pytestmark = pytest.mark.compat
torch = pytest.importorskip("torch")


def _model(nn):
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.features = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(),
                                          nn.MaxPool2d(2))
            self.heads = nn.ModuleDict({"cls": nn.Linear(16, 3), "aux": nn.Linear(16, 1)})
            self.extra = nn.ModuleList([nn.Linear(3, 3), nn.Linear(3, 3)])
            self.scale = nn.Parameter(torch.ones(1) if nn is torch.nn else T.ones(1))
            self.register_buffer("seen", torch.zeros(1) if nn is torch.nn else T.zeros(1), persistent=False)

        def forward(self, x):
            h = self.features(x).flatten(1)
            out = self.heads["cls"](h) * self.scale
            for layer in self.extra:
                out = layer(out)
            return out + self.heads["aux"](h)

    return Net()


def _twins():
    torch.manual_seed(0)
    tm, sm = _model(torch.nn).double(), _model(torsh_nn).double()
    sm.load_state_dict({k: T.tensor(v.detach().numpy().copy()) for k, v in tm.state_dict().items()})
    return tm, sm


def test_names_keys_and_repr_match():
    tm, sm = _twins()
    for method in ("named_parameters", "named_buffers", "named_modules", "named_children"):
        assert [n for n, _ in getattr(sm, method)()] == [n for n, _ in getattr(tm, method)()], method
    assert [n for n, _ in sm.named_parameters(prefix="p", recurse=False)] == [
        n for n, _ in tm.named_parameters(prefix="p", recurse=False)]
    assert list(sm.state_dict()) == list(tm.state_dict())
    assert list(sm.state_dict()._metadata) == list(tm.state_dict()._metadata)
    assert repr(sm) == repr(tm)
    assert set(dir(tm)) - set(dir(sm)) <= set(dir(torch.nn.Module()))  # every model attribute is listed


def test_one_training_step_matches():
    tm, sm = _twins()
    x = np.random.default_rng(0).normal(size=(2, 1, 4, 4))
    tx, sx = torch.tensor(x, requires_grad=True), T.tensor(x).requires_grad_()
    t_out, s_out = tm(tx), sm(sx)
    np.testing.assert_allclose(s_out.detach().numpy(), t_out.detach().numpy(), rtol=1e-10)
    t_out.square().sum().backward()
    s_out.square().sum().backward()
    np.testing.assert_allclose(sx.grad.numpy(), tx.grad.numpy(), rtol=1e-9)
    for (name, p), (_, q) in zip(tm.named_parameters(), sm.named_parameters()):
        np.testing.assert_allclose(q.grad.numpy(), p.grad.numpy(), rtol=1e-9, atol=1e-12, err_msg=name)
    for (name, b), (_, c) in zip(tm.state_dict().items(), sm.state_dict().items()):
        np.testing.assert_allclose(c.numpy(), b.numpy(), rtol=1e-10, err_msg=name)
    tm.eval(), sm.eval()
    np.testing.assert_allclose(sm(sx).detach().numpy(), tm(tx).detach().numpy(), rtol=1e-10)


def _load_error(module, state_dict, **kwargs):
    try:
        module.load_state_dict(state_dict, **kwargs)
    except Exception as e:  # noqa: BLE001 - we compare types and messages
        return type(e), str(e).replace("torch.Size", "torsh.Size")
    return None


def test_load_state_dict_errors_and_results_match():
    tm, sm = _twins()
    t_sd = tm.state_dict()
    s_sd = sm.state_dict()
    for mutate in (lambda sd, lib: sd.pop("heads.cls.bias"),
                   lambda sd, lib: sd.__setitem__("heads.new.weight", lib.zeros(1)),
                   lambda sd, lib: sd.__setitem__("features.0.weight", lib.zeros(3, 1, 3, 3)),
                   lambda sd, lib: sd.__setitem__("scale", lib.zeros(1, 1))):
        t_copy, s_copy = dict(t_sd), dict(s_sd)
        mutate(t_copy, torch)
        mutate(s_copy, T)
        t_err, s_err = _load_error(tm, t_copy), _load_error(sm, s_copy)
        assert s_err is not None and issubclass(s_err[0], t_err[0]) and s_err[1] == t_err[1]
        if "size mismatch" not in t_err[1]:
            assert repr(sm.load_state_dict(s_copy, strict=False)) == repr(tm.load_state_dict(t_copy, strict=False))
    assert repr(sm.load_state_dict(s_sd)) == repr(tm.load_state_dict(t_sd))


def test_hook_call_order_matches():
    def trace(nn):
        calls = []
        m = nn.Sequential(nn.Linear(2, 2), nn.Tanh())
        for name, sub in m.named_modules():
            sub.register_forward_pre_hook(lambda mod, args, name=name: calls.append(("pre", name)))
            sub.register_forward_hook(lambda mod, args, out, name=name: calls.append(("post", name)))
            sub.register_forward_hook(lambda mod, args, out, name=name: calls.append(("first", name)), prepend=True)
            sub.register_full_backward_pre_hook(lambda mod, go, name=name: calls.append(("bpre", name)))
            sub.register_full_backward_hook(lambda mod, gi, go, name=name: calls.append(("bwd", name)))
        x = (torch.ones(1, 2, requires_grad=True) if nn is torch.nn else T.ones(1, 2).requires_grad_())
        m(x).sum().backward()
        return calls

    assert trace(torsh_nn) == trace(torch.nn)


def test_backward_hook_gradients_match():
    def grads(nn, lib):
        torch.manual_seed(0)
        lin = nn.Linear(3, 2).double()
        seen = []
        lin.register_full_backward_hook(lambda m, gi, go: seen.append([g.detach().numpy().copy() for g in gi + go]))
        lin.register_full_backward_pre_hook(lambda m, go: (go[0] * 2,))
        x = lib.tensor(np.arange(6.0).reshape(2, 3))
        x.requires_grad_()
        return lin, lin(x), x, seen

    tl, tout, tx, t_seen = grads(torch.nn, torch)
    sl, sout, sx, s_seen = grads(torsh_nn, T)
    sl.load_state_dict({k: T.tensor(v.detach().numpy().copy()) for k, v in tl.state_dict().items()})
    sout = sl(sx)
    tout.sum().backward()
    s_seen.clear()
    sout.sum().backward()
    for a, b in zip(t_seen[0], s_seen[0]):
        np.testing.assert_allclose(b, a)
    np.testing.assert_allclose(sx.grad.numpy(), tx.grad.numpy())


def test_container_reprs_match():
    def build(nn, lib):
        return [nn.ModuleList([nn.ReLU(), nn.ReLU(), nn.Linear(2, 2), nn.Linear(2, 2), nn.Tanh()]),
                nn.ParameterList([nn.Parameter(lib.zeros(2, 3)), nn.Parameter(lib.zeros(4))]),
                nn.ParameterDict({"a": nn.Parameter(lib.zeros(1)), "b": nn.Parameter(lib.zeros(2, 2))}),
                nn.Sequential(), nn.ModuleDict({"x": nn.Identity()}),
                nn.Sequential(nn.Sequential(nn.Linear(1, 2)), nn.Dropout())]

    for t, s in zip(build(torch.nn, torch), build(torsh_nn, T)):
        assert repr(s).replace("torsh.", "torch.") == repr(t)


def test_init_formulas_match():
    for name, param in [("linear", None), ("conv3d", None), ("sigmoid", None), ("tanh", None), ("relu", None),
                        ("leaky_relu", None), ("leaky_relu", 0.3), ("selu", None)]:
        assert torsh_nn.init.calculate_gain(name, param) == pytest.approx(torch.nn.init.calculate_gain(name, param))
    for shape in [(3, 4), (5, 2, 3), (4, 3, 2, 2), (2, 2, 1, 2, 3)]:
        assert (torsh_nn.init._calculate_fan_in_and_fan_out(T.empty(*shape))
                == torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(*shape)))
    t_q = torch.nn.init.orthogonal_(torch.empty(4, 6, dtype=torch.float64))
    s_q = torsh_nn.init.orthogonal_(T.empty(4, 6, dtype=float64)).numpy()
    np.testing.assert_allclose(s_q @ s_q.T, (t_q @ t_q.T).numpy(), atol=1e-10)
    t_d = torch.nn.init.dirac_(torch.empty(6, 3, 3, 3), groups=2)
    np.testing.assert_array_equal(torsh_nn.init.dirac_(T.empty(6, 3, 3, 3), groups=2).numpy(), t_d.numpy())


@pytest.mark.parametrize("build", [
    lambda nn: nn.Linear(40, 30), lambda nn: nn.Conv2d(4, 8, 3), lambda nn: nn.ConvTranspose2d(4, 8, 3, groups=2),
    lambda nn: nn.GRU(10, 12, bidirectional=True), lambda nn: nn.Bilinear(5, 6, 7),
    lambda nn: nn.MultiheadAttention(8, 2, kdim=3, add_bias_kv=True), lambda nn: nn.Embedding(30, 8),
    lambda nn: nn.Transformer(8, 2, 1, 1, 16),
], ids=["Linear", "Conv2d", "ConvTranspose2d", "GRU", "Bilinear", "MHA", "Embedding", "Transformer"])
def test_default_initialisation_ranges_match(build):
    """Different RNGs, same distributions: each tensor's extent and spread are torch's within sampling noise."""
    torch.manual_seed(0)
    t_params = dict(build(torch.nn).named_parameters())
    for name, p in build(torsh_nn).named_parameters():
        a, b = p.detach().numpy(), t_params[name].detach().numpy()
        if b.std() == 0:
            np.testing.assert_array_equal(a, b)
            continue
        if b.size >= 64:  # smaller tensors are too noisy to compare by statistics
            assert a.std() == pytest.approx(b.std(), rel=0.2), name
            assert np.abs(a).max() == pytest.approx(np.abs(b).max(), rel=0.5), name


ERRORS = [
    lambda nn, lib: nn.Linear(3, 2)(lib.zeros(2, 4)),
    lambda nn, lib: nn.Conv2d(3, 4, 3, groups=2),
    lambda nn, lib: nn.BatchNorm1d(3)(lib.zeros(2, 3, 4, 5)),
    lambda nn, lib: nn.Dropout(-0.1),
    lambda nn, lib: nn.Embedding(3, 2)(lib.tensor([5])),
    lambda nn, lib: nn.MultiheadAttention(6, 4),
    lambda nn, lib: nn.LSTM(2, 3)(lib.zeros(4, 1, 2), (lib.zeros(1, 1, 3), lib.zeros(1, 2, 3))),
    lambda nn, lib: nn.Sequential(nn.ReLU())[3],
    lambda nn, lib: nn.ModuleDict()["missing"],
    lambda nn, lib: nn.Module().missing,
    lambda nn, lib: nn.Module().forward(),
    lambda nn, lib: nn.Linear(2, 2).to(torch.int64 if lib is torch else int64),
    lambda nn, lib: nn.GroupNorm(3, 4),
    lambda nn, lib: nn.RNN(2, 3, nonlinearity="gelu"),
    lambda nn, lib: nn.Unflatten(1, (2, "a")),
    lambda nn, lib: nn.ChannelShuffle(3)(lib.zeros(1, 4, 2)),
    lambda nn, lib: nn.init.xavier_uniform_(lib.zeros(3)),
    lambda nn, lib: nn.init.calculate_gain("swish"),
]


@pytest.mark.parametrize("fn", ERRORS)
def test_error_types_match(fn):
    with pytest.raises(Exception) as t_info:  # noqa: B017 - the type is what we compare
        fn(torch.nn, torch)
    with pytest.raises(Exception) as s_info:  # noqa: B017
        fn(torsh_nn, T)
    expected = next(c for c in type(t_info.value).__mro__ if c.__module__ == "builtins")
    assert isinstance(s_info.value, expected), (type(t_info.value), type(s_info.value), str(s_info.value))


def test_generate_square_subsequent_mask_matches():
    np.testing.assert_array_equal(torsh_nn.Transformer.generate_square_subsequent_mask(4).numpy(),
                                  torch.nn.Transformer.generate_square_subsequent_mask(4).numpy())
    assert math.isinf(float(torsh_nn.Transformer.generate_square_subsequent_mask(2)[0, 1]))
