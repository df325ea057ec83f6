"""device parsing, equality, hashing and errors, as torch.device."""

import pickle

import pytest
from torsh_core import CPU, TorshRuntimeError, device


@pytest.mark.parametrize("args, type_, index, text", [
    (("cpu",), "cpu", None, "cpu"),
    (("cuda",), "cuda", None, "cuda"),
    (("cuda:1",), "cuda", 1, "cuda:1"),
    (("cuda", 0), "cuda", 0, "cuda:0"),
    ((2,), "cuda", 2, "cuda:2"),
    (("cpu", 0), "cpu", 0, "cpu:0"),
    (("cuda:10",), "cuda", 10, "cuda:10"),
])
def test_parsing(args, type_, index, text):
    d = device(*args)
    assert (d.type, d.index, str(d)) == (type_, index, text)


def test_repr_like_torch():
    assert repr(device("cpu")) == "device(type='cpu')"
    assert repr(device("cuda", 1)) == "device(type='cuda', index=1)"


def test_equality_and_hash():
    assert device("cuda:1") == device("cuda", 1)
    assert hash(device("cuda:1")) == hash(device("cuda", 1))
    assert device("cuda") != device("cuda:0")
    assert device("cpu") != device("cuda")
    assert device("cpu") == CPU
    assert device("cpu") != "cpu"  # like torch.device, never equal to a string
    assert len({device("cpu"), device("cpu"), device("cuda:0")}) == 2


def test_device_from_device_is_itself_and_immutable():
    d = device("cuda:3")
    assert device(d) is d
    with pytest.raises(AttributeError):
        d.index = 1
    assert pickle.loads(pickle.dumps(d)) == d


@pytest.mark.parametrize("text, message", [
    ("gpu", "Expected one of cpu, cuda device type at start of device string: gpu"),
    ("CPU", "Expected one of"),
    ("cuda:x", "Invalid device string: 'cuda:x'"),
    ("cuda:-1", "Invalid device string"),
    ("cuda:0:1", "Invalid device string"),
    ("cuda:01", "Invalid device string"),
    ("cuda: 1", "Invalid device string"),
    (" cpu", "Invalid device string"),
    ("", "must not be empty"),
])
def test_bad_strings_raise_runtime_error(text, message):
    with pytest.raises(RuntimeError, match=message) as info:
        device(text)
    assert isinstance(info.value, TorshRuntimeError)


def test_bad_indices():
    with pytest.raises(RuntimeError, match="must not be negative"):
        device("cuda", -1)
    with pytest.raises(RuntimeError, match="must not be negative"):
        device(-1)
    with pytest.raises(RuntimeError, match="must not include an index"):
        device("cuda:1", 1)
    with pytest.raises(TypeError):
        device("cuda", 1.5)
    with pytest.raises(TypeError):
        device(device("cpu"), 0)


@pytest.mark.parametrize("bad", [None, 1.5, True, ["cpu"]])
def test_bad_types_raise_type_error(bad):
    with pytest.raises(TypeError):
        device(bad)
