"""promote_types and result_type: PyTorch's rules, checked against a hand-written table of key cases."""

import pytest
import torsh_core as core
from torsh_core import dtypes as dt
from torsh_core.promotion import DIM, SCALAR, ZERO_DIM, result_type, scalar_dtype

PROMOTE = [
    ("bool", "bool", "bool"), ("bool", "uint8", "uint8"), ("bool", "int8", "int8"), ("uint8", "int8", "int16"),
    ("uint8", "int16", "int16"), ("uint8", "int32", "int32"), ("uint8", "int64", "int64"),
    ("int8", "int16", "int16"), ("int16", "int32", "int32"), ("int32", "int64", "int64"),
    ("int64", "float16", "float16"), ("int64", "bfloat16", "bfloat16"), ("uint8", "float32", "float32"),
    ("bool", "float16", "float16"), ("float16", "bfloat16", "float32"), ("float16", "float32", "float32"),
    ("bfloat16", "float32", "float32"), ("bfloat16", "float64", "float64"), ("float32", "float64", "float64"),
    ("int64", "complex64", "complex64"), ("float32", "complex64", "complex64"), ("float64", "complex64", "complex128"),
    ("float16", "complex64", "complex64"), ("bool", "complex128", "complex128"),
    ("complex64", "complex128", "complex128"),
]


@pytest.mark.parametrize("a, b, expected", PROMOTE)
def test_promote_types_table(a, b, expected):
    a, b = dt.by_name(a), dt.by_name(b)
    assert dt.promote_types(a, b) is dt.by_name(expected)
    assert dt.promote_types(b, a) is dt.by_name(expected)


def test_promote_types_is_symmetric_and_idempotent_over_all_pairs():
    for a in dt.ALL:
        assert dt.promote_types(a, a) is a
        for b in dt.ALL:
            r = dt.promote_types(a, b)
            assert r is dt.promote_types(b, a)
            assert dt.category(r) == max(dt.category(a), dt.category(b))


I32, I64, F16, F32, F64 = dt.int32, dt.int64, dt.float16, dt.float32, dt.float64
C64, C128, B, U8, I8 = dt.complex64, dt.complex128, dt.bool, dt.uint8, dt.int8

RESULT = [
    ([(I32, DIM), (I64, ZERO_DIM)], I32),  # same category: dims win
    ([(I32, DIM), (F64, ZERO_DIM)], F64),  # a 0-d tensor of a higher category brings its own dtype
    ([(I32, DIM), (F32, SCALAR)], F32),  # int tensor + Python float -> default float
    ([(F16, DIM), (F32, SCALAR)], F16),
    ([(F16, DIM), (F64, ZERO_DIM)], F16),
    ([(I64, DIM), (C64, SCALAR)], C64),
    ([(F64, DIM), (C64, SCALAR)], C128),  # complex keeps the width of a floating tensor
    ([(F32, DIM), (C128, ZERO_DIM)], C64),
    ([(I64, DIM), (C128, ZERO_DIM)], C128),
    ([(B, DIM), (I64, SCALAR)], I64),  # bool tensor + Python int -> int64
    ([(B, DIM), (I32, ZERO_DIM)], I32),
    ([(U8, DIM), (I64, SCALAR)], U8),
    ([(I8, DIM), (B, SCALAR)], I8),
    ([(B, DIM), (B, SCALAR)], B),
    ([(I32, ZERO_DIM), (F32, SCALAR)], F32),
    ([(F64, ZERO_DIM), (F32, SCALAR)], F64),
    ([(I32, ZERO_DIM), (I64, ZERO_DIM)], I64),
    ([(U8, ZERO_DIM), (I8, ZERO_DIM)], dt.int16),
    ([(I32, ZERO_DIM), (I64, SCALAR)], I32),
    ([(B, ZERO_DIM), (F32, SCALAR)], F32),
    ([(F32, DIM), (F64, ZERO_DIM)], F32),
    ([(I32, DIM), (dt.int16, DIM)], I32),
    ([(I64, SCALAR), (F32, SCALAR)], F32),
    ([(F32, DIM)], F32),
]


@pytest.mark.parametrize("operands, expected", RESULT)
def test_result_type_categories(operands, expected):
    assert result_type(operands) is expected
    assert result_type(list(reversed(operands))) is expected


def test_scalar_dtype_follows_default_dtype():
    assert scalar_dtype(True) is B and scalar_dtype(3) is I64
    assert scalar_dtype(1.5) is F32 and scalar_dtype(1j) is C64
    try:
        core.set_default_dtype(F64)
        assert scalar_dtype(1.5) is F64 and scalar_dtype(1j) is C128
        assert result_type([(I64, DIM), (scalar_dtype(0.5), SCALAR)]) is F64
    finally:
        core.set_default_dtype(F32)
    with pytest.raises(TypeError, match="not a Python scalar"):
        scalar_dtype("1")
