"""``torsh.autograd``: the engine (torsh-autograd) under PyTorch's names."""

from torsh_autograd import (  # noqa: F401
    Function,
    GradcheckError,
    backward,
    detect_anomaly,
    enable_grad,
    grad,
    gradcheck,
    gradgradcheck,
    inference_mode,
    is_grad_enabled,
    no_grad,
    once_differentiable,
    set_detect_anomaly,
    set_grad_enabled,
)
from torsh_autograd.function import FunctionCtx  # noqa: F401
from torsh_autograd.node import Node  # noqa: F401

