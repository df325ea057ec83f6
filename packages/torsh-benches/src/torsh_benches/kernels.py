"""The fused-kernel benchmarks of the kernel engineers (kernels_a.py, kernels_b.py), run when they exist.

Each module either offers ``run()`` returning rows (dicts with a ``case`` and timings) or only a ``main(argv)``
that prints its own table; that text is kept as it is.
"""

import contextlib
import importlib
import io

MODULES = ("kernels_a", "kernels_b")


def run_module(name):
    """{'module', 'rows' or 'text' or 'error'} for ``torsh_benches.<name>``; None when the module is absent."""
    try:
        mod = importlib.import_module(f"{__package__}.{name}")
    except ModuleNotFoundError as exc:
        if exc.name == f"{__package__}.{name}":
            return None
        return {"module": name, "error": f"{type(exc).__name__}: {exc}"}
    try:
        if hasattr(mod, "run"):
            return {"module": name, "rows": mod.run()}
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            mod.main([])
        return {"module": name, "text": out.getvalue()}
    except Exception as exc:  # a failing kernel benchmark is reported, the rest of the suite still runs
        return {"module": name, "error": f"{type(exc).__name__}: {exc}"}


def run():
    """The results of every kernel benchmark module that exists."""
    return [r for r in map(run_module, MODULES) if r is not None]
