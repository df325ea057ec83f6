"""torsh-tensor: the Tensor type with PyTorch's API, every op with its derivative, RNG, interop."""

import torsh_autograd as _autograd
from torsh_core.autocast import (
    autocast_decrement_nesting,
    autocast_increment_nesting,
    clear_autocast_cache,
    get_autocast_dtype,
    is_autocast_cache_enabled,
    is_autocast_enabled,
    set_autocast_cache_enabled,
    set_autocast_dtype,
    set_autocast_enabled,
)

from . import _methods, dlpack
from ._api import TensorAPI as _TensorAPI
from ._operands import result_dtype as result_type
from ._tensor import Tensor
from .amp import autocast
from .convert import _TYPE_NAMES
from .creation import (
    arange,
    as_tensor,
    asarray,
    complex,
    empty,
    empty_like,
    eye,
    from_numpy,
    full,
    full_like,
    linspace,
    logspace,
    ones,
    ones_like,
    polar,
    range_,
    scalar_tensor,
    tensor,
    zeros,
    zeros_like,
)
from .dlpack import from_dlpack, to_dlpack
from .ops.arith import *  # noqa: F403
from .ops.compare import *  # noqa: F403
from .ops.indexing import *  # noqa: F403
from .ops.join import *  # noqa: F403
from .ops.linalg import *  # noqa: F403
from .ops.pointwise import *  # noqa: F403
from .ops.reduce import *  # noqa: F403
from .ops.sort import *  # noqa: F403
from .ops.views import *  # noqa: F403
from .printing import set_printoptions
from .random import (
    Generator,
    bernoulli,
    default_generator,
    get_rng_state,
    initial_seed,
    manual_seed,
    multinomial,
    normal,
    poisson,
    rand,
    rand_like,
    randint,
    randint_like,
    randn,
    randn_like,
    randperm,
    seed,
    set_rng_state,
)
from .serialization import load, save

_methods.bind()
_autograd.tensor_api.register(_TensorAPI())


def is_tensor(obj):
    """True for torsh tensors (and subclasses such as nn.Parameter)."""
    return isinstance(obj, Tensor)


def numel(input):
    return input.numel()


def is_floating_point(input):
    return input.is_floating_point()


def is_complex(input):
    return input.is_complex()


def is_nonzero(input):
    if input.numel() != 1:
        from torsh_core.errors import TorshRuntimeError

        raise TorshRuntimeError("Boolean value of Tensor with more than one value is ambiguous")
    return bool(input.item())


def can_cast(from_, to):
    from torsh_core.dtypes import category

    return category(from_) <= category(to)


__version__ = "0.1.0"
del _TYPE_NAMES
