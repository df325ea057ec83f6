"""``result_type`` as PyTorch computes it: tensors with dims outrank zero-dim tensors, which outrank Python scalars."""

from . import config
from . import dtypes as _dt

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
    raise TypeError(f"not a Python scalar: {type(value).__name__}")


def result_type(operands):
    """The result dtype of ``operands``, a sequence of (dtype, kind) with kind DIM, ZERO_DIM or SCALAR."""
    best = [None, None, None]
    for d, kind in operands:
        cur = best[kind]
        best[kind] = d if cur is None else _dt.promote_types(cur, d)
    result = None
    for kind in (DIM, ZERO_DIM, SCALAR):
        d = best[kind]
        if d is None:
            continue
        if result is None:
            result = d
        elif d._category > result._category:
            result = _scalar_in_category(d._category, result) if kind == SCALAR else d
    return result


def _scalar_in_category(cat, current):
    """A Python scalar of a higher category promotes to that category's default type."""
    default = config.get_default_dtype()
    if cat == 2:
        return default
    if current.is_floating_point:
        return current.to_complex()
    return default.to_complex()
