"""``torsh.fft``: the torsh-signal package (``torsh_signal``)."""

from torsh._lazy import alias

alias(__name__, "torsh_signal", "torsh-signal")
