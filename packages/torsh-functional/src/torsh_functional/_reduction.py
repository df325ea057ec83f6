"""Loss reductions ('none' | 'mean' | 'sum') and the deprecated size_average/reduce arguments."""

import warnings

from torsh_core.errors import TorshValueError

_VALID = ("none", "mean", "sum")


def legacy(size_average, reduce, reduction, emit_warning=True):
    """The reduction string the old ``size_average``/``reduce`` flags mean (PyTorch's legacy_get_string)."""
    if size_average is None and reduce is None:
        return reduction
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    if emit_warning:
        warnings.warn("size_average and reduce args will be deprecated, please use reduction='"
                      f"{'mean' if size_average and reduce else 'sum' if reduce else 'none'}' instead.", stacklevel=3)
    if not reduce:
        return "none"
    return "mean" if size_average else "sum"


def check(reduction):
    if reduction not in _VALID:
        raise TorshValueError(f"{reduction} is not a valid value for reduction")
    return reduction


def apply(loss, reduction):
    """Reduce an elementwise loss."""
    check(reduction)
    if reduction == "none":
        return loss
    if reduction == "sum":
        return loss.sum()
    return loss.mean()
