"""``torsh.amp``: mixed precision (``autocast``, ``GradScaler``), the module ``torsh_tensor.amp`` itself."""

from torsh._lazy import alias

alias(__name__, "torsh_tensor.amp", "torsh-tensor")
