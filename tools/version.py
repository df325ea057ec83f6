"""Keep torsh's packages in lockstep: one version everywhere, torsh-* dependencies pinned to it exactly.

python tools/version.py check        # exit 1 and list every mismatch
python tools/version.py bump 0.2.0   # rewrite pyproject versions, torsh-* pins and __version__ strings
"""

import argparse
import collections
import re
import sys
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

REPO = Path(__file__).resolve().parents[1]
VERSION_RE = re.compile(r"^\d+(\.\d+)*((a|b|rc)\d+)?(\.post\d+)?(\.dev\d+)?$")
DEP_RE = re.compile(
    r"^\s*(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)\s*(?P<extras>\[[^\]]*\])?\s*(?P<spec>[^;]*?)\s*(?P<marker>;.*)?$"
)
INIT_VERSION_RE = re.compile(r"""^__version__\s*=\s*["']([^"']*)["']""", re.M)


def _normalize(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def is_torsh(name):
    """True for the distributions this repository makes (torsh, torsh-*)."""
    name = _normalize(name)
    return name == "torsh" or name.startswith("torsh-")


class Package:
    """One packages/<dist>/ folder: its pyproject data, text, and the __init__.py holding __version__."""

    def __init__(self, folder):
        self.folder = folder
        self.pyproject = folder / "pyproject.toml"
        self.text = self.pyproject.read_text()
        self.project = tomllib.loads(self.text)["project"]
        self.name = self.project["name"]
        self.init = folder / "src" / _normalize(self.name).replace("-", "_") / "__init__.py"

    @property
    def version(self):
        return self.project.get("version")

    def dependencies(self):
        """Every requirement string: runtime dependencies and each optional extra's."""
        deps = list(self.project.get("dependencies", []))
        for extra in self.project.get("optional-dependencies", {}).values():
            deps += extra
        return deps

    def init_version(self):
        if not self.init.exists():
            return None
        match = INIT_VERSION_RE.search(self.init.read_text())
        return match.group(1) if match else None


def packages(root):
    """Every folder under packages/ that has a pyproject.toml (others are not distributions yet)."""
    return [Package(p.parent) for p in sorted((root / "packages").glob("*/pyproject.toml"))]


def pin(requirement, version):
    """``requirement`` pinned to ``==version``, keeping its extras and environment marker."""
    m = DEP_RE.match(requirement)
    return f"{m['name']}{m['extras'] or ''}=={version}" + (f"; {m['marker'][1:].strip()}" if m["marker"] else "")


def problems(root):
    """(version, list of mismatch messages) for the repository at ``root``."""
    pkgs = packages(root)
    if not pkgs:
        return None, [f"no packages/*/pyproject.toml under {root}"]
    counts = collections.Counter(p.version for p in pkgs)
    version = sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0])))[0][0]
    found = []
    for p in pkgs:
        where = p.pyproject.relative_to(root)
        if p.version != version:
            found.append(f"{where}: version {p.version!r}, expected {version!r} (the majority)")
        for dep in p.dependencies():
            m = DEP_RE.match(dep)
            if m and is_torsh(m["name"]) and m["spec"].replace(" ", "") != f"=={version}":
                found.append(f"{where}: dependency {dep!r} must be pinned as {pin(dep, version)!r}")
        init_version = p.init_version()
        if init_version != version:
            what = "is missing" if init_version is None else f"is {init_version!r}"
            found.append(f"{p.init.relative_to(root)}: __version__ {what}, expected {version!r}")
    return version, found


def _set_project_version(text, new):
    """``text`` with the [project] table's version line set to ``new``."""
    out, section, done = [], None, False
    for line in text.splitlines(keepends=True):
        header = re.match(r"^\s*\[([^\[\]]+)\]\s*$", line)
        if header:
            section = header.group(1).strip()
        elif section == "project" and not done and re.match(r"^\s*version\s*=", line):
            line = re.sub(r"""(=\s*)(["'])[^"']*\2""", lambda m: f'{m.group(1)}"{new}"', line, count=1)
            done = True
        out.append(line)
    return "".join(out)


def bump(root, new):
    """Rewrite every package's version, torsh-* pins and __version__ to ``new``; returns changed files."""
    if not VERSION_RE.match(new):
        raise SystemExit(f"version.py: {new!r} is not a release version like 1.2.3, 1.2.3rc1 or 1.2.3.dev0")
    changed = []
    for p in packages(root):
        text = _set_project_version(p.text, new)
        for dep in p.dependencies():
            m = DEP_RE.match(dep)
            if m and is_torsh(m["name"]):
                text = re.sub(r"""(["'])""" + re.escape(dep) + r"\1", lambda q, d=dep: f'"{pin(d, new)}"', text)
        if text != p.text:
            p.pyproject.write_text(text)
            changed.append(p.pyproject)
        if p.init.exists():
            init_text = p.init.read_text()
            new_init = INIT_VERSION_RE.sub(f'__version__ = "{new}"', init_text, count=1)
            if new_init != init_text:
                p.init.write_text(new_init)
                changed.append(p.init)
    return changed


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=REPO, help="repository root (default: this one)")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("check", help="verify that all versions and torsh-* pins agree")
    bump_parser = sub.add_parser("bump", help="set every version and torsh-* pin to NEW")
    bump_parser.add_argument("new")
    args = parser.parse_args(argv)
    root = args.root.resolve()
    if args.command == "bump":
        for path in bump(root, args.new):
            print(f"updated {path.relative_to(root)}")
    version, found = problems(root)
    for message in found:
        print(message, file=sys.stderr)
    if found:
        print(f"version check failed: {len(found)} problem(s)", file=sys.stderr)
        return 1
    print(f"versions: {len(packages(root))} packages at {version}, torsh-* pins exact")
    return 0


if __name__ == "__main__":
    sys.exit(main())
