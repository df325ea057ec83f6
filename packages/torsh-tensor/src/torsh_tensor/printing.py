"""repr like PyTorch's: same number formats (4 decimals, integer and scientific modes, aligned widths), the same
summarisation of large tensors and the same dtype/device/grad suffixes."""

import math

import numpy as np
from torsh_core import config

_DEFAULTS = {"precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": 80, "sci_mode": None}
_OPTIONS = dict(_DEFAULTS)
_PROFILES = {
    "default": {"precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": 80},
    "short": {"precision": 2, "threshold": 1000, "edgeitems": 2, "linewidth": 80},
    "full": {"precision": 4, "threshold": math.inf, "edgeitems": 3, "linewidth": 80},
}


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None, profile=None, sci_mode=None):
    """Change how tensors print (same arguments and profiles as torch.set_printoptions)."""
    if profile is not None:
        _OPTIONS.update(_PROFILES[profile])
    for key, value in (("precision", precision), ("threshold", threshold), ("edgeitems", edgeitems),
                       ("linewidth", linewidth)):
        if value is not None:
            _OPTIONS[key] = value
    _OPTIONS["sci_mode"] = sci_mode


def get_printoptions():
    """The current print options as a dict."""
    return dict(_OPTIONS)


class _Formatter:
    """Chooses one format (integer, fixed or scientific) and one width for all values of a tensor."""

    def __init__(self, values):
        """``values``: the (summarised) array whose numbers decide the format."""
        self.floating = values.dtype.kind == "f"
        self.int_mode, self.sci_mode, self.width = True, False, 1
        precision = _OPTIONS["precision"]
        if not self.floating:
            strs = [str(v) for v in values.reshape(-1).tolist()]
            self.width = max((len(s) for s in strs), default=1)
            return
        flat = values.reshape(-1).astype(np.float64)
        finite = flat[np.isfinite(flat) & (flat != 0)]
        if finite.size:
            mags = np.abs(finite)
            lo, hi = float(mags.min()), float(mags.max())
            self.int_mode = bool(np.all(finite == np.ceil(finite)))
            self.sci_mode = hi / lo > 1000.0 or hi > 1.0e8 or (not self.int_mode and lo < 1.0e-4)
            if self.sci_mode:
                strs = [f"{v:.{precision}e}" for v in finite.tolist()]
            elif self.int_mode:
                strs = [f"{v:.0f}." for v in finite.tolist()]
            else:
                strs = [f"{v:.{precision}f}" for v in finite.tolist()]
            self.width = max(len(s) for s in strs)
        if _OPTIONS["sci_mode"] is not None:
            self.sci_mode = _OPTIONS["sci_mode"]

    def format(self, value):
        if not self.floating:
            text = str(value)
        elif self.sci_mode:
            text = f"{value:{self.width}.{_OPTIONS['precision']}e}"
        elif self.int_mode:
            text = f"{value:.0f}" + ("" if math.isinf(value) or math.isnan(value) else ".")
        else:
            text = f"{value:.{_OPTIONS['precision']}f}"
        return " " * (self.width - len(text)) + text


def _summarized(arr):
    """Only the values that will be printed: the first and last ``edgeitems`` along every long dim."""
    edge = _OPTIONS["edgeitems"]
    for axis, n in enumerate(arr.shape):
        if n > 2 * edge:
            arr = np.concatenate([arr.take(range(edge), axis), arr.take(range(n - edge, n), axis)], axis)
    return arr


def _scalar(value, fmt, fmt_imag):
    if fmt_imag is None:
        return fmt.format(value)
    real = fmt.format(value.real)
    imag = (fmt_imag.format(value.imag) + "j").lstrip()
    return real + imag if imag[0] in "+-" else real + "+" + imag


def _vector(arr, indent, summarize, fmt, fmt_imag):
    edge = _OPTIONS["edgeitems"]
    width = fmt.width + 2 + (fmt_imag.width + 1 if fmt_imag is not None else 0)
    per_line = max(1, int((_OPTIONS["linewidth"] - indent) // width))
    n = arr.shape[0]
    if summarize and not edge:
        items = ["..."]
    elif summarize and n > 2 * edge:
        items = ([_scalar(v, fmt, fmt_imag) for v in arr[:edge].tolist()] + [" ..."]
                 + [_scalar(v, fmt, fmt_imag) for v in arr[n - edge:].tolist()])
    else:
        items = [_scalar(v, fmt, fmt_imag) for v in arr.tolist()]
    lines = [", ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _nested(arr, indent, summarize, fmt, fmt_imag):
    if arr.ndim == 0:
        return _scalar(arr.item(), fmt, fmt_imag)
    if arr.ndim == 1:
        return _vector(arr, indent, summarize, fmt, fmt_imag)
    edge = _OPTIONS["edgeitems"]
    n = arr.shape[0]
    if summarize and n > 2 * edge:
        rows = ([_nested(arr[i], indent + 1, summarize, fmt, fmt_imag) for i in range(edge)] + ["..."]
                + [_nested(arr[i], indent + 1, summarize, fmt, fmt_imag) for i in range(n - edge, n)])
    else:
        rows = [_nested(arr[i], indent + 1, summarize, fmt, fmt_imag) for i in range(n)]
    return "[" + ("," + "\n" * (arr.ndim - 1) + " " * (indent + 1)).join(rows) + "]"


def _body(arr, indent):
    if arr.dtype.kind == "V" or arr.dtype.name == "bfloat16" or arr.dtype == np.float16:
        arr = arr.astype(np.float32)
    summarize = arr.size > _OPTIONS["threshold"]
    shown = _summarized(arr) if summarize else arr
    if arr.dtype.kind == "c":
        return _nested(arr, indent, summarize, _Formatter(shown.real), _Formatter(shown.imag))
    return _nested(arr, indent, summarize, _Formatter(shown), None)


def _with_suffixes(text, suffixes, indent):
    """Append ``, suffix`` items, wrapping onto a new line when the line would pass the line width."""
    last_line = len(text) - text.rfind("\n") + 1
    for suffix in suffixes:
        if last_line + len(suffix) + 2 > _OPTIONS["linewidth"]:
            text += ",\n" + " " * indent + suffix
            last_line = indent + len(suffix)
        else:
            text += ", " + suffix
            last_line += len(suffix) + 2
    return text + ")"


def tensor_repr(t):
    """``tensor([...], dtype=..., grad_fn=<...>)`` exactly as PyTorch prints, with 'torsh.' dtype names."""
    prefix = "tensor("
    arr = t._cpu_array()
    suffixes = []
    if t.device.type != "cpu":
        suffixes.append(f"device='{t.device}'")
    dt = t.dtype
    default = config.get_default_dtype()
    if arr.size == 0:
        if arr.ndim != 1:
            suffixes.append(f"size={tuple(arr.shape)}")
        if dt is not default:
            suffixes.append(f"dtype={dt!r}")
        body = "[]"
    else:
        if not _OPTIONS["edgeitems"]:
            suffixes.append(f"size={tuple(arr.shape)}")
        if dt not in (default, default.to_complex()) and dt.name not in ("int64", "bool"):
            suffixes.append(f"dtype={dt!r}")
        body = _body(arr, len(prefix))
    if t.grad_fn is not None:
        suffixes.append(f"grad_fn=<{t.grad_fn.name()}>")
    elif t.requires_grad:
        suffixes.append("requires_grad=True")
    return _with_suffixes(prefix + body, suffixes, len(prefix))
