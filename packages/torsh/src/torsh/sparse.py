"""``torsh.sparse``: the torsh-sparse package (``torsh_sparse``)."""

from torsh._lazy import alias

alias(__name__, "torsh_sparse", "torsh-sparse")
