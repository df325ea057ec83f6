"""torsh-autograd: the reverse-mode engine. It knows graph nodes, not ops; each op's backward lives with its forward."""

from . import tensor_api
from .anomaly import detect_anomaly, is_anomaly_enabled, set_detect_anomaly
from .engine import backward, grad, gradient_edge
from .function import Function, FunctionCtx, once_differentiable
from .grad_mode import (
    enable_grad,
    inference_mode,
    is_grad_enabled,
    is_inference_mode_enabled,
    no_grad,
    set_grad_enabled,
)
from .gradcheck import GradcheckError, gradcheck, gradgradcheck
from .node import AccumulateGrad, Node, RemovableHandle

__version__ = "0.1.0"
