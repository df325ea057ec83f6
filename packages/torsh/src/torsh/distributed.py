"""``torsh.distributed``: the torsh-distributed package (``torsh_distributed``)."""

from torsh._lazy import alias

alias(__name__, "torsh_distributed", "torsh-distributed")
