"""tools/layers.py: the real tree keeps the layer contract, and a lower layer importing a higher one breaks it."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
LAYERS = REPO / "tools" / "layers.py"


def run_layers(root, *extra):
    return subprocess.run(
        [sys.executable, str(LAYERS), "--root", str(root), *extra], capture_output=True, text=True, timeout=300
    )


def copy_sources(dest):
    """A copy of the root pyproject.toml and every package's Python sources (no builds, no caches)."""
    shutil.copy2(REPO / "pyproject.toml", dest / "pyproject.toml")
    ignore = shutil.ignore_patterns("__pycache__", "*.so", "*.c")
    for src in (REPO / "packages").glob("*/src"):
        shutil.copytree(src, dest / "packages" / src.parent.name / "src", ignore=ignore)


def test_generated_config_lists_only_present_packages():
    shown = run_layers(REPO, "--show")
    assert shown.returncode == 0, shown.stderr
    assert "torsh_core" in shown.stdout and "type = layers" in shown.stdout
    assert "torsh_vision" not in shown.stdout or (REPO / "packages/torsh-vision/src/torsh_vision").is_dir()


def test_repository_keeps_the_layers():
    result = run_layers(REPO)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("higher", ["torsh_tensor", "torsh_autograd", "torsh_backend"])
def test_core_importing_a_higher_layer_breaks_the_contract(tmp_path, higher):
    copy_sources(tmp_path)
    init = tmp_path / "packages" / higher.replace("_", "-") / "src" / higher / "__init__.py"
    if not init.exists():
        init.parent.mkdir(parents=True, exist_ok=True)
        init.write_text('"""A stand-in for a package that is not written yet."""\n')
    assert run_layers(tmp_path).returncode == 0
    core_init = tmp_path / "packages/torsh-core/src/torsh_core/__init__.py"
    core_init.write_text(core_init.read_text() + f"\nimport {higher}  # injected: a layer violation\n")
    result = run_layers(tmp_path)
    assert result.returncode != 0, result.stdout
    assert "BROKEN" in result.stdout and higher in result.stdout
