"""``torsh.fx``: the torsh-fx package (``torsh_fx``)."""

from torsh._lazy import alias

alias(__name__, "torsh_fx", "torsh-fx")
