"""``torsh.optim``: the torsh-optim package (``torsh_optim``)."""

from torsh._lazy import alias

alias(__name__, "torsh_optim", "torsh-optim")
