"""dtype names as PyTorch spells them in error messages ('Float', 'Long', ...), so messages read the same."""

_SCALAR_TYPE = {
    "float32": "Float", "float64": "Double", "float16": "Half", "bfloat16": "BFloat16", "int64": "Long",
    "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool", "complex64": "ComplexFloat",
    "complex128": "ComplexDouble",
}


def scalar_type(dtype):
    return _SCALAR_TYPE.get(dtype.name, dtype.name)
