"""``torsh.nn``: the torsh-nn package (``torsh_nn``)."""

from torsh._lazy import alias

alias(__name__, "torsh_nn", "torsh-nn")
