"""torsh-core: dtypes, devices, shapes, broadcasting, errors and global config shared by every torsh package."""

from . import dtypes
from .config import get_default_dtype, set_default_dtype
from .device import CPU, device
from .dtypes import (
    bfloat16,
    bool,
    cdouble,
    cfloat,
    complex64,
    complex128,
    double,
    dtype,
    float,
    float16,
    float32,
    float64,
    half,
    int,
    int8,
    int16,
    int32,
    int64,
    long,
    promote_types,
    short,
    uint8,
)
from .errors import (
    DeviceError,
    DTypeError,
    SerializationError,
    ShapeError,
    TorshError,
    TorshIndexError,
    TorshKeyError,
    TorshNotImplementedError,
    TorshRuntimeError,
    TorshTypeError,
    TorshValueError,
)
from .promotion import result_type, scalar_dtype
from .shape import Size, broadcast_shapes, check_shape, contiguous_strides, normalize_dim, normalize_dims

__version__ = "0.1.0"
