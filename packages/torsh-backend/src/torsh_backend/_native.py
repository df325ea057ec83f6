"""Load the compiled kernels, refusing a library built for a different version of this package."""

from . import __version__

_REINSTALL = (
    "reinstall torsh-backend so the C kernels are rebuilt: `pip install --force-reinstall --no-cache-dir "
    "torsh-backend=={v}` (or `pip install -e packages/torsh-backend` in a source checkout)"
)


def compiled_version(kernels):
    """The package version the shared object was compiled for."""
    return kernels.ffi.string(kernels.lib.tb_version()).decode()


def load():
    """The ``(ffi, lib)`` pair of ``torsh_backend._kernels``; ImportError when it is missing or stale."""
    try:
        from . import _kernels
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
