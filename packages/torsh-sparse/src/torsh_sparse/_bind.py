"""Binds the sparse ops as SparseTensor methods and operators (``sp @ dense``, ``2 * sp``, ``sp.coalesce()``)."""

from . import arith, matmul, reduce
from ._tensor import SparseTensor
from .coalesce import coalesce


def _sum(self, dim=None, keepdim=False, *, dtype=None):
    return reduce.sum_dims(self, dim, keepdim, dtype)


def bind():
    S = SparseTensor
    S.coalesce = coalesce
    for name in ("add", "sub", "mul", "div", "true_divide", "neg", "mul_", "div_", "transpose", "t"):
        setattr(S, name, getattr(arith, name))
    for name in arith.UNARY:
        setattr(S, name, arith.unary(name))
    S.sum = _sum
    S.matmul = matmul.matmul
    S.mm = matmul.mm
    S.mv = matmul.mv
    S.__add__ = arith.add
    S.__radd__ = arith.radd
    S.__sub__ = arith.sub
    S.__rsub__ = arith.rsub
    S.__mul__ = S.__rmul__ = arith.mul
    S.__truediv__ = arith.div
    S.__neg__ = arith.neg
    S.__imul__ = arith.mul_
    S.__itruediv__ = arith.div_
    S.__matmul__ = matmul.matmul
    S.__rmatmul__ = lambda self, other: matmul.matmul(other, self)
    S.T = property(arith.t)
