"""Check ARCHITECTURE.md's layer rule with import-linter, for the torsh packages that exist right now.

The contract lives in the root pyproject.toml ([tool.importlinter]). import-linter refuses root packages it
cannot find, so this script keeps only the packages present under packages/*/src, writes a temporary INI
config and runs ``lint-imports`` on the sources (through PYTHONPATH, so the checked code is the tree's own).
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

REPO = Path(__file__).resolve().parents[1]


def present(root):
    """Import names of the packages whose sources exist: packages/<dist>/src/<import name>/__init__.py."""
    found = {}
    for init in sorted((root / "packages").glob("*/src/*/__init__.py")):
        found[init.parent.name] = init.parents[1]
    return found


def restrict(layers, names):
    """The layer strings with absent packages removed, and layers that become empty dropped."""
    kept = []
    for layer in layers:
        sep = "|" if "|" in layer else ":"
        members = [m.strip() for m in layer.split(sep) if m.strip() in names]
        if members:
            kept.append(f" {sep} ".join(members))
    return kept


def render(config, names):
    """INI text of the import-linter config, restricted to ``names``."""
    roots = [p for p in config["root_packages"] if p in names]
    lines = ["[importlinter]", "root_packages =", *(f"    {p}" for p in roots)]
    for i, contract in enumerate(config.get("contracts", [])):
        lines += ["", f"[importlinter:contract:{i}]", f"name = {contract['name']}", f"type = {contract['type']}"]
        for key, value in contract.items():
            if key in ("name", "type"):
                continue
            if key == "layers":
                value = restrict(value, names)
            if isinstance(value, list):
                lines += [f"{key} =", *(f"    {v}" for v in value)]
            else:
                lines.append(f"{key} = {value}")
    return "\n".join(lines) + "\n"


def lint_imports():
    """The lint-imports beside this interpreter (a nox venv), else the one on PATH."""
    beside = Path(sys.executable).parent / "lint-imports"
    return str(beside) if beside.exists() else (shutil.which("lint-imports") or "lint-imports")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=REPO, help="repository root to check (default: this one)")
    parser.add_argument("--show", action="store_true", help="print the generated config and exit")
    args = parser.parse_args(argv)
    root = args.root.resolve()
    config = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["importlinter"]
    packages = present(root)
    text = render(config, set(packages))
    if args.show:
        print(text, end="")
        return 0
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([*map(str, dict.fromkeys(packages.values())), env.get("PYTHONPATH", "")])
    with tempfile.TemporaryDirectory() as tmp:
        ini = Path(tmp) / "importlinter.ini"
        ini.write_text(text)
        print(f"import-linter on {', '.join(packages)}", flush=True)
        return subprocess.call([lint_imports(), "--no-cache", "--no-logo", str(ini)], env=env, cwd=tmp)


if __name__ == "__main__":
    sys.exit(main())
