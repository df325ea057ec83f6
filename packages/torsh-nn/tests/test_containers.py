"""Sequential, ModuleList, ModuleDict, ParameterList, ParameterDict: list/dict behaviour and registration."""

from collections import OrderedDict

import pytest
import torsh_nn as nn
import torsh_tensor as T


def _names(module):
    return [n for n, _ in module.named_parameters()]


def test_sequential_indexing_slicing_and_mutation():
    a, b, c = nn.Linear(1, 1), nn.ReLU(), nn.Linear(1, 1)
    seq = nn.Sequential(a, b, c)
    assert seq[0] is a and seq[-1] is c and len(seq) == 3 and list(seq) == [a, b, c]
    sub = seq[1:]
    assert isinstance(sub, nn.Sequential) and list(sub._modules) == ["1", "2"] and sub[0] is b
    with pytest.raises(IndexError, match="index 3 is out of range"):
        seq[3]
    seq[1] = nn.Tanh()
    assert isinstance(seq[1], nn.Tanh)
    del seq[0]
    assert list(seq._modules) == ["0", "1"] and seq[1] is c
    seq.append(a)
    seq.insert(0, b)
    assert list(seq) == [b, seq[1], c, a] and list(seq._modules) == ["0", "1", "2", "3"]
    assert seq.pop(0) is b and len(seq) == 3
    seq.extend([nn.ReLU()])
    assert len(seq) == 4
    with pytest.raises(IndexError, match="Index out of range: 9"):
        seq.insert(9, nn.ReLU())


def test_sequential_ordered_dict_forward_and_arithmetic():
    seq = nn.Sequential(OrderedDict([("lin", nn.Linear(1, 1)), ("act", nn.ReLU())]))
    assert _names(seq) == ["lin.weight", "lin.bias"]
    with pytest.raises(ValueError, match="add operator supports only objects of Sequential class"):
        seq + nn.ModuleList()
    both = seq + nn.Sequential(nn.Tanh())
    assert len(both) == 3 and list(both._modules) == ["0", "1", "2"]
    assert len(seq * 2) == 4
    with pytest.raises(ValueError, match="Non-positive multiplication factor"):
        seq * 0
    net = nn.Sequential(nn.Identity(), nn.Flatten(), nn.Unflatten(1, (2, 3)))
    assert net(T.zeros(4, 6)).shape == (4, 2, 3)


def test_module_list():
    layers = nn.ModuleList([nn.Linear(1, 1) for _ in range(3)])
    assert len(layers) == 3 and _names(layers)[:2] == ["0.weight", "0.bias"]
    layers.append(nn.ReLU())
    layers.extend([nn.Tanh()])
    layers.insert(1, nn.Sigmoid())
    assert [type(m).__name__ for m in layers] == ["Linear", "Sigmoid", "Linear", "Linear", "ReLU", "Tanh"]
    assert isinstance(layers[1:3], nn.ModuleList) and len(layers[::2]) == 3
    del layers[1]
    assert list(layers._modules) == ["0", "1", "2", "3", "4"]
    layers += nn.ModuleList([nn.ReLU()])
    assert len(layers) == 6 and layers.pop(-1) is not None and len(layers) == 5
    with pytest.raises(TypeError, match="ModuleList.extend should be called with an iterable"):
        layers.extend(3)
    with pytest.raises(NotImplementedError):
        layers(T.ones(1))
    text = repr(nn.ModuleList([nn.ReLU(), nn.ReLU(), nn.Tanh()]))
    assert text == "ModuleList(\n  (0-1): 2 x ReLU()\n  (2): Tanh()\n)"
    assert repr(nn.ModuleList()) == "ModuleList()"


def test_module_dict():
    d = nn.ModuleDict({"b": nn.Linear(1, 1), "a": nn.ReLU()})
    assert list(d.keys()) == ["b", "a"] and "a" in d and len(d) == 2
    d["c"] = nn.Tanh()
    assert list(d) == ["b", "a", "c"] and _names(d) == ["b.weight", "b.bias"]
    assert isinstance(d.pop("a"), nn.ReLU) and "a" not in d
    d.update([("z", nn.ReLU())])
    assert list(d) == ["b", "c", "z"]
    with pytest.raises(ValueError, match="has length 3; 2 is required"):
        d.update([("x", nn.ReLU(), 1)])
    d.clear()
    assert len(d) == 0


def test_parameter_list_and_dict():
    plist = nn.ParameterList([T.ones(2), nn.Parameter(T.zeros(3))])
    assert all(isinstance(p, nn.Parameter) for p in plist) and _names(plist) == ["0", "1"]
    plist.append(T.ones(1))
    assert len(plist) == 3 and plist[-1].shape == (1,)
    assert repr(plist) == ("ParameterList(\n    (0): Parameter containing: [torsh.float32 of size 2]\n"
                           "    (1): Parameter containing: [torsh.float32 of size 3]\n"
                           "    (2): Parameter containing: [torsh.float32 of size 1]\n)")
    with pytest.raises(RuntimeError, match="ParameterList should not be called."):
        plist()
    pdict = nn.ParameterDict({"b": T.ones(1), "a": T.ones(2)})
    assert list(pdict) == ["a", "b"]  # plain dicts are sorted, as in PyTorch
    pdict["c"] = T.zeros(1)
    assert isinstance(pdict["c"], nn.Parameter) and _names(pdict) == ["a", "b", "c"]
    assert list(pdict.state_dict()) == ["a", "b", "c"]
    assert pdict.get("missing") is None and pdict.pop("a").shape == (2,)
    merged = pdict | nn.ParameterDict(OrderedDict(z=T.ones(1)))
    assert list(merged) == ["b", "c", "z"]
    with pytest.raises(TypeError, match="cannot be used as a key"):
        pdict[1] = T.ones(1)
