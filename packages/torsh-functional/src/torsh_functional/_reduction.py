"""Loss reductions ('none' | 'mean' | 'sum') and the deprecated size_average/reduce arguments."""

import warnings

from torsh_core.errors import TorshValueError

_VALID = ("none", "mean", "sum")


def legacy(size_average, reduce, reduction):
    """The reduction string the old ``size_average``/``reduce`` flags mean (PyTorch's legacy_get_string)."""
    if size_average is None and reduce is None:
        return reduction
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    result = "none" if not reduce else "mean" if size_average else "sum"
    warnings.warn(f"size_average and reduce args will be deprecated, please use reduction='{result}' instead.",
                  stacklevel=3)
    return result


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
