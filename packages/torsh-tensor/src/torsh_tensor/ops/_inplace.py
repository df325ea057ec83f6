"""In-place variants: run the op out of place, then write into the tensor and take over its history.

Writing into a view of a tensor that takes part in autograd rewrites the base's history too (PyTorch's
CopySlices): the base becomes "old base with the view's elements replaced", so gradients reach both the old
base and the values written.
"""

import numpy as np
from torsh_core.errors import TorshNotImplementedError, TorshRuntimeError

from .._tensor import _NP2DT, Tensor, _address, _new, _wrap, needs_grad
from ._graph import record
from ._names import scalar_type


def _check_cast(result_dtype, self_dtype):
    if result_dtype != self_dtype:
        r, s = _NP2DT[result_dtype], _NP2DT[self_dtype]
        from torsh_core.dtypes import category

        if category(r) > category(s):
            raise TorshRuntimeError(f"result type {scalar_type(r)} can't be cast to the desired output type "
                                    f"{scalar_type(s)}")


def is_autograd_view(t):
    """True for views made by view ops (not by detach()), whose writes must reach the base's history."""
    return t._base is not None and getattr(t, "_diff_view", False)


def check_inplace_allowed(self):
    """PyTorch forbids in-place changes to leaves that require grad (and their views) while recording."""
    if self.grad_fn is None and self._rg:
        raise TorshRuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
    base = self._base
    if is_autograd_view(self) and base._rg and base.grad_fn is None:
        raise TorshRuntimeError("a view of a leaf Variable that requires grad is being used in an in-place operation.")


def write_values(self, arr):
    """Copy ``arr`` (broadcast and cast) into ``self``'s memory and bump its version."""
    _check_cast(arr.dtype, self._data.dtype)
    shape = self._data.shape
    if arr.shape != shape:
        try:
            ok = np.broadcast_shapes(arr.shape, shape) == shape
        except ValueError:
            ok = False
        if not ok:
            raise TorshRuntimeError(f"output with shape {list(shape)} doesn't match the broadcast shape of "
                                    f"{list(arr.shape)} and {list(shape)}")
    check_writeable(self)
    if arr is not self._data:
        if type(self._data) is np.ndarray:
            np.copyto(self._data, arr, casting="unsafe")
        else:
            self._data[...] = arr
    self._version[0] += 1


def check_writeable(t):
    if not t._data.flags.writeable:
        raise TorshRuntimeError(
            "unsupported operation: more than one element of the written-to tensor refers to a single memory "
            "location. Please clone() the tensor before performing the operation."
        )


def write_inplace(self, result, old=None):
    """Store ``result``'s values and, when recording, its graph history into ``self``."""
    write_values(self, result._data)
    if result.grad_fn is not None:
        _take_history(self, result)
    elif old is not None and old._rg:
        # the new value doesn't depend on the old one: the old history gets zero gradient
        node = record(_wrap(result._data), lambda n, g: g.new_zeros(n.in_meta[0][1]), (old,), "CopyBackwards")
        self.grad_fn, self._output_nr, self._rg = node, 0, True
    if old is not None and self._base is None:
        _refresh_views(self, None, skip=None)
    return self


def _take_history(self, result):
    self.grad_fn = result.grad_fn
    self._output_nr = result._output_nr
    self._rg = True


def _snapshot(self):
    """A tensor holding ``self``'s current values and history, safe from the write about to happen."""
    old = _new(Tensor)
    old._data = self._data.copy()
    old._version = [0]
    old.grad_fn = self.grad_fn
    old._output_nr = self._output_nr
    old._rg = self._rg
    old._grad_edge = self._grad_edge
    return old


def inplace(fn, self, *args, **kwargs):
    """``self.op_(...)``: compute ``fn(self, ...)`` and write the result into ``self``."""
    if not needs_grad(self, *args, *kwargs.values()):
        return write_inplace(self, fn(self, *args, **kwargs))
    check_inplace_allowed(self)
    old = _snapshot(self)
    result = fn(old, *args, **kwargs)
    if is_autograd_view(self):
        return _write_into_view(self, result)
    return write_inplace(self, result, old)


# writes into views ------------------------------------------------------------------------------------------
def _byte_offsets(arr):
    """Byte offset of every element of ``arr`` from its first element."""
    off = np.zeros(arr.shape, dtype=np.int64)
    for d, (n, s) in enumerate(zip(arr.shape, arr.strides)):
        shape = [1] * arr.ndim
        shape[d] = n
        off = off + (np.arange(n, dtype=np.int64) * s).reshape(shape)
    return off


def view_positions(view, base):
    """Flat (row-major) positions in ``base`` of each element of ``view``, which shares its memory."""
    if view._data.dtype != base._data.dtype:
        raise TorshNotImplementedError("in-place writes with autograd into a view of another dtype (real/imag) are "
                                       "not supported by torsh yet")
    v = _byte_offsets(view._data) + (_address(view._data) - _address(base._data))
    b = _byte_offsets(base._data).reshape(-1)
    if base._data.flags.c_contiguous:
        return (v // base._data.itemsize).reshape(-1)
    order = np.argsort(b, kind="stable")
    return order[np.searchsorted(b[order], v.reshape(-1))]


def _write_into_view(view, result):
    """The write of ``result`` into ``view``, recorded as a new history for the base and then for the view."""
    base = view._base
    write_values(view, result._data)
    pos = view_positions(view, base)
    node = record(base, _copy_slices_backward, (_snapshot_history(base), result), "CopySlices")
    base._output_nr = 0
    node.pos = _wrap(pos)
    node.view_shape = view._data.shape
    written = np.zeros(base._data.size, dtype=bool)
    written[pos] = True
    node.written = _wrap(written.reshape(base._data.shape))
    # the view now reads its values out of the new base
    regenerated = base.reshape(-1)[node.pos].reshape(view._data.shape)
    _take_history(view, regenerated)
    _refresh_views(base, written, skip=view)
    return view


def _refresh_views(base, written, skip):
    """Give the live views of ``base`` that overlap the ``written`` elements (all if None) a history through the
    new base; views elsewhere keep theirs, which is still exact."""
    views = base.__dict__.get("_views")
    if not views or base.grad_fn is None:
        return
    for v in list(views):
        if v is skip or v._base is not base or v._data.dtype != base._data.dtype:
            continue
        pos = view_positions(v, base)
        if written is not None and not written.reshape(-1)[pos].any():
            continue
        regenerated = base.reshape(-1)[_wrap(pos)].reshape(v._data.shape)
        _take_history(v, regenerated)


def _snapshot_history(t):
    """A tensor carrying ``t``'s current history (its values are not needed)."""
    old = _new(Tensor)
    old._data = t._data
    old._version = [0]
    old.grad_fn = t.grad_fn
    old._output_nr = t._output_nr
    old._rg = t._rg
    old._grad_edge = t._grad_edge
    return old


def _copy_slices_backward(node, g):
    gb = g.masked_fill(node.written, 0) if node.next_functions[0] is not None else None
    gr = g.reshape(-1)[node.pos].reshape(node.view_shape) if node.next_functions[1] is not None else None
    return gb, gr
