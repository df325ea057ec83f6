"""``torsh.text``: the torsh-text package (``torsh_text``)."""

from torsh._lazy import alias

alias(__name__, "torsh_text", "torsh-text")
