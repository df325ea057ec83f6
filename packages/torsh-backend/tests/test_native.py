"""The compiled library carries the package version, and a mismatched build is refused at import."""

import importlib.metadata

import pytest
import torsh_backend
from torsh_backend import _kernels, _native


def test_library_version_matches_package():
    assert _native.compiled_version(_kernels) == torsh_backend.__version__
    assert torsh_backend.__version__ == importlib.metadata.version("torsh-backend")


def test_mismatched_library_is_refused(monkeypatch):
    monkeypatch.setattr(_native, "compiled_version", lambda kernels: "0.0.0-stale")
    with pytest.raises(ImportError, match="built for torsh-backend 0.0.0-stale") as info:
        _native.load()
    assert "reinstall" in str(info.value) and torsh_backend.__version__ in str(info.value)


def test_missing_library_says_how_to_rebuild(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "torsh_backend._kernels", None)
    monkeypatch.delattr(torsh_backend, "_kernels")
    with pytest.raises(ImportError, match="reinstall"):
        _native.load()
