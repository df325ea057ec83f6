"""``result_type`` as PyTorch computes it: tensors with dims outrank zero-dim tensors, which outrank Python scalars."""

from . import config
from . import dtypes as _dt
from .dtypes import _COMPLEX, _FLOAT
from .errors import TorshTypeError

DIM, ZERO_DIM, SCALAR = 0, 1, 2


def scalar_dtype(value):
    """The dtype a lone Python scalar would get: bool, int64, the default float, or its complex."""
    if isinstance(value, bool):
        return _dt.bool
    if isinstance(value, int):
        return _dt.int64
    if isinstance(value, float):
        return config.get_default_dtype()
    if isinstance(value, complex):
        return config.get_default_dtype().to_complex()
    raise TorshTypeError(f"not a Python scalar: {type(value).__name__}")


def result_type(operands):
    """The result dtype of ``operands``, a sequence of (dtype, kind) with kind DIM, ZERO_DIM or SCALAR.

    Each kind is promoted on its own; then a lower-priority kind only counts when it is of a higher category
    (bool < integer < floating < complex), as PyTorch's ``combine_categories`` does.
    """
    best = [None, None, None]
    for d, kind in operands:
        cur = best[kind]
        best[kind] = d if cur is None else _dt.promote_types(cur, d)
    return _combine(best[DIM], _combine(best[ZERO_DIM], best[SCALAR]))


def _combine(higher, lower):
    """``higher``'s dtype unless ``lower`` is of a higher category; complex keeps a floating ``higher``'s width."""
    if higher is None:
        return lower
    if lower is None:
        return higher
    hc, lc = higher._category, lower._category
    if hc == _COMPLEX:
        return higher
    if lc == _COMPLEX:
        return higher.to_complex() if hc == _FLOAT else lower
    if hc == _FLOAT:
        return higher
    if higher is _dt.bool or lc == _FLOAT:
        return _dt.promote_types(higher, lower)
    return higher
