"""torsh: PyTorch's API on small, readable packages. ``import torsh as torch`` and go.

Everything tensor-level is imported eagerly (it is cheap); ``torsh.nn``, ``torsh.optim``, ``torsh.utils.data``,
... resolve on first use to their own pip packages.
"""

import importlib as _importlib

from torsh_autograd import (
    enable_grad,
    inference_mode,
    is_grad_enabled,
    is_inference_mode_enabled,
    no_grad,
    set_grad_enabled,
)
from torsh_core import (
    Size,
    bfloat16,
    bool,
    cdouble,
    cfloat,
    complex64,
    complex128,
    device,
    double,
    dtype,
    float,
    float16,
    float32,
    float64,
    get_default_dtype,
    half,
    int,
    int8,
    int16,
    int32,
    int64,
    long,
    promote_types,
    set_default_dtype,
    short,
    uint8,
)
from torsh_core.shape import broadcast_shapes
from torsh_tensor import *  # noqa: F403
from torsh_tensor import Tensor, result_type  # noqa: F401

from . import autograd  # noqa: F401
from ._lazy import SUBPACKAGES as _SUBPACKAGES

__version__ = "0.1.0"

# torch.* names that live in torsh-sparse; importing it (a few ms, no SciPy) also gives dense tensors their
# layout / to_sparse* / to_dense methods, so it is imported here whenever it is installed.
_SPARSE_NAMES = ("sparse_coo_tensor", "sparse_csr_tensor", "sparse_csc_tensor", "sparse_compressed_tensor",
                 "sparse_coo", "sparse_csr", "sparse_csc", "strided", "layout")
try:
    import torsh_sparse as _torsh_sparse  # noqa: F401
except ModuleNotFoundError as _missing:
    if _missing.name != "torsh_sparse":
        raise


# torch.* functions that are torch.nn.functional ones with the same positional arguments; importing torsh-functional
# also gives tensors their softmax / log_softmax methods, so it too is imported whenever it is installed.
_FUNCTIONAL_NAMES = (
    "softmax", "log_softmax", "dropout", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
    "conv_transpose3d", "max_pool1d", "max_pool2d", "max_pool3d", "avg_pool1d", "adaptive_avg_pool1d",
    "adaptive_max_pool1d", "pixel_shuffle", "pixel_unshuffle", "channel_shuffle", "cosine_similarity",
    "pairwise_distance", "pdist", "bilinear", "prelu", "selu", "selu_", "celu", "celu_", "rrelu", "rrelu_",
    "hardshrink", "threshold", "threshold_", "relu_",
)
try:
    import torsh_functional as _torsh_functional  # noqa: F401
except ModuleNotFoundError as _missing:
    if _missing.name != "torsh_functional":
        raise


def __getattr__(name):
    if name in _SUBPACKAGES or name in ("utils", "cuda", "amp"):
        return _importlib.import_module(f"{__name__}.{name}")
    if name in _SPARSE_NAMES or name in _FUNCTIONAL_NAMES:
        from ._lazy import require

        package, dist = ("torsh_sparse", "torsh-sparse") if name in _SPARSE_NAMES else ("torsh_functional",
                                                                                         "torsh-functional")
        return getattr(require(package, dist), name)
    raise AttributeError(f"module 'torsh' has no attribute {name!r}")


def typename(obj):
    if isinstance(obj, Tensor):
        return obj.type()
    return type(obj).__qualname__
