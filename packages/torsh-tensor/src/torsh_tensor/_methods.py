"""Binds the op functions as Tensor methods, operators and in-place variants (``x.add_(y)``)."""

from . import convert, random
from ._tensor import Tensor
from .ops import arith, compare, indexing, join, linalg, pointwise, reduce, sort, views
from .ops._inplace import inplace

_MODULES = (arith, compare, indexing, join, linalg, pointwise, reduce, sort, views)

# functions whose first argument is a tensor and that PyTorch also offers as methods
METHOD_NAMES = """
add sub mul multiply div divide true_divide floor_divide remainder fmod pow float_power neg negative positive maximum
minimum fmax fmin atan2 arctan2 hypot xlogy copysign
eq ne lt le gt ge greater greater_equal less less_equal not_equal logical_and logical_or logical_xor logical_not
bitwise_and bitwise_or bitwise_xor bitwise_not bitwise_left_shift bitwise_right_shift equal isclose allclose isnan
isinf isfinite isposinf isneginf isreal
index_select gather scatter scatter_add scatter_reduce index_add index_copy index_fill index_put masked_fill
masked_select masked_scatter nonzero argwhere take take_along_dim put
flip fliplr flipud roll repeat tile repeat_interleave tril triu diag diag_embed diagflat rot90
matmul mm bmm mv dot vdot outer ger addmm addmv baddbmm addbmm inner kron tensordot trace
exp exp2 expm1 log log2 log10 log1p sqrt rsqrt sin cos tan asin acos atan sinh cosh tanh asinh acosh atanh arcsin
arccos arctan arcsinh arccosh arctanh sigmoid relu reciprocal erf erfc erfinv lgamma digamma deg2rad rad2deg square
abs absolute sign sgn floor ceil trunc fix frac signbit round clamp clip clamp_min clamp_max nan_to_num lerp logit
addcmul addcdiv conj angle
sum nansum sum_to_size mean nanmean prod max min amax amin aminmax argmax argmin var std norm logsumexp cumsum
cumprod cummax cummin logcumsumexp all any count_nonzero
sort argsort msort topk kthvalue median nanmedian mode unique unique_consecutive histc bincount
view view_as reshape reshape_as flatten unflatten ravel permute transpose swapaxes swapdims t adjoint movedim
moveaxis squeeze unsqueeze expand expand_as broadcast_to narrow select unbind split split_with_sizes tensor_split
chunk diagonal diagonal_scatter unfold as_strided contiguous clone
""".split()

ATTR_ALIASES = {"arctan2": (arith, "atan2"), "take_along_dim": (indexing, "take_along_dim")}

# methods with an in-place twin ``name_`` computed out of place and written back
INPLACE_NAMES = """
add sub mul multiply div divide true_divide floor_divide remainder fmod pow float_power neg negative maximum minimum
fmax fmin atan2 arctan2 hypot xlogy copysign eq ne lt le gt ge greater greater_equal less less_equal not_equal
logical_and logical_or logical_xor logical_not bitwise_and bitwise_or bitwise_xor bitwise_not bitwise_left_shift
bitwise_right_shift
scatter scatter_add scatter_reduce index_add index_copy index_fill index_put masked_fill masked_scatter put
tril triu
exp exp2 expm1 log log2 log10 log1p sqrt rsqrt sin cos tan asin acos atan sinh cosh tanh asinh acosh atanh arcsin
arccos arctan arcsinh arccosh arctanh sigmoid relu reciprocal erf erfc erfinv lgamma digamma deg2rad rad2deg square
abs absolute sign sgn floor ceil trunc fix frac round clamp clip clamp_min clamp_max nan_to_num lerp logit addcmul
addcdiv cumsum cumprod
""".split()


def _find(name):
    if name in ATTR_ALIASES:
        mod, attr = ATTR_ALIASES[name]
        return getattr(mod, attr)
    for mod in _MODULES:
        fn = getattr(mod, name, None)
        if fn is not None and callable(fn):
            return fn
    raise AttributeError(name)


def _make_inplace(fn, name):
    def method(self, *args, **kwargs):
        return inplace(fn, self, *args, **kwargs)

    method.__name__ = name + "_"
    method.__doc__ = f"In-place version of :meth:`{name}`."
    return method


def _where(self, condition, y):
    return indexing.where(condition, self, y)


def _polygamma(self, n):
    return pointwise.polygamma(n, self)


def _polygamma_(self, n):
    return inplace(lambda s: pointwise.polygamma(n, s), self)


def _view_inplace(fn, name):
    """``t_``, ``squeeze_``, ...: ``self`` becomes the view (same memory, new shape) and takes its history."""

    def method(self, *args, **kwargs):
        res = fn(self, *args, **kwargs)
        self._data = res._data
        if res.grad_fn is not None:
            self.grad_fn, self._output_nr, self._rg = res.grad_fn, 0, True
        return self

    method.__name__ = name + "_"
    return method


def _reflected(fn):
    def method(self, other):
        return fn(other, self)

    return method


def _binary_or_notimpl(fn):
    def method(self, other):
        if not isinstance(other, (Tensor, bool, int, float, complex)) and not hasattr(other, "__array__"):
            return NotImplemented
        return fn(self, other)

    return method


def bind():
    for name in METHOD_NAMES:
        setattr(Tensor, name, _find(name))
    for name in INPLACE_NAMES:
        setattr(Tensor, name + "_", _make_inplace(_find(name), name))

    for name in ("t", "transpose", "squeeze", "unsqueeze", "swapaxes", "swapdims"):
        setattr(Tensor, name + "_", _view_inplace(_find(name), name))
    Tensor.where = _where
    Tensor.polygamma = _polygamma
    Tensor.polygamma_ = _polygamma_

    T = Tensor
    for name, method in arith.OPERATORS.items():
        setattr(T, name, method)
    T.__floordiv__ = _binary_or_notimpl(arith.floor_divide)
    T.__rfloordiv__ = _reflected(arith.floor_divide)
    T.__mod__ = _binary_or_notimpl(arith.remainder)
    T.__rmod__ = _reflected(arith.remainder)
    T.__pow__ = _binary_or_notimpl(arith.pow)
    T.__rpow__ = _reflected(arith.pow)
    T.__matmul__ = _binary_or_notimpl(linalg.matmul)
    T.__rmatmul__ = _reflected(linalg.matmul)
    T.__and__ = _binary_or_notimpl(compare.bitwise_and)
    T.__rand__ = _reflected(compare.bitwise_and)
    T.__or__ = _binary_or_notimpl(compare.bitwise_or)
    T.__ror__ = _reflected(compare.bitwise_or)
    T.__xor__ = _binary_or_notimpl(compare.bitwise_xor)
    T.__rxor__ = _reflected(compare.bitwise_xor)
    T.__lshift__ = compare.bitwise_left_shift
    T.__rshift__ = compare.bitwise_right_shift
    T.__eq__ = _binary_or_notimpl(compare.eq)
    T.__ne__ = _binary_or_notimpl(compare.ne)
    T.__lt__ = _binary_or_notimpl(compare.lt)
    T.__le__ = _binary_or_notimpl(compare.le)
    T.__gt__ = _binary_or_notimpl(compare.gt)
    T.__ge__ = _binary_or_notimpl(compare.ge)
    T.__neg__ = arith.neg
    T.__pos__ = arith.positive
    T.__abs__ = pointwise.abs
    T.__invert__ = compare.bitwise_not
    T.__getitem__ = indexing.getitem
    T.__setitem__ = indexing.setitem
    for op, name in (("add", "__iadd__"), ("sub", "__isub__"), ("mul", "__imul__"), ("div", "__itruediv__"),
                     ("floor_divide", "__ifloordiv__"), ("remainder", "__imod__"), ("pow", "__ipow__"),
                     ("bitwise_and", "__iand__"), ("bitwise_or", "__ior__"), ("bitwise_xor", "__ixor__")):
        setattr(T, name, getattr(T, op + "_"))
    T.__hash__ = lambda self: id(self)

    T.T = property(lambda self: self.permute(tuple(reversed(range(self.ndim)))))
    T.mT = property(lambda self: self.transpose(-2, -1))
    T.H = property(lambda self: self.T.conj())
    T.mH = property(lambda self: self.transpose(-2, -1).conj())
    T.real = property(pointwise.real)
    T.imag = property(pointwise.imag)

    for name in ("to", "cuda", "cpu", "double", "half", "bfloat16", "long", "short", "char", "byte", "cfloat",
                 "cdouble", "type_as", "new_zeros", "new_ones", "new_empty", "new_full", "new_tensor", "fill_",
                 "zero_", "copy_", "resize_", "pin_memory", "share_memory_", "is_pinned", "is_shared", "apply_",
                 "map_"):
        setattr(T, name, getattr(convert, name))
    T.float = convert.float_
    T.int = convert.int_
    T.bool = convert.bool_
    T.type = convert.type_

    for name in ("uniform_", "normal_", "bernoulli_", "exponential_", "geometric_", "log_normal_", "cauchy_",
                 "random_"):
        setattr(T, name, getattr(random, name))
    T.bernoulli = random.bernoulli
    T.multinomial = random.multinomial
