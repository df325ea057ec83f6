"""Module contract: registration, dotted names, state_dict, train/eval, dtype moves, repr, errors."""

import copy
import pickle
from collections import OrderedDict

import numpy as np
import pytest
import torsh_nn as nn
import torsh_tensor as T
from torsh_core import float16, float32, float64, int64


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(3, 4)
        self.block = nn.Sequential(nn.Linear(4, 4), nn.ReLU())
        self.scale = nn.Parameter(T.ones(1))
        self.register_buffer("steps", T.zeros(1, dtype=int64))
        self.register_buffer("cache", T.zeros(2), persistent=False)

    def forward(self, x):
        return self.block(self.fc1(x)) * self.scale


def test_assignment_registers_parameters_buffers_and_modules():
    net = Net()
    assert list(net._parameters) == ["scale"]
    assert list(net._buffers) == ["steps", "cache"]
    assert list(net._modules) == ["fc1", "block"]
    assert [n for n, _ in net.named_parameters()] == [
        "scale", "fc1.weight", "fc1.bias", "block.0.weight", "block.0.bias"]
    assert [n for n, _ in net.named_buffers()] == ["steps", "cache"]
    assert [n for n, _ in net.named_modules()] == ["", "fc1", "block", "block.0", "block.1"]
    assert [n for n, _ in net.named_children()] == ["fc1", "block"]
    assert [n for n, _ in net.named_parameters(prefix="model", recurse=False)] == ["model.scale"]
    assert len(list(net.parameters())) == 5 and len(list(net.modules())) == 5


def test_reassignment_moves_between_tables_and_delattr():
    net = Net()
    net.fc1 = nn.Parameter(T.zeros(2))
    assert "fc1" in net._parameters and "fc1" not in net._modules
    net.steps = T.ones(1, dtype=int64)
    assert net._buffers["steps"].item() == 1
    net.scale = None
    assert net._parameters["scale"] is None and "scale" not in dict(net.named_parameters())
    del net.block
    assert "block" not in net._modules
    with pytest.raises(AttributeError, match="'Net' object has no attribute 'block'"):
        _ = net.block
    net.plain = 3
    assert net.__dict__["plain"] == 3


def test_assignment_errors_have_pytorch_types():
    net = Net()
    with pytest.raises(TypeError, match="cannot assign 'torch.FloatTensor' as parameter 'scale'"):
        net.scale = T.ones(1)
    with pytest.raises(TypeError, match="as child module 'fc1'"):
        net.fc1 = 3
    with pytest.raises(KeyError, match="attribute 'fc1' already exists"):
        net.register_buffer("fc1", T.ones(1))
    with pytest.raises(KeyError, match="contain"):
        net.register_parameter("a.b", None)
    with pytest.raises(TypeError, match="is not a Module subclass"):
        net.add_module("x", 3)
    with pytest.raises(ValueError, match="non-leaf"):
        net.register_parameter("bad", _non_leaf_parameter())

    class Early(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(T.ones(1))

    with pytest.raises(AttributeError, match="before Module.__init__"):
        Early()


def _non_leaf_parameter():
    p = nn.Parameter(T.ones(2))
    p.grad_fn = (p * 2).grad_fn
    return p


def test_shared_parameters_and_remove_duplicate():
    lin = nn.Linear(2, 2)
    seq = nn.Sequential(lin, lin)
    assert len(list(seq.parameters())) == 2
    assert [n for n, _ in seq.named_parameters(remove_duplicate=False)] == ["0.weight", "0.bias", "1.weight",
                                                                            "1.bias"]
    assert len(list(seq.modules())) == 2
    assert list(seq.state_dict()) == ["0.weight", "0.bias", "1.weight", "1.bias"]


def test_get_submodule_parameter_buffer():
    net = Net()
    assert net.get_submodule("block.0") is net.block[0]
    assert net.get_submodule("") is net
    assert net.get_parameter("block.0.bias") is net.block[0].bias
    assert net.get_buffer("steps") is net.steps
    with pytest.raises(AttributeError, match="Sequential has no attribute `9`"):
        net.get_submodule("block.9")
    with pytest.raises(AttributeError, match="`scale` is not an nn.Module"):
        net.get_submodule("scale")
    with pytest.raises(AttributeError, match="`fc1` is not an nn.Parameter"):
        net.get_parameter("fc1")
    net.set_submodule("block.1", nn.Tanh())
    assert isinstance(net.block[1], nn.Tanh)


def test_state_dict_keys_detach_and_round_trip():
    net = Net()
    sd = net.state_dict()
    assert list(sd) == ["scale", "steps", "fc1.weight", "fc1.bias", "block.0.weight", "block.0.bias"]
    assert not sd["fc1.weight"].requires_grad and net.fc1.weight.requires_grad
    assert net.state_dict(keep_vars=True)["fc1.weight"] is net.fc1.weight
    assert sd._metadata[""]["version"] == 1 and "block.0" in sd._metadata
    other = Net()
    result = other.load_state_dict(sd)
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert repr(result) == "<All keys matched successfully>"
    for k, v in other.state_dict().items():
        np.testing.assert_array_equal(v.numpy(), sd[k].numpy())
    # load copies in place: the Parameter objects are kept
    w = other.fc1.weight
    other.load_state_dict(Net().state_dict())
    assert other.fc1.weight is w


def test_load_state_dict_strict_errors_and_non_strict():
    net = Net()
    sd = net.state_dict()
    del sd["fc1.bias"]
    sd["extra.weight"] = T.zeros(1)
    with pytest.raises(RuntimeError) as info:
        Net().load_state_dict(sd)
    assert str(info.value) == (
        'Error(s) in loading state_dict for Net:\n\tMissing key(s) in state_dict: "fc1.bias". \n\t'
        'Unexpected key(s) in state_dict: "extra.weight". ')
    keys = Net().load_state_dict(sd, strict=False)
    assert keys.missing_keys == ["fc1.bias"] and keys.unexpected_keys == ["extra.weight"]
    bad = net.state_dict()
    bad["fc1.weight"] = T.zeros(5, 3)
    with pytest.raises(RuntimeError, match=r"size mismatch for fc1.weight: copying a param with shape "
                                           r"torsh.Size\(\[5, 3\]\) from checkpoint, the shape in current model is "
                                           r"torsh.Size\(\[4, 3\]\)."):
        Net().load_state_dict(bad, strict=False)
    bad["fc1.weight"] = np.zeros((4, 3))
    with pytest.raises(RuntimeError, match='While copying the parameter named "fc1.weight"'):
        Net().load_state_dict(bad, strict=False)
    with pytest.raises(TypeError, match="Expected state_dict to be dict-like"):
        net.load_state_dict([1, 2])


def test_load_state_dict_assign_and_hooks():
    net = nn.Linear(2, 2)
    new_w = T.ones(2, 2)
    sd = {"weight": new_w, "bias": T.zeros(2)}
    net.load_state_dict(sd, assign=True)
    assert isinstance(net.weight, nn.Parameter) and net.weight.requires_grad
    np.testing.assert_array_equal(net.weight.detach().numpy(), np.ones((2, 2)))
    calls = []
    net.register_load_state_dict_pre_hook(lambda m, sd, prefix, *rest: calls.append(("pre", prefix)))
    net.register_load_state_dict_post_hook(lambda m, keys: calls.append(("post", list(keys.missing_keys))))
    net.register_state_dict_pre_hook(lambda m, prefix, keep_vars: calls.append(("save-pre", prefix)))
    net.register_state_dict_post_hook(lambda m, sd, prefix, meta: sd.__setitem__("note", T.zeros(1)))
    out = net.state_dict()
    assert "note" in out
    del out["note"]
    net.load_state_dict(out)
    assert calls == [("save-pre", ""), ("pre", ""), ("post", [])]


def test_extra_state_round_trips():
    class WithExtra(nn.Linear):
        def get_extra_state(self):
            return {"count": 7}

        def set_extra_state(self, state):
            self.loaded = state

    m = WithExtra(2, 2)
    sd = m.state_dict()
    assert sd["_extra_state"] == {"count": 7}
    other = WithExtra(2, 2)
    other.load_state_dict(sd)
    assert other.loaded == {"count": 7}
    with pytest.raises(RuntimeError, match='Unexpected key\\(s\\) in state_dict: "_extra_state"'):
        nn.Linear(2, 2).load_state_dict(sd)


def test_train_eval_apply_requires_grad_and_zero_grad():
    net = Net()
    assert net.training and net.block[1].training
    assert net.eval() is net and not net.block[1].training
    net.train()
    assert net.block[0].training
    with pytest.raises(ValueError, match="training mode is expected to be boolean"):
        net.train(1)
    seen = []
    net.apply(lambda m: seen.append(type(m).__name__))
    assert seen == ["Linear", "Linear", "ReLU", "Sequential", "Net"]
    net(T.randn(2, 3)).sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad(set_to_none=False)
    assert all(float(p.grad.abs().sum()) == 0 for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())
    net.requires_grad_(False)
    assert not any(p.requires_grad for p in net.parameters())


def test_to_dtype_keeps_parameter_objects_and_skips_integer_buffers():
    net = Net()
    w = net.fc1.weight
    net(T.randn(2, 3)).sum().backward()
    assert net.double() is net
    assert net.fc1.weight is w and w.dtype == float64 and w.grad.dtype == float64
    assert net.steps.dtype == int64 and net.cache.dtype == float64
    net.to(float32)
    assert w.dtype == float32
    net.half()
    assert w.dtype == float16
    net.to(device="cpu", dtype=float64)
    assert w.dtype == float64 and str(w.device) == "cpu"
    net.to(T.zeros(1, dtype=float32))
    assert w.dtype == float32
    with pytest.raises(TypeError, match="only accepts floating point or complex dtypes"):
        net.to(int64)
    net.float().cpu()
    assert w.dtype == float32


def test_repr_matches_pytorch_layout():
    net = Net()
    assert repr(net) == (
        "Net(\n"
        "  (fc1): Linear(in_features=3, out_features=4, bias=True)\n"
        "  (block): Sequential(\n"
        "    (0): Linear(in_features=4, out_features=4, bias=True)\n"
        "    (1): ReLU()\n"
        "  )\n"
        ")"
    )

    class Multi(nn.Module):
        def extra_repr(self):
            return "a=1\nb=2"

    assert repr(Multi()) == "Multi(\n  a=1\n  b=2\n)"


def test_dir_and_forward_missing():
    net = Net()
    names = dir(net)
    assert {"fc1", "block", "scale", "steps", "forward", "state_dict"} <= set(names)
    with pytest.raises(NotImplementedError, match='missing the required "forward" function'):
        nn.Module()(1)


def test_parameter_semantics():
    p = nn.Parameter(T.tensor([1.0, 2.0]))
    assert p.requires_grad and isinstance(p, T.Tensor) and p.is_leaf
    assert repr(p) == "Parameter containing:\ntensor([1., 2.], requires_grad=True)"
    assert not nn.Parameter(T.ones(1), requires_grad=False).requires_grad
    assert type(p * 2) is T.Tensor and type(p.detach()) is T.Tensor
    q = copy.deepcopy(p)
    assert isinstance(q, nn.Parameter) and q is not p and q.requires_grad
    r = pickle.loads(pickle.dumps(p))
    assert isinstance(r, nn.Parameter) and r.tolist() == [1.0, 2.0]
    assert nn.Parameter().shape == (0,)
    with pytest.raises(RuntimeError, match="floating point"):
        nn.Parameter(T.tensor([1, 2]))


def test_buffer_marker():
    class M(nn.Module):
        def __init__(self):
            super().__init__()
            self.stats = nn.Buffer(T.zeros(2))
            self.tmp = nn.Buffer(T.zeros(1), persistent=False)

    m = M()
    assert list(m._buffers) == ["stats", "tmp"] and list(m.state_dict()) == ["stats"]
    assert isinstance(m.stats, nn.Buffer) and not isinstance(T.zeros(1), nn.Buffer)


def test_deepcopy_and_pickle_module():
    net = Net()
    twin = copy.deepcopy(net)
    assert twin.fc1.weight is not net.fc1.weight
    np.testing.assert_array_equal(twin.fc1.weight.detach().numpy(), net.fc1.weight.detach().numpy())
    back = pickle.loads(pickle.dumps(net))
    x = T.randn(2, 3)
    np.testing.assert_allclose(back(x).detach().numpy(), net(x).detach().numpy())


def test_sequential_ordered_dict_and_state_dict_prefix():
    seq = nn.Sequential(OrderedDict([("conv", nn.Linear(1, 1)), ("act", nn.ReLU())]))
    assert list(seq.state_dict(prefix="m.")) == ["m.conv.weight", "m.conv.bias"]
