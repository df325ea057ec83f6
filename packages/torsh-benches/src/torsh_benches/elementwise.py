"""Memory bandwidth (GB/s) of the elementwise chain ``a * b + c`` on 16M float32s in torsh, NumPy and PyTorch."""

import numpy as np

from .timing import best_seconds, load_torch, ratio

N = 1 << 24
BYTES = 4 * 4 * N  # three float32 inputs read, one output written


def _cases(n):
    """{name: zero-argument callable}: each library's unfused expression and the fused paths torsh offers."""
    import torsh_tensor
    from torsh_backend import fused

    a, b, c = np.random.rand(3, n).astype(np.float32)
    cases = {"numpy a*b+c": lambda: a * b + c}
    ta, tb, tc = (torsh_tensor.from_numpy(x) for x in (a, b, c))
    cases["torsh a*b+c"] = lambda: ta * tb + tc
    cases["torsh addcmul(c, a, b)"] = lambda: torsh_tensor.addcmul(tc, ta, tb)
    cases["torsh_backend.fused.muladd"] = lambda: fused.muladd(a, b, c)
    torch = load_torch()
    if torch is not None:
        pa, pb, pc = (torch.from_numpy(x) for x in (a, b, c))
        cases["torch a*b+c"] = lambda: pa * pb + pc
        cases["torch addcmul(c, a, b)"] = lambda: torch.addcmul(pc, pa, pb)
    return cases


def run(repeat=3, min_time=0.2, n=N):
    """One row per way of computing ``a * b + c``: GB/s (16 bytes moved per element) and the ratio to torch."""
    rows = []
    times = {name: best_seconds(fn, repeat, min_time) for name, fn in _cases(n).items()}
    torch_gbs = 4 * 4 * n / times["torch a*b+c"] / 1e9 if "torch a*b+c" in times else None
    numpy_gbs = 4 * 4 * n / times["numpy a*b+c"] / 1e9
    for name, seconds in times.items():
        gbs = 4 * 4 * n / seconds / 1e9
        rows.append({"case": f"{name} ({n} float32)", "gbs": round(gbs, 2), "ms": round(seconds * 1e3, 3),
                     "vs_numpy": ratio(gbs, numpy_gbs), "vs_torch_unfused": ratio(gbs, torch_gbs)})
    return rows
