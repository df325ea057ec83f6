"""repr like PyTorch's: tensor([...]) with 4 decimals, dtype/device/grad suffixes."""

import numpy as np
from torsh_core import config

_OPTIONS = {"precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": 80, "sci_mode": None}


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None, profile=None, sci_mode=None):
    """Change how tensors print (same arguments as torch.set_printoptions)."""
    if profile == "default":
        _OPTIONS.update(precision=4, threshold=1000, edgeitems=3, linewidth=80)
    elif profile == "short":
        _OPTIONS.update(precision=2, threshold=1000, edgeitems=2, linewidth=80)
    elif profile == "full":
        _OPTIONS.update(precision=4, threshold=float("inf"), edgeitems=3, linewidth=80)
    for k, v in dict(precision=precision, threshold=threshold, edgeitems=edgeitems, linewidth=linewidth).items():
        if v is not None:
            _OPTIONS[k] = v
    _OPTIONS["sci_mode"] = sci_mode


def _body(arr):
    if arr.dtype.kind == "V" or arr.dtype.name == "bfloat16" or arr.dtype == np.float16:
        arr = arr.astype(np.float32)
    kw = dict(separator=", ", threshold=_OPTIONS["threshold"] if _OPTIONS["threshold"] != float("inf") else
              np.iinfo(np.int64).max, edgeitems=_OPTIONS["edgeitems"], max_line_width=_OPTIONS["linewidth"],
              prefix="tensor(")
    if arr.dtype.kind == "f":
        finite = arr[np.isfinite(arr)]
        integral = finite.size == 0 or np.all(finite == np.round(finite))
        nz = np.abs(finite[finite != 0])
        big = bool(nz.size) and (nz.max() >= 1e8 or nz.min() < 1e-4 or nz.max() / nz.min() > 1000)
        sci = _OPTIONS["sci_mode"] if _OPTIONS["sci_mode"] is not None else bool(big)
        kw.update(precision=_OPTIONS["precision"], floatmode="maxprec" if integral and not sci else "fixed",
                  suppress_small=not sci)
        if sci:
            kw["formatter"] = {"float_kind": lambda v: np.format_float_scientific(
                v, precision=_OPTIONS["precision"], exp_digits=2)}
    elif arr.dtype.kind == "c":
        kw.update(precision=_OPTIONS["precision"], floatmode="fixed")
    elif arr.dtype.kind == "b":
        kw["formatter"] = {"bool": lambda v: "True" if v else "False"}
    return np.array2string(arr, **kw)


def tensor_repr(t):
    arr = t._cpu_array()
    suffixes = []
    if arr.size == 0 and arr.shape != (0,):
        body = "[]"
        suffixes.append(f"size={tuple(arr.shape)}")
    else:
        body = _body(arr)
    if t.device.type != "cpu":
        suffixes.append(f"device='{t.device}'")
    dt = t.dtype
    default_shown = dt in (config.get_default_dtype(), ) or dt.name in ("int64", "bool") or (
        dt.is_complex and dt is config.get_default_dtype().to_complex())
    if not default_shown or (arr.size == 0 and dt.name != config.get_default_dtype().name):
        suffixes.append(f"dtype=torsh.{dt.name}")
    if t.grad_fn is not None:
        suffixes.append(f"grad_fn=<{t.grad_fn.name()}>")
    elif t.requires_grad:
        suffixes.append("requires_grad=True")
    inner = body
    if suffixes:
        inner = body + ", " + ", ".join(suffixes)
    return f"tensor({inner})"
