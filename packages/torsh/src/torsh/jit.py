"""``torsh.jit``: the torsh-jit package (``torsh_jit``)."""

from torsh._lazy import alias

alias(__name__, "torsh_jit", "torsh-jit")
