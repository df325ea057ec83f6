"""Ops against PyTorch 2.13.0: the same expression on the same inputs gives the same values, dtypes, shapes, grads."""

import types

import numpy as np
import pytest
import torsh_core
import torsh_tensor

pytestmark = pytest.mark.compat
torch = pytest.importorskip("torch")

# torsh's namespace as a user sees it through ``import torsh as torch`` (ops plus dtypes)
TS = types.SimpleNamespace(**{**vars(torsh_core.dtypes), **vars(torsh_tensor)})


def make(spec, rng):
    """A NumPy array from a spec: (kind, *shape); kinds: f f32 p u i n b, or ("ix", high, *shape)."""
    kind, *shape = spec
    if kind == "ix":
        high, *shape = shape
        return rng.integers(0, high, size=shape).astype(np.int64)
    shape = tuple(shape)
    if kind == "f":
        return rng.standard_normal(shape)
    if kind == "f32":
        return rng.standard_normal(shape).astype(np.float32)
    if kind == "p":
        return rng.uniform(0.5, 2.0, shape)
    if kind == "u":
        return rng.uniform(-0.9, 0.9, shape)
    if kind == "i":
        return rng.integers(-5, 6, size=shape).astype(np.int64)
    if kind == "n":
        return rng.integers(1, 6, size=shape).astype(np.int64)
    if kind == "i32":
        return rng.integers(-5, 6, size=shape).astype(np.int32)
    if kind == "b":
        return rng.random(shape) < 0.5
    raise ValueError(kind)


def C(name, fn, *specs, grad=True, tol=1e-6):
    return pytest.param(fn, specs, grad, tol, id=name)


F34, F4, F3, P34, U34 = ("f", 3, 4), ("f", 4), ("f", 3), ("p", 3, 4), ("u", 3, 4)

UNARY = """exp log1p:p expm1 sqrt:p rsqrt:p sin cos tan:u tanh sigmoid erf erfc erfinv:u lgamma:p digamma:p abs sign
floor ceil round trunc frac reciprocal:p neg square asin:u acos:u atan sinh cosh asinh acosh:g atanh:u exp2 log2:p
log10:p deg2rad rad2deg sgn log:p logit:u relu""".split()

CASES = []
for entry in UNARY:
    name, _, kind = entry.partition(":")
    spec = {"": F34, "p": P34, "u": U34, "g": ("p", 3, 4)}[kind]
    if name == "relu":
        CASES.append(C(name, lambda M, x: x.relu(), spec))
        continue
    if name == "acosh":
        CASES.append(C(name, lambda M, x: M.acosh(x + 1), spec))
        continue
    CASES.append(C(name, lambda M, x, n=name: getattr(M, n)(x), spec))
    CASES.append(C(name + "_method_f32", lambda M, x, n=name: getattr(x, n)(), ("f32",) + spec[1:], tol=1e-5))

CASES += [
    # unary on integers: float results (PyTorch promotes integer inputs to the default float dtype)
    C("exp_int", lambda M, x: M.exp(x), ("i", 5)),
    C("sqrt_int", lambda M, x: M.sqrt(x), ("n", 5)),
    C("sigmoid_int", lambda M, x: M.sigmoid(x), ("i", 5)),
    C("abs_int", lambda M, x: M.abs(x), ("i", 5)),
    C("neg_int", lambda M, x: -x, ("i", 5)),
    C("sign_int", lambda M, x: M.sign(x), ("i", 5)),
    C("floor_int", lambda M, x: M.floor(x), ("i", 5)),
    C("round_int", lambda M, x: M.round(x), ("i", 5)),
    C("square_int", lambda M, x: M.square(x), ("i", 5)),
    C("reciprocal_int", lambda M, x: M.reciprocal(x), ("n", 5)),
    C("erf_int", lambda M, x: M.erf(x), ("i", 5)),
    C("round_decimals", lambda M, x: M.round(x * 100, decimals=1), F34),
    C("round_half_even", lambda M: M.round(M.tensor([0.5, 1.5, 2.5, -0.5, -1.5])),),
    C("erf_wide", lambda M: M.erf(M.tensor([-7.0, -3.0, -1.0, -1e-5, 0.0, 0.3, 0.9, 2.5, 4.0, 6.5]))),
    C("erfc_wide", lambda M: M.erfc(M.tensor([-6.0, -1.0, 0.0, 0.2, 0.7, 1.3, 2.5, 4.0, 8.0, 26.0]))),
    C("lgamma_wide", lambda M: M.lgamma(M.tensor([-3.5, -0.5, 1e-3, 0.3, 1.0, 2.0, 2.5, 7.3, 30.0, 1e4]))),
    C("digamma_wide", lambda M: M.digamma(M.tensor([-3.5, -0.5, 1e-3, 0.3, 1.0, 2.5, 7.3, 30.0]))),
    C("erfinv_wide", lambda M: M.erfinv(M.tensor([-1.0, -0.999, -0.5, 0.0, 1e-3, 0.7, 0.99999, 1.0]))),
    C("polygamma1", lambda M, x: M.polygamma(1, x), P34),
    C("polygamma2", lambda M, x: M.polygamma(2, x), P34),
    # clamp / lerp / misc
    C("clamp", lambda M, x: M.clamp(x, -0.5, 0.5), F34),
    C("clamp_min", lambda M, x: x.clamp(min=0.1), F34),
    C("clamp_max", lambda M, x: x.clamp_max(0.1), F34),
    C("clamp_tensor", lambda M, x, lo, hi: M.clamp(x, lo, hi + 1), F34, F4, ("p", 3, 1)),
    C("clamp_int_float", lambda M, x: M.clamp(x, -1.5, 2.5), ("i", 6)),
    C("clamp_int", lambda M, x: M.clamp(x, -1, 2), ("i", 6)),
    C("lerp_scalar", lambda M, a, b: M.lerp(a, b, 0.3), F34, F34),
    C("lerp_tensor", lambda M, a, b, w: M.lerp(a, b, w), F34, F4, U34),
    C("addcmul", lambda M, a, b, c: M.addcmul(a, b, c, value=0.5), F34, F4, F34),
    C("addcdiv", lambda M, a, b, c: M.addcdiv(a, b, c, value=2), F34, F4, P34),
    C("nan_to_num", lambda M: M.nan_to_num(M.tensor([float("nan"), float("inf"), -float("inf"), 1.0]))),
    C("nan_to_num_args", lambda M: M.nan_to_num(M.tensor([float("nan"), float("inf"), 1.0]), 2.0, 3.0, -3.0)),
    C("signbit", lambda M: M.signbit(M.tensor([-0.0, 0.0, -1.0, 2.0]))),
    C("isnan_isinf", lambda M: M.isnan(M.tensor([1.0, float("nan")])) & ~M.isinf(M.tensor([1.0, float("inf")]))),
    # arithmetic with broadcasting, scalars on either side and type promotion
    C("add_bcast", lambda M, a, b: a + b, ("f", 3, 1, 4), ("f", 2, 4)),
    C("add_alpha", lambda M, a, b: M.add(a, b, alpha=2), F34, F4),
    C("sub_alpha", lambda M, a, b: M.sub(a, b, alpha=0.5), F34, F34),
    C("rsub_scalar", lambda M, a: 2 - a, F34),
    C("mul_bcast", lambda M, a, b: a * b, ("f", 3, 1), ("f", 1, 4)),
    C("div", lambda M, a, b: a / b, F34, P34),
    C("rdiv", lambda M, a: 3 / a, P34),
    C("div_trunc", lambda M, a, b: M.div(a, b, rounding_mode="trunc"), F34, P34),
    C("div_floor", lambda M, a, b: M.div(a, b, rounding_mode="floor"), F34, P34),
    C("floordiv_int", lambda M, a, b: a // b, ("i", 8), ("n", 8)),
    C("floordiv_scalar", lambda M, a: a // 2, ("i", 8)),
    C("rfloordiv", lambda M, a: 7 // a, ("n", 8)),
    C("div_int_trunc", lambda M, a, b: M.div(a, b, rounding_mode="trunc"), ("i", 8), ("n", 8)),
    C("div_int_int", lambda M, a, b: a / b, ("i", 8), ("n", 8)),
    C("pow_tensor", lambda M, a, b: a ** b, P34, F34),
    C("pow_scalar", lambda M, a: a ** 3, F34),
    C("pow_half", lambda M, a: a ** 0.5, P34),
    C("pow_neg", lambda M, a: M.pow(a, -2), P34),
    C("rpow", lambda M, a: 2 ** a, F34),
    C("pow_zero_base", lambda M, b: M.pow(M.zeros(4, dtype=M.float64), b), ("n", 4)),
    C("pow_int", lambda M, a: a ** 2, ("i", 5)),
    C("pow_int_float", lambda M, a: a ** 0.5, ("n", 5)),
    C("rpow_int", lambda M, a: 2 ** a, ("n", 5)),
    C("remainder", lambda M, a, b: M.remainder(a, b), F34, P34),
    C("remainder_neg", lambda M, a: a % -1.5, F34),
    C("rmod", lambda M, a: 5.0 % a, P34, grad=False),  # torch has no derivative for a scalar dividend
    C("remainder_int", lambda M, a, b: a % b, ("i", 8), ("n", 8)),
    C("fmod", lambda M, a, b: M.fmod(a, b), F34, P34),
    C("fmod_int", lambda M, a: M.fmod(a, 3), ("i", 8)),
    C("maximum", lambda M, a, b: M.maximum(a, b), F34, F4),
    C("minimum", lambda M, a, b: M.minimum(a, b), F34, ("f", 3, 1)),
    C("maximum_tie", lambda M, a: M.maximum(a, a.detach()), F4),
    C("fmax", lambda M, a, b: M.fmax(a, b), F34, F34),
    C("fmin", lambda M, a, b: M.fmin(a, b), F34, F34),
    C("atan2", lambda M, a, b: M.atan2(a, b), F34, F4),
    C("hypot", lambda M, a, b: M.hypot(a, b), F34, F34),
    C("xlogy", lambda M, a, b: M.xlogy(a, b), F34, P34),
    C("xlogy_zero", lambda M, b: M.xlogy(M.zeros(4, dtype=M.float64), b), ("p", 4)),
    C("copysign", lambda M, a, b: M.copysign(a, b), F34, F34),
    C("neg", lambda M, a: -a, F34),
    C("promote_int_float32", lambda M, a, b: a + b, ("i", 4), ("f32", 4)),
    C("promote_f32_f64_0d", lambda M, a, b: a * b, ("f32", 4), ("f",)),
    C("promote_int_0d_float", lambda M, a, b: a * b, ("i", 4), ("f",)),
    C("promote_int32_scalar", lambda M, a: a + 1, ("i32", 4)),
    C("promote_int32_float_scalar", lambda M, a: a * 1.5, ("i32", 4)),
    C("promote_bool_int", lambda M, a, b: a + b, ("b", 4), ("i32", 4)),
    C("promote_bool_scalar", lambda M, a: a * 2, ("b", 4)),
    C("promote_bool_true_div", lambda M, a: a / 2, ("b", 4)),
    C("promote_uint8_int8", lambda M: M.tensor([1, 2], dtype=M.uint8) + M.tensor([1, 2], dtype=M.int8)),
    C("scalar_0d_result", lambda M, a: a.sum() * 2 + 1, F34),
    C("complex_scalar", lambda M, a: (a * 1j).abs(), F4),
    # comparisons and logic
    C("eq", lambda M, a, b: a == b, ("i", 3, 4), ("i", 4)),
    C("lt_scalar", lambda M, a: a < 0.5, F34),
    C("ge_reflected", lambda M, a: 0.5 <= a, F34),
    C("ne_int_float", lambda M, a: a != 1.0, ("i", 5)),
    C("logical", lambda M, a, b: M.logical_and(a, b) | M.logical_xor(a, ~b), ("b", 5), ("b", 5)),
    C("logical_not_int", lambda M, a: M.logical_not(a), ("i", 5)),
    C("bitwise", lambda M, a, b: (a & b) ^ (a | 3), ("i", 5), ("i", 5)),
    C("shift", lambda M, a: (a << 2) >> 1, ("n", 5)),
    C("isclose", lambda M, a: M.isclose(a, a + 1e-9), F34),
    C("where", lambda M, c, a, b: M.where(c, a, b), ("b", 3, 4), F34, F4),
    C("where_scalar", lambda M, c, a: M.where(c, a, 0.0), ("b", 3, 4), F34),
    C("where_scalar_first", lambda M, c, a: M.where(c, 1.5, a), ("b", 3, 4), ("f32", 3, 4)),
    C("where_int_float", lambda M, c, a, b: M.where(c, a, b), ("b", 4), ("i", 4), ("f32", 4)),
    # reductions
    C("sum_all", lambda M, x: x.sum(), F34),
    C("sum_dim", lambda M, x: x.sum(1), F34),
    C("sum_neg_keep", lambda M, x: x.sum(-1, keepdim=True), F34),
    C("sum_tuple", lambda M, x: M.sum(x, (0, 2)), ("f", 2, 3, 4)),
    C("sum_int", lambda M, x: x.sum(0), ("i32", 3, 4)),
    C("sum_bool", lambda M, x: x.sum(), ("b", 3, 4)),
    C("sum_dtype", lambda M, x: x.sum(dtype=M.float64), ("f32", 3, 4)),
    C("sum_empty", lambda M: M.zeros(0, 3).sum(0)),
    C("sum_0d", lambda M, x: x.sum(0), ("f",)),
    C("mean", lambda M, x: x.mean((0, 1)), ("f", 2, 3, 4)),
    C("mean_keep", lambda M, x: x.mean(-1, keepdim=True), F34),
    C("prod", lambda M, x: x.prod(1), F34),
    C("prod_all", lambda M, x: x.prod(), F34),
    C("prod_zero", lambda M, x: (x * M.tensor([1.0, 0.0, 1.0, 1.0], dtype=M.float64)).prod(1), F34),
    C("prod_two_zero", lambda M, x: (x * M.tensor([0.0, 0.0, 1.0, 1.0], dtype=M.float64)).prod(-1), F34),
    C("prod_int", lambda M, x: x.prod(0), ("i32", 3, 4)),
    C("max_all", lambda M, x: x.max(), F34),
    C("max_dim", lambda M, x: M.max(x, 1), F34),
    C("min_dim_keep", lambda M, x: x.min(-1, keepdim=True), F34),
    C("max_binary", lambda M, a, b: M.max(a, b), F34, F4),
    C("max_ties", lambda M: M.tensor([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]], requires_grad=True).max(1)),
    C("max_all_ties", lambda M: M.tensor([1.0, 3.0, 3.0], requires_grad=True).max()),
    C("max_nan", lambda M: M.tensor([[1.0, float("nan"), 3.0]]).max(1)),
    C("amax", lambda M, x: M.amax(x, (0, 2)), ("f", 2, 3, 4)),
    C("amin_keep", lambda M, x: x.amin(1, keepdim=True), F34),
    C("amax_ties", lambda M: M.tensor([1.0, 3.0, 3.0], requires_grad=True).amax()),
    C("aminmax", lambda M, x: M.aminmax(x, dim=0), F34),
    C("argmax", lambda M, x: x.argmax(), F34),
    C("argmax_dim", lambda M, x: M.argmax(x, 1, keepdim=True), F34),
    C("argmin_dim", lambda M, x: x.argmin(0), F34),
    C("argmax_ties", lambda M: M.tensor([1, 3, 3, 0]).argmax()),
    C("var", lambda M, x: x.var(), F34),
    C("var_dim", lambda M, x: M.var(x, 1, keepdim=True), F34),
    C("var_correction", lambda M, x: x.var(0, correction=0), F34),
    C("std", lambda M, x: x.std(1), F34),
    C("std_unbiased_false", lambda M, x: M.std(x, 0, False), F34),
    C("std_mean", lambda M, x: M.std_mean(x, 1), F34),
    C("var_mean", lambda M, x: M.var_mean(x, 1, correction=0), F34),
    C("norm", lambda M, x: x.norm(), F34),
    C("norm_dim", lambda M, x: M.norm(x, dim=1), F34),
    C("norm_p1", lambda M, x: x.norm(1, 1, keepdim=True), F34),
    C("norm_p3", lambda M, x: x.norm(3), F34),
    C("norm_inf", lambda M, x: x.norm(float("inf"), 0), F34),
    C("norm_0", lambda M, x: x.norm(0), F34, grad=False),
    C("logsumexp", lambda M, x: M.logsumexp(x, 1), F34),
    C("logsumexp_tuple_keep", lambda M, x: x.logsumexp((0, 1), keepdim=True), F34),
    C("logsumexp_inf", lambda M: M.logsumexp(M.tensor([-float("inf"), -float("inf")]), 0)),
    C("cumsum", lambda M, x: x.cumsum(1), F34),
    C("cumsum_neg", lambda M, x: M.cumsum(x, -2), F34),
    C("cumsum_int", lambda M, x: x.cumsum(0), ("i32", 4)),
    C("cumprod", lambda M, x: x.cumprod(1), F34),
    C("cumprod_zero", lambda M, x: (x * M.tensor([1.0, 0.0, 1.0, 0.0], dtype=M.float64)).cumprod(1), F34),
    C("cummax", lambda M, x: M.cummax(x, 1), F34),
    C("cummin", lambda M, x: x.cummin(0), F34),
    C("logcumsumexp", lambda M, x: x.logcumsumexp(1), F34),
    C("all_any", lambda M, x: M.stack([x.all(1), x.any(1)]), ("b", 3, 4)),
    C("all_float", lambda M, x: x.all(), F34),
    C("any_keep", lambda M, x: x.any(0, keepdim=True), ("i", 3, 4)),
    C("count_nonzero", lambda M, x: M.count_nonzero(x, 1), ("i", 3, 4)),
    C("count_nonzero_tuple", lambda M, x: x.count_nonzero((0, 1)), ("i", 3, 4)),
    C("nansum", lambda M: M.nansum(M.tensor([1.0, float("nan"), 2.0]))),
    C("nanmean", lambda M: M.nanmean(M.tensor([[1.0, float("nan")], [2.0, 4.0]]), 1)),
    C("sum_to_size", lambda M, x: x.sum_to_size(3, 1), F34),
    # ordering
    C("sort", lambda M, x: x.sort(1), F34),
    C("sort_desc", lambda M, x: M.sort(x, 0, descending=True), F34),
    C("sort_int_stable", lambda M: M.sort(M.tensor([3, 1, 3, 1, 2]), stable=True)),
    C("sort_nan", lambda M: M.tensor([1.0, float("nan"), -1.0]).sort(descending=True)),
    C("argsort", lambda M, x: x.argsort(-1, descending=True), F34),
    C("topk", lambda M, x: x.topk(2), F34),
    C("topk_smallest", lambda M, x: M.topk(x, 2, 0, largest=False), F34),
    C("kthvalue", lambda M, x: x.kthvalue(2, 1), F34),
    C("kthvalue_keep", lambda M, x: M.kthvalue(x, 2, 0, keepdim=True), F34),
    C("median_all", lambda M, x: x.median(), F34),
    C("median_dim", lambda M, x: M.median(x, 1), F34),
    C("median_even", lambda M: M.tensor([4.0, 1.0, 3.0, 2.0]).median()),
    C("mode", lambda M: M.tensor([[1, 2, 2, 3], [4, 4, 1, 1]]).mode(1)),
    C("unique", lambda M: M.unique(M.tensor([3, 1, 3, 2, 1]))),
    C("unique_inverse_counts", lambda M: M.unique(M.tensor([[3, 1], [3, 2]]), return_inverse=True,
                                                  return_counts=True)),
    C("unique_dim", lambda M: M.unique(M.tensor([[1, 2], [0, 1], [1, 2]]), dim=0, return_inverse=True)),
    C("unique_consecutive", lambda M: M.unique_consecutive(M.tensor([1, 1, 2, 2, 3, 1]), return_counts=True)),
    C("searchsorted", lambda M: M.searchsorted(M.tensor([1.0, 3.0, 5.0]), M.tensor([0.0, 3.0, 6.0]))),
    C("searchsorted_right", lambda M: M.searchsorted(M.tensor([1, 3, 5]), M.tensor([3]), right=True)),
    C("bucketize", lambda M: M.bucketize(M.tensor([0.5, 3.0]), M.tensor([1.0, 3.0, 5.0]))),
    C("histc", lambda M: M.histc(M.tensor([1.0, 2.0, 1.0, 4.0]), bins=4, min=0, max=4)),
    C("bincount", lambda M: M.bincount(M.tensor([0, 1, 1, 3]))),
    C("bincount_weights", lambda M: M.bincount(M.tensor([0, 1, 1, 3]), M.tensor([0.5, 1.0, 1.0, 2.0]))),
    # products
    C("matmul_2d", lambda M, a, b: a @ b, F34, ("f", 4, 2)),
    C("matmul_batched_bcast", lambda M, a, b: M.matmul(a, b), ("f", 2, 1, 3, 4), ("f", 3, 4, 2)),
    C("matmul_vec_mat", lambda M, a, b: a @ b, F4, ("f", 2, 4, 3)),
    C("matmul_mat_vec", lambda M, a, b: a @ b, ("f", 2, 3, 4), F4),
    C("matmul_vec_vec", lambda M, a, b: a @ b, F4, F4),
    C("matmul_int", lambda M, a, b: a @ b, ("i", 2, 3), ("i", 3, 2)),
    C("mm", lambda M, a, b: M.mm(a, b), F34, ("f", 4, 2)),
    C("bmm", lambda M, a, b: M.bmm(a, b), ("f", 2, 3, 4), ("f", 2, 4, 2)),
    C("mv", lambda M, a, b: M.mv(a, b), F34, F4),
    C("dot", lambda M, a, b: M.dot(a, b), F4, F4),
    C("vdot", lambda M, a, b: M.vdot(a, b), F4, F4),
    C("outer", lambda M, a, b: M.outer(a, b), F3, F4),
    C("inner", lambda M, a, b: M.inner(a, b), F34, ("f", 2, 4)),
    C("kron", lambda M, a, b: M.kron(a, b), ("f", 2, 2), ("f", 2, 3)),
    C("einsum_mm", lambda M, a, b: M.einsum("ij,jk->ik", a, b), F34, ("f", 4, 2)),
    C("einsum_batch", lambda M, a, b: M.einsum("bij,bjk->bik", a, b), ("f", 2, 3, 4), ("f", 2, 4, 2)),
    C("einsum_implicit", lambda M, a, b: M.einsum("ij,jk", a, b), F34, ("f", 4, 2)),
    C("einsum_trace", lambda M, a: M.einsum("ii->", a), ("f", 3, 3)),
    C("einsum_diag", lambda M, a: M.einsum("ii->i", a), ("f", 3, 3)),
    C("einsum_sum_out", lambda M, a: M.einsum("ij->", a), F34),
    C("einsum_ellipsis", lambda M, a, b: M.einsum("...ij,...jk->...ik", a, b), ("f", 2, 3, 4), ("f", 2, 4, 2)),
    C("einsum_outer3", lambda M, a, b, c: M.einsum("i,j,k->ijk", a, b, c), F3, F4, ("f", 2)),
    C("einsum_list", lambda M, a, b: M.einsum("i,i->", [a, b]), F4, F4),
    C("tensordot", lambda M, a, b: M.tensordot(a, b, 1), F34, ("f", 4, 2)),
    C("tensordot_dims", lambda M, a, b: M.tensordot(a, b, ([0, 2], [1, 0])), ("f", 2, 3, 4), ("f", 4, 2, 5)),
    C("addmm", lambda M, c, a, b: M.addmm(c, a, b, beta=0.5, alpha=2), ("f", 3, 2), F34, ("f", 4, 2)),
    C("addmv", lambda M, c, a, b: M.addmv(c, a, b), F3, F34, F4),
    C("baddbmm", lambda M, c, a, b: M.baddbmm(c, a, b), ("f", 2, 3, 2), ("f", 2, 3, 4), ("f", 2, 4, 2)),
    C("trace", lambda M, a: M.trace(a), F34),
    # joining and rearranging
    C("cat", lambda M, a, b: M.cat([a, b], 1), F34, ("f", 3, 2)),
    C("cat_neg_dim", lambda M, a, b: M.cat((a, b), -2), F34, ("f", 1, 4)),
    C("cat_promote", lambda M, a, b: M.cat([a, b]), ("i", 2), ("f32", 3)),
    C("cat_legacy_empty", lambda M, a: M.cat([a, M.tensor([], dtype=M.float64)]), F34),
    C("stack", lambda M, a, b: M.stack([a, b], 1), F34, F34),
    C("stack_neg", lambda M, a, b: M.stack([a, b], -1), F34, F34),
    C("hstack", lambda M, a, b: M.hstack([a, b]), F34, ("f", 3, 2)),
    C("hstack_1d", lambda M, a, b: M.hstack([a, b]), F3, F4),
    C("vstack", lambda M, a, b: M.vstack([a, b]), F4, F34),
    C("dstack", lambda M, a, b: M.dstack([a, b]), F34, F34),
    C("column_stack", lambda M, a, b: M.column_stack([a, b]), F3, ("f", 3, 2)),
    C("flip", lambda M, x: x.flip(0, 1) if M is torch else x.flip((0, 1)), F34, grad=True),
    C("flip_tuple", lambda M, x: M.flip(x, (-1,)), F34),
    C("fliplr", lambda M, x: M.fliplr(x), F34),
    C("roll", lambda M, x: M.roll(x, 1, 0), F34),
    C("roll_multi", lambda M, x: x.roll((1, -2), (0, 1)), F34),
    C("roll_flat", lambda M, x: M.roll(x, 5), F34),
    C("repeat", lambda M, x: x.repeat(2, 1, 3), F34),
    C("repeat_0d", lambda M, x: x.repeat(2, 3), ("f",)),
    C("tile", lambda M, x: M.tile(x, (2,)), F34),
    C("repeat_interleave", lambda M, x: x.repeat_interleave(2, 0), F34),
    C("repeat_interleave_tensor", lambda M, x: M.repeat_interleave(x, M.tensor([1, 0, 2]), dim=0), F34),
    C("tril", lambda M, x: x.tril(), F34),
    C("triu_k", lambda M, x: M.triu(x, 1), ("f", 2, 3, 4)),
    C("tril_neg", lambda M, x: M.tril(x, -1), F34),
    C("diag_vec", lambda M, x: M.diag(x), F4),
    C("diag_vec_k", lambda M, x: M.diag(x, -1), F4),
    C("diag_mat", lambda M, x: M.diag(x, 1), F34),
    C("diag_embed", lambda M, x: M.diag_embed(x), F34),
    C("diagflat", lambda M, x: M.diagflat(x), ("f", 2, 2)),
    C("rot90", lambda M, x: M.rot90(x), F34),
    C("rot90_k3", lambda M, x: x.rot90(3, (0, 1)), F34),
    C("rot90_neg", lambda M, x: x.rot90(-1, (0, 1)), F34),
    C("meshgrid", lambda M, a, b: M.meshgrid(a, b, indexing="xy"), F3, F4),
    C("cartesian_prod", lambda M, a, b: M.cartesian_prod(a, b), F3, F4),
    C("broadcast_tensors", lambda M, a, b: M.broadcast_tensors(a, b), ("f", 3, 1), F4),
    C("atleast_3d", lambda M, x: M.atleast_3d(x), F4),
    # views
    C("view", lambda M, x: x.view(4, 3), F34),
    C("view_neg", lambda M, x: x.view(-1), F34),
    C("reshape_t", lambda M, x: x.t().reshape(12), F34),
    C("transpose", lambda M, x: x.transpose(0, -1), ("f", 2, 3, 4)),
    C("permute", lambda M, x: x.permute(2, 0, 1), ("f", 2, 3, 4)),
    C("permute_tuple", lambda M, x: M.permute(x, (1, -1, 0)), ("f", 2, 3, 4)),
    C("T", lambda M, x: x.T, F34),
    C("mT", lambda M, x: x.mT, ("f", 2, 3, 4)),
    C("squeeze", lambda M, x: x.squeeze(), ("f", 1, 3, 1)),
    C("squeeze_dim", lambda M, x: x.squeeze(-1), ("f", 1, 3, 1)),
    C("squeeze_tuple", lambda M, x: x.squeeze((0, 1)), ("f", 1, 3, 1)),
    C("unsqueeze", lambda M, x: x.unsqueeze(-1), F34),
    C("flatten", lambda M, x: x.flatten(1), ("f", 2, 3, 4)),
    C("flatten_0d", lambda M, x: x.flatten(), ("f",)),
    C("unflatten", lambda M, x: x.unflatten(1, (2, 2)), F34),
    C("unflatten_neg", lambda M, x: x.unflatten(-1, (-1, 2)), F34),
    C("expand", lambda M, x: x.expand(2, 3, 4), ("f", 3, 1)),
    C("expand_neg", lambda M, x: x.expand(-1, 4), ("f", 3, 1)),
    C("narrow", lambda M, x: x.narrow(1, 1, 2), F34),
    C("narrow_neg", lambda M, x: M.narrow(x, -1, -3, 2), F34),
    C("select", lambda M, x: x.select(1, -1), F34),
    C("unbind", lambda M, x: x.unbind(1), F34),
    C("split", lambda M, x: x.split(3, 1), ("f", 3, 7)),
    C("split_sizes", lambda M, x: M.split(x, [1, 2], 0), F34),
    C("chunk", lambda M, x: x.chunk(3, 1), ("f", 3, 7)),
    C("chunk_uneven", lambda M, x: M.chunk(x, 4, 0), ("f", 6, 2)),
    C("tensor_split", lambda M, x: x.tensor_split(3, 1), ("f", 3, 7)),
    C("tensor_split_idx", lambda M, x: M.tensor_split(x, [1, 3], 1), ("f", 3, 7)),
    C("movedim", lambda M, x: x.movedim(0, -1), ("f", 2, 3, 4)),
    C("movedim_multi", lambda M, x: M.movedim(x, (0, 1), (2, 0)), ("f", 2, 3, 4)),
    C("diagonal", lambda M, x: x.diagonal(), F34),
    C("diagonal_off", lambda M, x: M.diagonal(x, -1, 1, 2), ("f", 2, 3, 4)),
    C("diagonal_off_big", lambda M, x: x.diagonal(1, -1, 0), ("f", 4, 3)),
    C("unfold", lambda M, x: x.unfold(1, 2, 1), F34),
    C("swapaxes", lambda M, x: x.swapaxes(0, 1), F34),
    C("adjoint", lambda M, x: x.adjoint(), F34),
    C("view_as", lambda M, x, y: x.view_as(y), F34, ("f", 12)),
    C("expand_as", lambda M, x, y: x.expand_as(y), F4, F34),
    C("broadcast_to", lambda M, x: M.broadcast_to(x, (2, 4)), F4),
    C("ravel", lambda M, x: x.t().ravel(), F34),
    # indexing
    C("getitem_basic", lambda M, x: x[1:, ::2], F34),
    C("getitem_int_neg", lambda M, x: x[-1, 2], F34),
    C("getitem_none_ellipsis", lambda M, x: x[None, ..., 1], ("f", 2, 3, 4)),
    C("getitem_list", lambda M, x: x[[0, 2, 0]], F34),
    C("getitem_tensor_idx", lambda M, x, i: x[i], F34, ("ix", 3, 2, 2)),
    C("getitem_two_arrays", lambda M, x: x[[0, 1], [2, 3]], F34),
    C("getitem_array_slice", lambda M, x: x[:, [1, 1, 3]], F34),
    C("getitem_mask", lambda M, x, m: x[m], F34, ("b", 3, 4)),
    C("getitem_mask_row", lambda M, x: x[M.tensor([True, False, True])], F34),
    C("getitem_bool_scalar", lambda M, x: x[True], F34, grad=False),
    C("getitem_arrays_split", lambda M, x: x[[0, 1], :, [0, 2]], ("f", 2, 3, 4)),
    C("getitem_0d_tensor", lambda M, x: x[M.tensor(1)], F34),
    C("index_select", lambda M, x, i: M.index_select(x, 1, i), F34, ("ix", 4, 5)),
    C("index_select_0d", lambda M, x: x.index_select(0, M.tensor([0])), ("f",)),
    C("gather", lambda M, x, i: M.gather(x, 1, i), F34, ("ix", 4, 3, 2)),
    C("gather_neg_dim", lambda M, x, i: x.gather(-2, i), F34, ("ix", 3, 2, 4)),
    C("take_along_dim", lambda M, x, i: M.take_along_dim(x, i, 1), F34, ("ix", 4, 3, 2)),
    C("scatter", lambda M, x, s: x.scatter(1, M.tensor([[0, 1], [2, 3], [1, 0]]), s), F34, ("f", 3, 2)),
    C("scatter_value", lambda M, x: x.scatter(0, M.tensor([[0, 1, 2, 0]]), 1.5), F34),
    C("scatter_add", lambda M, x, i, s: M.scatter_add(x, 1, i, s), F34, ("ix", 4, 3, 5), ("f", 3, 5)),
    C("scatter_add_small_src", lambda M, x, s: x.scatter_add(0, M.tensor([[0, 1]]), s), F34, ("f", 2, 3),
      grad=False),  # torch's backward rejects a src larger than index
    C("scatter_reduce_sum", lambda M, x, i, s: x.scatter_reduce(1, i, s, "sum"), F34, ("ix", 4, 3, 5), ("f", 3, 5)),
    C("scatter_reduce_amax", lambda M, x, i, s: x.scatter_reduce(1, i, s, "amax", include_self=False), F34,
      ("ix", 4, 3, 5), ("f", 3, 5)),
    C("scatter_reduce_mean", lambda M, x, i, s: x.scatter_reduce(1, i, s, "mean"), F34, ("ix", 4, 3, 5),
      ("f", 3, 5)),
    C("scatter_reduce_prod", lambda M, x, i, s: x.scatter_reduce(1, i, s, "prod"), F34, ("ix", 4, 3, 5),
      ("f", 3, 5), grad=False),
    C("index_add", lambda M, x, s: x.index_add(0, M.tensor([0, 2, 0]), s, alpha=2), F34, ("f", 3, 4)),
    C("index_add_dim1", lambda M, x, s: M.index_add(x, 1, M.tensor([3, 3]), s), F34, ("f", 3, 2)),
    C("index_copy", lambda M, x, s: x.index_copy(1, M.tensor([3, 0]), s), F34, ("f", 3, 2)),
    C("index_fill", lambda M, x: x.index_fill(1, M.tensor([3, 0]), -1.0), F34),
    C("masked_fill", lambda M, x, m: x.masked_fill(m, 0.5), F34, ("b", 4)),
    C("masked_fill_tensor", lambda M, x, m, v: M.masked_fill(x, m, v), F34, ("b", 3, 4), ("f",)),
    C("masked_fill_int", lambda M, x, m: x.masked_fill(m, 7), ("i", 3, 4), ("b", 3, 4)),
    C("masked_select", lambda M, x, m: M.masked_select(x, m), F34, ("b", 4)),
    C("masked_scatter", lambda M, x, m, s: x.masked_scatter(m, s), F34, ("b", 3, 4), ("f", 12)),
    C("take", lambda M, x: M.take(x, M.tensor([[0, 11], [-1, 5]])), F34),
    C("put", lambda M, x, s: x.put(M.tensor([0, 11, 5]), s), F34, F3),
    C("put_accumulate", lambda M, x, s: x.put(M.tensor([0, 0, 5]), s, accumulate=True), F34, F3),
    C("nonzero", lambda M, x: M.nonzero(x), ("i", 3, 4)),
    C("nonzero_tuple", lambda M, x: x.nonzero(as_tuple=True), ("i", 3, 4)),
    C("argwhere", lambda M, x: M.argwhere(x), ("i", 3, 4)),
    C("where_cond_only", lambda M, x: M.where(x), ("i", 3, 4)),
    C("diagonal_scatter", lambda M, x, s: M.diagonal_scatter(x, s, 1), F34, F3),
    # non-contiguous inputs
    C("exp_transposed", lambda M, x: x.t().exp(), F34),
    C("add_sliced", lambda M, x, y: x[:, ::2] + y.t(), F34, ("f", 2, 3)),
    C("sum_transposed", lambda M, x: x.t().sum(0), F34),
    C("matmul_transposed", lambda M, a: a.t() @ a, F34),
    C("cumsum_sliced", lambda M, x: x[::2].cumsum(1), F34),
    C("sort_transposed", lambda M, x: x.t().sort(0), F34),
    C("view_after_transpose_reshape", lambda M, x: x.t().contiguous().view(-1), F34),
    # empty tensors
    C("empty_add", lambda M: M.zeros(0, 3) + M.ones(3)),
    C("empty_mean", lambda M: M.zeros(0, 3).mean(1)),
    C("empty_prod", lambda M: M.zeros(2, 0).prod(1)),
    C("empty_cat", lambda M: M.cat([M.zeros(0, 3), M.ones(2, 3)])),
    C("empty_matmul", lambda M: M.zeros(2, 0) @ M.zeros(0, 3)),
    C("empty_sort", lambda M: M.zeros(0).sort()),
    C("empty_amax_dim", lambda M: M.zeros(0, 3).amax(1)),
    C("empty_cumsum", lambda M: M.zeros(0, 3).cumsum(0)),
    # 0-d tensors
    C("0d_exp", lambda M, x: x.exp(), ("f",)),
    C("0d_max_dim", lambda M, x: x.max(0), ("f",)),
    C("0d_unsqueeze", lambda M, x: x.unsqueeze(0), ("f",)),
    C("0d_cumsum", lambda M, x: x.cumsum(0), ("f",)),
    C("0d_sort", lambda M, x: x.sort(), ("f",)),
    C("0d_matmul_scalar_mul", lambda M, x, y: x * y, ("f",), F34),
    C("0d_logsumexp", lambda M, x: x.logsumexp(0), ("f",)),
    C("0d_std", lambda M, x: x.std(correction=0), ("f",)),
]


def _to_torsh(a):
    return torsh_tensor.tensor(a)


def _to_torch(a):
    return torch.tensor(a)


def _flatten(r):
    if isinstance(r, (tuple, list)):
        out = []
        for x in r:
            out += _flatten(x)
        return out
    return [r]


def _check_same(tr, tt, tol, what):
    """torsh result ``tr`` and torch result ``tt`` agree in type, shape, dtype and values."""
    if not isinstance(tt, torch.Tensor):
        assert not isinstance(tr, torsh_tensor.Tensor), what
        assert tr == tt, what
        return
    assert isinstance(tr, torsh_tensor.Tensor), f"{what}: got {type(tr).__name__}"
    assert tuple(tr.shape) == tuple(tt.shape), f"{what}: shape {tuple(tr.shape)} vs {tuple(tt.shape)}"
    assert tr.dtype.name == str(tt.dtype).split(".")[1], f"{what}: dtype {tr.dtype.name} vs {tt.dtype}"
    a = np.asarray(tr.detach().numpy())
    b = tt.detach().clone().numpy() if not tt._is_zerotensor() else np.zeros(tuple(tt.shape))
    if a.dtype.kind in "fc":
        np.testing.assert_allclose(a, b, rtol=tol, atol=tol, equal_nan=True, err_msg=what)
    else:
        np.testing.assert_array_equal(a, b, err_msg=what)


@pytest.mark.parametrize("fn, specs, grad, tol", CASES)
def test_op_matches_torch(fn, specs, grad, tol):
    rng = np.random.default_rng(0)
    arrays = [make(s, rng) for s in specs]
    xs = [_to_torsh(a) for a in arrays]
    ys = [_to_torch(a) for a in arrays]
    diff = [i for i, a in enumerate(arrays) if a.dtype.kind == "f" and grad]
    for i in diff:
        xs[i].requires_grad_()
        ys[i].requires_grad_()
    rt = _flatten(fn(torch, *ys))
    rs = _flatten(fn(TS, *xs))
    assert len(rs) == len(rt)
    for k, (a, b) in enumerate(zip(rs, rt)):
        _check_same(a, b, tol, f"output {k}")
    outs = [(a, b) for a, b in zip(rs, rt) if isinstance(b, torch.Tensor) and b.requires_grad]
    if not outs:
        return
    # one backward through all differentiable outputs with the same random weights
    weights = [rng.standard_normal(tuple(b.shape)) for _, b in outs]
    ls = sum((a * torsh_tensor.tensor(w).to(a.dtype)).sum() for (a, _), w in zip(outs, weights))
    lt = sum((b * torch.tensor(w).to(b.dtype)).sum() for (_, b), w in zip(outs, weights))
    lt.backward()
    if isinstance(ls, torsh_tensor.Tensor) and ls.requires_grad:
        ls.backward()
    leaves = [(xs[i], ys[i]) for i in diff]
    for k, (x, y) in enumerate(leaves):
        if y.grad is None:
            assert x.grad is None or not np.any(x.grad.numpy()), f"grad {k}: torch has none"
            continue
        assert x.grad is not None, f"grad of input {k} missing"
        _check_same(x.grad, y.grad, tol, f"grad of input {k}")
