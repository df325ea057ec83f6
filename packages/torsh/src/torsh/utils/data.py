"""``torsh.utils.data``: the torsh-data package (``torsh_data``)."""

from torsh._lazy import alias

alias(__name__, "torsh_data", "torsh-data")
