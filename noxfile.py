"""nox sessions for the torsh monorepo (ARCHITECTURE.md, "Testing conventions").

Every packages/<folder>/ that has a pyproject.toml gets a session named after the folder without its
"torsh-" prefix (torsh-core -> ``core``, the umbrella torsh -> ``torsh``). It installs, non-editable, only
that package and the torsh-* packages its [project] dependencies name (transitively, from their local
folders; plus its ``test`` extra when it declares one), then pytest and hypothesis, and runs its tests.
This proves "install only what you need" works. ``nox`` with no arguments runs lint, layers, versions,
compat and every package session.
"""

import re
from pathlib import Path

import nox

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent
TEST_DEPS = ["pytest", "hypothesis"]
TOML_BACKPORT = "tomli; python_version < '3.11'"
TORCH = "torch==2.13.0"  # the oracle; pip finds the local wheel through its find-links config
UNMARKED = "not compat and not mpi and not cuda"

nox.options.default_venv_backend = "uv|virtualenv"
nox.options.error_on_external_run = True


def _dist_name(requirement):
    """The normalised distribution name a requirement string starts with."""
    match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement)
    return re.sub(r"[-_.]+", "-", match.group(1)).lower()


def _project(folder):
    return tomllib.loads((folder / "pyproject.toml").read_text())["project"]


def distributions():
    """{distribution name: folder} for every packages/*/pyproject.toml, in folder order."""
    return {_dist_name(_project(p.parent)["name"]): p.parent for p in sorted(ROOT.glob("packages/*/pyproject.toml"))}


DISTS = distributions()


def torsh_requirements(dist, extras=()):
    """The torsh distributions ``dist`` requires: [project] dependencies plus the given extras that exist."""
    project = _project(DISTS[dist])
    reqs = list(project.get("dependencies", []))
    for extra in extras:
        reqs += project.get("optional-dependencies", {}).get(extra, [])
    return [name for name in map(_dist_name, reqs) if name == "torsh" or name.startswith("torsh-")]


def closure(dist):
    """``dist`` and every torsh package it needs, dependencies first."""
    order, visiting = [], []

    def visit(name, extras, needed_by):
        if name in order:
            return
        if name in visiting:
            raise ValueError(f"torsh packages depend on each other in a cycle: {' -> '.join([*visiting, name])}")
        if name not in DISTS:
            raise ValueError(f"{needed_by} requires {name}, but no packages/*/pyproject.toml names it")
        visiting.append(name)
        for dep in torsh_requirements(name, extras):
            visit(dep, (), name)
        visiting.pop()
        order.append(name)

    visit(dist, (), dist)
    for dep in torsh_requirements(dist, ("test",)):  # a test extra may need a package that needs ``dist`` itself
        visit(dep, (), dist)
    return order


def install_local(session, dists, *others, tested=None):
    """Install torsh folders (non-editable) and ``others`` in one resolve; ``tested`` gets its [test] extra."""
    specs, refresh = [], []
    for dist in dists:
        folder = DISTS[dist]
        test_extra = dist == tested and "test" in _project(folder).get("optional-dependencies", {})
        specs.append(f"./{folder.relative_to(ROOT).as_posix()}" + ("[test]" if test_extra else ""))
        refresh += ["--refresh-package", dist]  # uv: rebuild from the folder, never reuse a cached build
    if session.venv_backend != "uv":
        refresh = []
    session.install(*refresh, *specs, *others)


def session_name(folder):
    return folder.name.removeprefix("torsh-")


def _package_session(dist, folder):
    def run_tests(session):
        install_local(session, closure(dist), *TEST_DEPS, tested=dist)
        session.run("pytest", f"packages/{folder.name}/tests", "-m", UNMARKED, *session.posargs)

    run_tests.__doc__ = f"Test {dist} with only its declared torsh dependencies installed."
    nox.session(name=session_name(folder))(run_tests)


for _dist, _folder in DISTS.items():
    _package_session(_dist, _folder)


@nox.session
def lint(session):
    """ruff over the whole repository (rules in the root pyproject.toml)."""
    session.install("ruff~=0.17.0")
    session.run("ruff", "check", ".", *session.posargs)


@nox.session
def layers(session):
    """import-linter: no package imports one from a higher layer (tools/layers.py), and the check itself bites."""
    session.install("import-linter", "pytest", TOML_BACKPORT)
    session.run("python", "tools/layers.py")
    session.run("pytest", "tools/tests/test_layers.py", *session.posargs)


@nox.session
def versions(session):
    """Every package at one version, torsh-* pins exact (tools/version.py), and the checker's own tests."""
    session.install("pytest", TOML_BACKPORT)
    session.run("python", "tools/version.py", "check")
    session.run("pytest", "tools/tests/test_version.py", *session.posargs)


@nox.session(venv_backend="virtualenv")
def compat(session):
    """Tests marked compat, against PyTorch 2.13.0 (pip, so its find-links config supplies the wheel)."""
    install_local(session, list(DISTS), *TEST_DEPS, TORCH)
    # Exit code 5 (nothing collected) is fine here: a package may have no compat tests yet.
    session.run("pytest", "packages", "-m", "compat", *session.posargs, success_codes=[0, 5])


@nox.session
def mpi(session):
    """Tests marked mpi (torsh-distributed's test_mpi_*.py) under mpiexec on 2 ranks, then 4 (oversubscribed)."""
    install_local(session, closure("torsh-distributed"), *TEST_DEPS, tested="torsh-distributed")
    folder = DISTS["torsh-distributed"] / "tests"
    tests = sorted(p.relative_to(ROOT).as_posix() for p in folder.glob("test_mpi_*.py"))
    for ranks in ("2", "4"):  # mpiexec comes from the mpich wheel in the session's venv
        session.run("mpiexec", "-n", ranks, "python", "-m", "pytest", *tests, "-m", "mpi", "-q",
                    "-p", "no:cacheprovider", *session.posargs, env={"MPIEXEC_TIMEOUT": "300"})


@nox.session(venv_backend="virtualenv")
def asan(session):
    """torsh-backend's tests on a build with AddressSanitizer (TORSH_BACKEND_SANITIZE, read by ffi_build.py)."""
    libasan = session.run("gcc", "-print-file-name=libasan.so", silent=True, external=True).strip()
    session.install("cffi", "hatchling", "numpy")  # the build runs without isolation, so that it sees the env var
    session.install("--no-build-isolation", "--no-cache-dir", "./packages/torsh-core", "./packages/torsh-backend",
                    *TEST_DEPS, env={"TORSH_BACKEND_SANITIZE": "address"})
    session.run("pytest", "packages/torsh-backend/tests", "-m", UNMARKED, "-p", "no:cacheprovider", *session.posargs,
                env={"LD_PRELOAD": libasan, "ASAN_OPTIONS": "detect_leaks=0"})


DEMO_DEPS = ["scikit-learn", "matplotlib"]  # the bundled digits data set; the training-curve PNG


@nox.session
def demo(session):
    """The README's demo: train a CNN on scikit-learn's bundled digits (examples/train_digits.py)."""
    install_local(session, list(DISTS), *DEMO_DEPS)
    session.run("python", "examples/train_digits.py", *session.posargs)


@nox.session
def examples(session):
    """Run every program in examples/ (each is meant to finish within a minute on 2 cores)."""
    install_local(session, list(DISTS), *DEMO_DEPS)
    for script in sorted((ROOT / "examples").glob("*.py")):
        session.run("python", str(script.relative_to(ROOT)), *(["--quiet"] if script.name == "train_digits.py" else []))


@nox.session(venv_backend="virtualenv")
def bench(session):
    """Print speed ratios against PyTorch and NumPy; timings never fail the session."""
    if "torsh-benches" in DISTS:
        install_local(session, closure("torsh-benches"), TORCH)
        session.run("python", "-m", "torsh_benches", *session.posargs)
    elif (ROOT / "benchmarks" / "run.py").exists():
        install_local(session, list(DISTS), TORCH)
        session.run("python", "benchmarks/run.py", *session.posargs)
    else:
        session.skip("no benchmarks yet: add packages/torsh-benches (python -m torsh_benches) or benchmarks/run.py")


# Package sessions last, so the run closes on a real test summary rather than compat's possibly empty one.
nox.options.sessions = [
    "lint", "layers", "versions", "compat", "mpi", *(session_name(folder) for folder in DISTS.values())
]
