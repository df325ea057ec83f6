"""dtype objects: PyTorch names and aliases, properties, NumPy mapping, lookups and pickling."""

import pickle

import ml_dtypes
import numpy as np
import pytest
import torsh_core as core
from torsh_core import dtypes

NAMES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "bfloat16", "float32", "float64",
         "complex64", "complex128"]


def test_all_twelve_dtypes_with_their_names():
    assert [d.name for d in dtypes.ALL] == NAMES
    for name in NAMES:
        assert getattr(core, name) is getattr(dtypes, name)
        assert repr(getattr(dtypes, name)) == f"torsh.{name}"


@pytest.mark.parametrize("alias, target", [
    ("half", "float16"), ("float", "float32"), ("double", "float64"), ("short", "int16"), ("int", "int32"),
    ("long", "int64"), ("cfloat", "complex64"), ("cdouble", "complex128"),
])
def test_aliases_are_the_same_object(alias, target):
    assert getattr(dtypes, alias) is getattr(dtypes, target)
    assert dtypes.by_name(alias) is getattr(dtypes, target)


def test_categories_and_signedness():
    floats = {"float16", "bfloat16", "float32", "float64"}
    for d in dtypes.ALL:
        assert d.is_floating_point == (d.name in floats)
        assert d.is_complex == d.name.startswith("complex")
        assert dtypes.is_floating_point(d) == d.is_floating_point
        assert dtypes.is_complex(d) == d.is_complex
    assert [d.name for d in dtypes.ALL if not d.is_signed] == ["bool", "uint8"]


def test_itemsize_and_numpy_dtype():
    expected = [1, 1, 1, 2, 4, 8, 2, 2, 4, 8, 8, 16]
    assert [d.itemsize for d in dtypes.ALL] == expected
    assert dtypes.bfloat16.np == np.dtype(ml_dtypes.bfloat16)
    assert dtypes.float32.np == np.float32 and dtypes.bool.np == np.bool_


def test_from_numpy_round_trip_and_errors():
    for d in dtypes.ALL:
        assert dtypes.from_numpy(d.np) is d
    assert dtypes.from_numpy(np.float64) is dtypes.float64
    assert dtypes.from_numpy("int16") is dtypes.int16
    for bad in (np.uint16, np.dtype("U3"), object, np.float128 if hasattr(np, "float128") else np.uint64):
        with pytest.raises(TypeError, match="can't convert NumPy dtype"):
            dtypes.from_numpy(bad)


def test_by_name_unknown_raises_type_error():
    with pytest.raises(core.TorshTypeError, match="unknown dtype name 'float8'"):
        dtypes.by_name("float8")


def test_to_real_and_to_complex():
    assert dtypes.complex64.to_real() is dtypes.float32
    assert dtypes.complex128.to_real() is dtypes.float64
    assert dtypes.float32.to_real() is dtypes.float32
    assert dtypes.float64.to_complex() is dtypes.complex128
    assert dtypes.float32.to_complex() is dtypes.complex64
    assert dtypes.complex128.to_complex() is dtypes.complex128


def test_pickle_keeps_identity_and_hash_is_stable():
    for d in dtypes.ALL:
        assert pickle.loads(pickle.dumps(d)) is d
    assert len({d: 0 for d in dtypes.ALL}) == 12
    assert dtypes.float32 == dtypes.float and dtypes.float32 != dtypes.float64


def test_default_dtype_round_trip_and_errors():
    assert core.get_default_dtype() is dtypes.float32
    try:
        core.set_default_dtype(dtypes.float64)
        assert core.get_default_dtype() is dtypes.float64
    finally:
        core.set_default_dtype(dtypes.float32)
    for bad in (dtypes.int64, dtypes.complex64, "float64", np.float64):
        with pytest.raises(TypeError, match="only floating-point types"):
            core.set_default_dtype(bad)
    assert core.get_default_dtype() is dtypes.float32
