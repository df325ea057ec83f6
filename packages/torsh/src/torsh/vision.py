"""``torsh.vision``: the torsh-vision package (``torsh_vision``)."""

from torsh._lazy import alias

alias(__name__, "torsh_vision", "torsh-vision")
