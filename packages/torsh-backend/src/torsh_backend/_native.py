"""Load the compiled kernels, refusing a library built for a different version of this package."""

import os

from . import __version__

_REINSTALL = (
    "reinstall torsh-backend so the C kernels are rebuilt: `pip install --force-reinstall --no-cache-dir "
    "torsh-backend=={v}` (or `pip install -e packages/torsh-backend` in a source checkout)"
)


def compiled_version(kernels):
    """The package version the shared object was compiled for."""
    return kernels.ffi.string(kernels.lib.tb_version()).decode()


def _import_with_passive_openmp():
    """Import the kernels so that idle OpenMP threads sleep instead of spinning, unless the user chose a policy.

    Spinning threads take the cores NumPy's BLAS threads need right after each kernel, which made training
    steps several times slower. libgomp reads the policy once, when it is first loaded (with these kernels,
    unless a library such as PyTorch loaded it earlier), so the variable is set only for that moment.
    """
    preset = "OMP_WAIT_POLICY" in os.environ
    if not preset:
        os.environ["OMP_WAIT_POLICY"] = "PASSIVE"
    try:
        from . import _kernels
    finally:
        if not preset:
            del os.environ["OMP_WAIT_POLICY"]
    return _kernels


def load():
    """The ``(ffi, lib)`` pair of ``torsh_backend._kernels``; ImportError when it is missing or stale."""
    try:
        _kernels = _import_with_passive_openmp()
    except ImportError as e:
        raise ImportError(
            f"torsh_backend._kernels (the compiled C kernels) cannot be imported ({e}); "
            + _REINSTALL.format(v=__version__)
        ) from e
    built = compiled_version(_kernels)
    if built != __version__:
        raise ImportError(
            f"torsh_backend._kernels was built for torsh-backend {built} but the installed Python package is "
            f"{__version__}; " + _REINSTALL.format(v=__version__)
        )
    return _kernels.ffi, _kernels.lib


ffi, lib = load()
