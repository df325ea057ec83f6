"""Every torsh error derives from TorshError and from the built-in PyTorch raises in that situation."""

import pytest
import torsh_core as core
from torsh_core import errors

HIERARCHY = [
    ("TorshRuntimeError", RuntimeError),
    ("TorshValueError", ValueError),
    ("TorshTypeError", TypeError),
    ("TorshIndexError", IndexError),
    ("TorshKeyError", KeyError),
    ("TorshNotImplementedError", NotImplementedError),
    ("ShapeError", RuntimeError),
    ("DeviceError", RuntimeError),
    ("DTypeError", RuntimeError),
    ("SerializationError", RuntimeError),
]


@pytest.mark.parametrize("name, builtin", HIERARCHY)
def test_each_error_derives_from_torsh_error_and_its_builtin(name, builtin):
    cls = getattr(errors, name)
    assert getattr(core, name) is cls
    assert issubclass(cls, errors.TorshError) and issubclass(cls, builtin)
    with pytest.raises(builtin, match="boom"):
        raise cls("boom")


@pytest.mark.parametrize("name", ["ShapeError", "DeviceError", "DTypeError", "SerializationError"])
def test_specific_runtime_errors_are_torsh_runtime_errors(name):
    assert issubclass(getattr(errors, name), errors.TorshRuntimeError)


def test_torsh_error_is_an_exception_not_a_builtin_category():
    assert issubclass(errors.TorshError, Exception)
    assert not issubclass(errors.TorshError, (RuntimeError, ValueError, TypeError, IndexError))


def test_errors_are_distinct_categories():
    assert not issubclass(errors.TorshValueError, TypeError)
    assert not issubclass(errors.TorshTypeError, ValueError)
    assert not issubclass(errors.TorshIndexError, KeyError)
