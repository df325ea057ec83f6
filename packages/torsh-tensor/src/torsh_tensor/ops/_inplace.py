"""In-place variants: run the op out of place, then write into the tensor and take over its history."""

import numpy as np
from torsh_core.errors import TorshNotImplementedError, TorshRuntimeError

from .._tensor import _NP2DT, Tensor, _new, needs_grad


def _check_cast(result_dtype, self_dtype):
    if result_dtype != self_dtype:
        r, s = _NP2DT[result_dtype], _NP2DT[self_dtype]
        from torsh_core.dtypes import category

        if category(r) > category(s):
            raise TorshRuntimeError(f"result type {r.name} can't be cast to the desired output type {s.name}")


def check_inplace_allowed(self):
    """PyTorch forbids in-place changes to leaves that require grad while recording."""
    if self.grad_fn is None and self._rg:
        raise TorshRuntimeError(
            "a leaf Variable that requires grad is being used in an in-place operation."
        )
    base = self._base
    if base is not None and base._rg and base.grad_fn is None and self._rg is False and base is not self:
        raise TorshRuntimeError(
            "a view of a leaf Variable that requires grad is being used in an in-place operation."
        )


def write_inplace(self, result):
    """Store ``result``'s values (and, when recording, its graph history) into ``self``."""
    arr = result._data
    _check_cast(arr.dtype, self._data.dtype)
    if arr.shape != self._data.shape:
        try:
            np.broadcast_shapes(arr.shape, self._data.shape)
            if np.broadcast_shapes(arr.shape, self._data.shape) != self._data.shape:
                raise ValueError
        except ValueError:
            raise TorshRuntimeError(
                f"output with shape {list(self._data.shape)} doesn't match the broadcast shape {list(arr.shape)}"
            ) from None
    if arr is not self._data:
        if type(self._data) is np.ndarray:
            np.copyto(self._data, arr, casting="unsafe")
        else:
            self._data[...] = arr
    self._version[0] += 1
    if result.grad_fn is not None:
        self.grad_fn = result.grad_fn
        self._output_nr = result._output_nr
        self._rg = True
    return self


def inplace(fn, self, *args, **kwargs):
    """``self.op_(...)``: compute ``fn(self, ...)`` and write the result into ``self``."""
    if needs_grad(self, *args):
        check_inplace_allowed(self)
        if self._base is not None and (self._base._rg or self._rg):
            raise TorshNotImplementedError(
                "in-place operations on a view of a tensor that requires grad are not supported by torsh yet; "
                "use the out-of-place op (e.g. x = x.add(y)) instead"
            )
        old = _new(Tensor)
        old._data = self._data.copy()
        old._version = [0]
        old.grad_fn = self.grad_fn
        old._output_nr = self._output_nr
        old._rg = self._rg
        old._grad_acc = self._grad_acc
        return write_inplace(self, fn(old, *args, **kwargs))
    return write_inplace(self, fn(self, *args, **kwargs))
