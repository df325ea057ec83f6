"""Data types with PyTorch's names and promotion rules, each backed by a NumPy dtype."""

import ml_dtypes
import numpy as np

from .errors import TorshTypeError

_BOOL, _INT, _FLOAT, _COMPLEX = range(4)


class dtype:
    """A tensor element type; compares by identity like ``torch.dtype``."""

    __slots__ = ("name", "np", "itemsize", "_category", "is_signed")

    def __init__(self, name, np_dtype, category, is_signed):
        self.name = name
        self.np = np.dtype(np_dtype)
        self.itemsize = self.np.itemsize
        self._category = category
        self.is_signed = is_signed

    @property
    def is_floating_point(self):
        return self._category == _FLOAT

    @property
    def is_complex(self):
        return self._category == _COMPLEX

    def to_real(self):
        """The real dtype of a complex one (complex64 -> float32); identity otherwise."""
        return {complex64: float32, complex128: float64}.get(self, self)

    def to_complex(self):
        """The complex dtype holding this real one (float64 -> complex128)."""
        return {float64: complex128, complex128: complex128}.get(self, complex64)

    def __repr__(self):
        return "torsh." + self.name

    def __reduce__(self):
        return self.name

    def __hash__(self):
        return id(self)


float16 = dtype("float16", np.float16, _FLOAT, True)
bfloat16 = dtype("bfloat16", ml_dtypes.bfloat16, _FLOAT, True)
float32 = dtype("float32", np.float32, _FLOAT, True)
float64 = dtype("float64", np.float64, _FLOAT, True)
uint8 = dtype("uint8", np.uint8, _INT, False)
int8 = dtype("int8", np.int8, _INT, True)
int16 = dtype("int16", np.int16, _INT, True)
int32 = dtype("int32", np.int32, _INT, True)
int64 = dtype("int64", np.int64, _INT, True)
bool = dtype("bool", np.bool_, _BOOL, False)  # noqa: A001 - PyTorch's name
complex64 = dtype("complex64", np.complex64, _COMPLEX, True)
complex128 = dtype("complex128", np.complex128, _COMPLEX, True)

half, float, double = float16, float32, float64  # noqa: A001
short, int, long = int16, int32, int64  # noqa: A001
cfloat, cdouble = complex64, complex128

ALL = (bool, uint8, int8, int16, int32, int64, float16, bfloat16, float32, float64, complex64, complex128)
_BY_NP = {d.np: d for d in ALL}
_BY_NAME = {d.name: d for d in ALL}
_BY_NAME.update(half=half, float=float32, double=float64, short=int16, int=int32, long=int64,
                cfloat=complex64, cdouble=complex128)


def from_numpy(np_dtype):
    """The torsh dtype of a NumPy dtype; TypeError for ones torsh has no counterpart of."""
    try:
        return _BY_NP[np_dtype]
    except KeyError:
        pass
    try:
        return _BY_NP[np.dtype(np_dtype)]
    except (KeyError, TypeError):
        raise TorshTypeError(
            f"can't convert NumPy dtype {np_dtype}: the only supported types are "
            + ", ".join(d.name for d in ALL)
        ) from None


def by_name(name):
    """Look a dtype up by its PyTorch name ('float32', 'long', ...)."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise TorshTypeError(f"unknown dtype name {name!r}") from None


def _promote_same_category(a, b):
    if a._category == _FLOAT and {a, b} == {float16, bfloat16}:
        return float32
    if a._category == _INT and a.is_signed != b.is_signed:
        unsigned, signed = (a, b) if b.is_signed else (b, a)
        return signed if signed.itemsize > unsigned.itemsize else (int16 if unsigned is uint8 else int64)
    return a if a.itemsize >= b.itemsize else b


def promote_types(a, b):
    """The smallest dtype both ``a`` and ``b`` convert to, as ``torch.promote_types``."""
    if a is b:
        return a
    if a._category == b._category:
        return _promote_same_category(a, b)
    hi, lo = (a, b) if a._category > b._category else (b, a)
    if hi._category == _COMPLEX and lo is float64:
        return complex128
    return hi


def category(d):
    """0 bool, 1 integer, 2 floating, 3 complex: the order promotion respects."""
    return d._category


def is_floating_point(d):
    return d._category == _FLOAT


def is_complex(d):
    return d._category == _COMPLEX
