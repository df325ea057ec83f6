"""``torsh.quantization``: the torsh-quantization package (``torsh_quantization``)."""

from torsh._lazy import alias

alias(__name__, "torsh_quantization", "torsh-quantization")
