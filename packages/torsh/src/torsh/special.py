"""``torsh.special``: the torsh-special package (``torsh_special``)."""

from torsh._lazy import alias

alias(__name__, "torsh_special", "torsh-special")
