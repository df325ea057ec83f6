"""Mixed precision: ``autocast`` regions (per-op dtype policy as PyTorch's) and ``GradScaler`` loss scaling."""

from torsh_core.autocast import is_autocast_available

from .autocast import autocast
from .custom import custom_bwd, custom_fwd
from .grad_scaler import GradScaler
from .policy import cast_inputs

__all__ = ["autocast", "GradScaler", "cast_inputs", "custom_fwd", "custom_bwd", "is_autocast_available"]
