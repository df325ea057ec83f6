"""repr of sparse tensors in PyTorch's form: the index tensors, the values, then size, nnz and layout."""

import re

from torsh_core import config
from torsh_tensor._tensor import _wrap

from .layouts import sparse_coo, sparse_csr

_DTYPE = re.compile(r",\s*dtype=torsh\.\w+")
_PARTS = {sparse_coo: ("indices",), sparse_csr: ("crow_indices", "col_indices")}


def _field(name, t, indent):
    text = _DTYPE.sub("", repr(t))  # the dtype is printed once, after the fields
    return f"{name}=" + text.replace("\n", "\n" + " " * (indent + len(name) + 1))


def sparse_repr(sp):
    names = _PARTS.get(sp.layout, ("ccol_indices", "row_indices"))
    arrays = (sp._indices(),) if sp.layout is sparse_coo else (_wrap(sp._compressed), _wrap(sp._plain))
    fields = [_field(n, a, 7) for n, a in zip(names, arrays)] + [_field("values", sp._values(), 7)]
    tail = f"size={tuple(sp.shape)}, nnz={sp._nnz()}"
    if sp.dtype is not config.get_default_dtype():
        tail += f", dtype={sp.dtype}"
    if sp.is_cuda:
        tail += f", device='{sp.device}'"
    tail += f", layout={sp.layout}"
    if sp.grad_fn is not None:
        tail += f", grad_fn=<{sp.grad_fn.name()}>"
    elif sp.requires_grad:
        tail += ", requires_grad=True"
    return "tensor(" + ",\n       ".join([*fields, tail]) + ")"
