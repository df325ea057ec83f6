"""``torsh.<sub>.<module>`` imports resolve to the aliased package's own submodules, not to second copies."""

import importlib
import sys

from torsh._lazy import _SUBMODULES, alias


def test_submodule_of_an_alias_is_the_real_module(tmp_path, monkeypatch):
    pkg = tmp_path / "fake_sub_pkg"
    (pkg / "inner").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "inner" / "__init__.py").write_text("")
    (pkg / "inner" / "leaf.py").write_text("class Thing:\n    pass\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        alias("torsh.fakesub", "fake_sub_pkg", "fake-sub-pkg")
        aliased = importlib.import_module("torsh.fakesub.inner.leaf")
        real = importlib.import_module("fake_sub_pkg.inner.leaf")
        assert aliased is real and sys.modules["torsh.fakesub.inner"] is sys.modules["fake_sub_pkg.inner"]
        from torsh.fakesub.inner.leaf import Thing

        assert Thing is real.Thing
    finally:
        _SUBMODULES.prefixes.pop("torsh.fakesub.", None)
        for name in [n for n in sys.modules if n.startswith(("torsh.fakesub", "fake_sub_pkg"))]:
            del sys.modules[name]
