"""tools/version.py: the repository is in lockstep, and every kind of drift is caught and fixed by bump."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
TOOL = REPO / "tools" / "version.py"


def run(root, *args):
    return subprocess.run([sys.executable, str(TOOL), "--root", str(root), *args], capture_output=True, text=True)


@pytest.fixture
def repo(tmp_path):
    """A copy of every package's pyproject.toml and __init__.py, plus a package with extras and markers."""
    for pyproject in (REPO / "packages").glob("*/pyproject.toml"):
        dest = tmp_path / pyproject.relative_to(REPO)
        dest.parent.mkdir(parents=True)
        shutil.copy2(pyproject, dest)
        for init in pyproject.parent.glob("src/*/__init__.py"):
            (tmp_path / init.relative_to(REPO)).parent.mkdir(parents=True)
            shutil.copy2(init, tmp_path / init.relative_to(REPO))
    extra = tmp_path / "packages" / "torsh-extra"
    (extra / "src" / "torsh_extra").mkdir(parents=True)
    (extra / "src" / "torsh_extra" / "__init__.py").write_text('"""Test package."""\n\n__version__ = "0.1.0"\n')
    (extra / "pyproject.toml").write_text(
        '[project]\nname = "torsh-extra"\nversion = "0.1.0"\n'
        'dependencies = ["torsh-core==0.1.0", "numpy>=1.26"]\n\n'
        "[project.optional-dependencies]\n"
        "dist = [\"torsh-backend[cuda] == 0.1.0; python_version >= '3.10'\"]\n\n"
        '[tool.something]\nversion = "keep-me"\n'
    )
    return tmp_path


def test_repository_is_in_lockstep():
    result = run(REPO, "check")
    assert result.returncode == 0, result.stderr
    assert "packages at" in result.stdout


def test_copy_passes(repo):
    assert run(repo, "check").returncode == 0


def test_version_mismatch_is_detected(repo):
    path = repo / "packages/torsh-extra/pyproject.toml"
    path.write_text(path.read_text().replace('version = "0.1.0"', 'version = "0.1.1"'))
    result = run(repo, "check")
    assert result.returncode == 1
    assert "torsh-extra/pyproject.toml: version '0.1.1'" in result.stderr


@pytest.mark.parametrize("bad", ["torsh-core>=0.1.0", "torsh-core", "torsh_core==0.1.1", "torsh-core~=0.1.0"])
def test_loose_or_wrong_pin_is_detected(repo, bad):
    path = repo / "packages/torsh-extra/pyproject.toml"
    path.write_text(path.read_text().replace('"torsh-core==0.1.0"', f'"{bad}"'))
    result = run(repo, "check")
    assert result.returncode == 1
    assert f"dependency '{bad}' must be pinned" in result.stderr


def test_dunder_version_mismatch_is_detected(repo):
    init = repo / "packages/torsh-extra/src/torsh_extra/__init__.py"
    init.write_text(init.read_text().replace("0.1.0", "0.0.9"))
    result = run(repo, "check")
    assert result.returncode == 1 and "__version__ is '0.0.9'" in result.stderr
    init.unlink()
    assert "__version__ is missing" in run(repo, "check").stderr


def test_bump_rewrites_everything_consistently(repo):
    path = repo / "packages/torsh-extra/pyproject.toml"
    path.write_text(path.read_text().replace('"torsh-core==0.1.0"', '"torsh-core>=0.1"'))
    result = run(repo, "bump", "0.2.0rc1")
    assert result.returncode == 0, result.stderr
    text = path.read_text()
    assert 'version = "0.2.0rc1"' in text and '"torsh-core==0.2.0rc1"' in text
    assert "\"torsh-backend[cuda]==0.2.0rc1; python_version >= '3.10'\"" in text
    assert 'version = "keep-me"' in text and '"numpy>=1.26"' in text
    assert '__version__ = "0.2.0rc1"' in (repo / "packages/torsh-extra/src/torsh_extra/__init__.py").read_text()
    assert run(repo, "check").returncode == 0


def test_bump_refuses_a_malformed_version(repo):
    result = run(repo, "bump", "v1")
    assert result.returncode != 0 and "not a release version" in result.stderr
    assert run(repo, "check").returncode == 0
