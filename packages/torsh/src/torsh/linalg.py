"""``torsh.linalg``: the torsh-linalg package (``torsh_linalg``)."""

from torsh._lazy import alias

alias(__name__, "torsh_linalg", "torsh-linalg")
