"""Compile csrc/ into the cffi API-mode extension ``torsh_backend._kernels`` (used by hatch_build.py)."""

import sys
from pathlib import Path

import cffi

CSRC = Path(__file__).resolve().parent / "csrc"
HEADERS = ("version.h", "parallel.h", "elementwise.h", "reduce.h", "fused.h", "special.h", "sparse.h")
COMPILE_ARGS = ["-std=c99", "-O3", "-fopenmp", "-Wall", "-Wextra"]


def declarations():
    """The C declarations cffi exposes: the headers minus preprocessor lines, so they cannot drift apart."""
    lines = []
    for name in HEADERS:
        text = (CSRC / name).read_text()
        lines += [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    return "\n".join(lines)


def builder(version):
    """An FFI builder for ``torsh_backend._kernels`` with ``version`` compiled into the library."""
    ffi = cffi.FFI()
    ffi.cdef(declarations())
    ffi.set_source(
        "torsh_backend._kernels",
        "".join(f'#include "{name}"\n' for name in HEADERS),
        sources=sorted(str(p) for p in CSRC.glob("*.c")),
        include_dirs=[str(CSRC)],
        define_macros=[("TORSH_BACKEND_VERSION", f'"{version}"')],
        extra_compile_args=COMPILE_ARGS,
        extra_link_args=["-fopenmp"],
        libraries=["m"],
    )
    return ffi


def compile_to(tmpdir, version, verbose=False):
    """Build the extension under ``tmpdir`` and return the path of the shared object."""
    return Path(builder(version).compile(tmpdir=str(tmpdir), verbose=verbose))


if __name__ == "__main__":
    print(compile_to(sys.argv[1], sys.argv[2], verbose=True))
