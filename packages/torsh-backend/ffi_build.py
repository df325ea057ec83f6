"""Compile csrc/ into the cffi API-mode extension ``torsh_backend._kernels`` (used by hatch_build.py)."""

import os
import sys
from pathlib import Path

import cffi

CSRC = Path(__file__).resolve().parent / "csrc"
HEADERS = (
    "version.h",
    "parallel.h",
    "elementwise.h",
    "reduce.h",
    "fused.h",
    "special.h",
    "sparse.h",
    "optim.h",
    "blas.h",
    "conv.h",
    "pool.h",
    "softmax.h",
    "norm.h",
    "activation.h",
    "embedding.h",
    "dropout.h",
)
# No FP traps are ever enabled, so GCC may if-convert float selects (-fno-trapping-math); multiply-adds may fuse
# (-ffp-contract=fast, GNU C's default that -std=c99 turns off): the polynomial kernels run on FMA units.
COMPILE_ARGS = ["-std=c99", "-O3", "-fopenmp", "-fno-math-errno", "-fno-trapping-math", "-ffp-contract=fast", "-Wall",
                "-Wextra"]
# TORSH_BACKEND_SANITIZE=address builds with AddressSanitizer (the nox ``asan`` session); unset: a normal build
SANITIZE = [f"-fsanitize={s}", "-fno-omit-frame-pointer"] if (s := os.environ.get("TORSH_BACKEND_SANITIZE")) else []


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
        extra_compile_args=COMPILE_ARGS + SANITIZE,
        extra_link_args=["-fopenmp", *SANITIZE],
        libraries=["m"],
    )
    return ffi


def compile_to(tmpdir, version, verbose=False):
    """Build the extension under ``tmpdir`` and return the path of the shared object."""
    return Path(builder(version).compile(tmpdir=str(tmpdir), verbose=verbose))


if __name__ == "__main__":
    print(compile_to(sys.argv[1], sys.argv[2], verbose=True))
