"""Recording ops for autograd so that each input's gradient comes back in that input's dtype and shape.

PyTorch's engine casts a gradient to its input's dtype (a float32 input promoted against a float64 one gets a
float32 gradient, a real input multiplied by a complex scalar a real one) and sums it down when it is broadcast.
Ops record through these wrappers so that every backward formula gets that for free.
"""

from torsh_autograd.node import Node
from torsh_core.errors import TorshRuntimeError

from .. import _tensor
from .._tensor import _NP2DT


def _node(backward_fn, inputs, name):
    """A Node running ``backward_fn`` through ``_fitted``, with the inputs' edges and metadata."""
    node = Node(_fitted, _tensor._edges(inputs), name)
    node.op_backward = backward_fn
    node.in_meta = _tensor._meta(inputs)
    return node


def record(out, backward_fn, inputs, name):
    """``_tensor.record`` whose gradients are fitted to the inputs (see module docstring)."""
    node = _node(backward_fn, inputs, name)
    out.grad_fn = node
    out._rg = True
    return node


def record_multi(outs, backward_fn, inputs, name):
    """``record`` for ops with several differentiable outputs (unbind, split, ...)."""
    node = _node(backward_fn, inputs, name)
    node._out_meta = [(tuple(o._data.shape), o.dtype, o.device) for o in outs]
    for i, o in enumerate(outs):
        o.grad_fn = node
        o._output_nr = i
        o._rg = True
    return node


def _fitted(node, *grads):
    res = node.op_backward(node, *grads)
    if not isinstance(res, tuple):
        res = (res,)
    fitted = None
    for i, (g, meta) in enumerate(zip(res, node.in_meta)):
        if g is not None and meta is not None and (g._data.dtype != meta[0] or g._data.shape != meta[1]):
            if fitted is None:
                fitted = list(res)
            fitted[i] = fit(g, meta, node, i)
    return res if fitted is None else tuple(fitted)


def fit(g, meta, node, i):
    """``g`` (not None) cast to the input's dtype and summed down to its shape; RuntimeError if it can't be."""
    np_dtype, shape = meta
    if g._data.dtype != np_dtype:
        dtype = _NP2DT[np_dtype]
        if g.is_complex() and not dtype.is_complex:
            g = g.real
        g = g.to(dtype)
    if g._data.shape != shape:
        try:
            g = g.sum_to_size(shape)
        except RuntimeError:
            raise TorshRuntimeError(
                f"Function {node.name()} returned an invalid gradient at index {i} - got {list(g.shape)} but "
                f"expected shape compatible with {list(shape)}"
            ) from None
    return g
