"""``torsh.cuda``: CUDA devices through CuPy (torsh_backend.cuda) plus seeding.

torsh draws random numbers for every device from one generator (then copies them to the GPU), so
seeding CUDA seeds that generator: ``manual_seed``/``manual_seed_all`` equal ``torsh.manual_seed``.
"""

from torsh_backend.cuda import (  # noqa: F401
    Event,
    Stream,
    current_device,
    current_stream,
    default_stream,
    device_count,
    empty_cache,
    get_device_capability,
    get_device_name,
    is_available,
    max_memory_allocated,
    memory_allocated,
    memory_reserved,
    reset_peak_memory_stats,
    set_device,
    stream,
    synchronize,
)
from torsh_tensor import initial_seed, seed  # noqa: F401
from torsh_tensor import manual_seed as _manual_seed


def manual_seed(value):
    """Seed the generator CUDA tensors draw from (torsh's one generator)."""
    _manual_seed(value)


manual_seed_all = manual_seed


def is_bf16_supported():
    return is_available() and get_device_capability()[0] >= 8
