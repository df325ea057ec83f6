"""Float64 gradchecks for the differentiable ops not already checked by the per-family files."""

import numpy as np
import pytest
import torsh_tensor as T
from torsh_autograd import gradcheck

RNG = np.random.default_rng(8)


def leaf(*shape, low=-1.0, high=1.0):
    return T.tensor(RNG.uniform(low, high, shape), requires_grad=True)


def t(a):
    return T.tensor(np.asarray(a))


CASES = [
    ("erfinv", T.erfinv, lambda: (leaf(2, 3, low=-0.9, high=0.9),)),
    ("digamma", T.digamma, lambda: (leaf(2, 3, low=0.5, high=3),)),
    ("nan_to_num", lambda x: T.nan_to_num(x, 0.0, 1.0, -1.0), lambda: (leaf(2, 3),)),
    ("clamp_min_tensor", lambda x, m: T.clamp(x, min=m), lambda: (leaf(2, 3), leaf(3, low=-0.5, high=0.5))),
    ("nanmean", lambda x: T.nanmean(x, 1), lambda: (leaf(2, 3),)),
    ("var_mean", lambda x: T.var_mean(x, 1), lambda: (leaf(2, 3),)),
    ("std_mean", lambda x: T.std_mean(x, 0, correction=0), lambda: (leaf(3, 2),)),
    ("aminmax", lambda x: T.aminmax(x, dim=1), lambda: (leaf(2, 3),)),
    ("nanmedian", lambda x: x.nanmedian(1).values, lambda: (leaf(2, 3),)),
    ("sum_to_size", lambda x: x.sum_to_size(2, 1), lambda: (leaf(2, 3),)),
    ("max_binary", lambda a, b: T.max(a, b), lambda: (leaf(2, 3), leaf(3))),
    ("vdot", T.vdot, lambda: (leaf(3), leaf(3))),
    ("inner", T.inner, lambda: (leaf(2, 3), leaf(4, 3))),
    ("addmv", lambda a, m, v: T.addmv(a, m, v, beta=0.5, alpha=2), lambda: (leaf(2), leaf(2, 3), leaf(3))),
    ("addbmm", T.addbmm, lambda: (leaf(2, 2), leaf(2, 2, 3), leaf(2, 3, 2))),
    ("diagflat", lambda x: T.diagflat(x, 1), lambda: (leaf(2, 2),)),
    ("meshgrid", lambda a, b: T.meshgrid(a, b, indexing="ij"), lambda: (leaf(2), leaf(3))),
    ("cartesian_prod", T.cartesian_prod, lambda: (leaf(2), leaf(3))),
    ("broadcast_tensors", T.broadcast_tensors, lambda: (leaf(2, 1), leaf(3))),
    ("atleast_3d", T.atleast_3d, lambda: (leaf(3),)),
    ("diagonal_scatter", lambda x, s: T.diagonal_scatter(x, s, -1), lambda: (leaf(3, 3), leaf(2))),
    ("index_put", lambda x, v: x.index_put((t([0, 2]), t([1, 1])), v), lambda: (leaf(3, 2), leaf(2))),
    ("index_put_accumulate", lambda x, v: x.index_put((t([0, 0]),), v, accumulate=True), lambda: (leaf(3, 2),
                                                                                                  leaf(2))),
    ("take_along_dim", lambda x: T.take_along_dim(x, t([[0, 2], [1, 1]]), 1), lambda: (leaf(2, 3),)),
    ("take_along_dim_flat", lambda x: T.take_along_dim(x, t([5, 0])), lambda: (leaf(2, 3),)),
    ("clone_contiguous", lambda x: x.t().contiguous().clone(), lambda: (leaf(2, 3),)),
    ("expand_as_reshape_as", lambda x, y: x.expand_as(y).reshape_as(y.t()), lambda: (leaf(1, 3), leaf(2, 3))),
    ("float_power_scalar", lambda x: T.float_power(x, 3), lambda: (leaf(3),)),
    ("rsub", lambda x: T.rsub(x, 2.0, alpha=3), lambda: (leaf(3),)),
    ("mul_complex_scalar_abs", lambda x: (x * (1 + 2j)).abs(), lambda: (leaf(3),)),
    ("std_correction", lambda x: x.std((0, 1), correction=2), lambda: (leaf(2, 3),)),
    ("norm_inf", lambda x: x.norm(float("inf"), 1), lambda: (leaf(2, 3),)),
    ("where_scalar", lambda x: T.where(x > 0, x, 0.5), lambda: (leaf(2, 3),)),
    ("masked_fill_tensor_value", lambda x, v: x.masked_fill(x > 0, v), lambda: (leaf(2, 3), leaf())),
    ("unfold_overlap", lambda x: x.unfold(1, 3, 1), lambda: (leaf(2, 5),)),
    ("repeat_interleave_tensor", lambda x: x.repeat_interleave(t([2, 0, 1]), 1), lambda: (leaf(2, 3),)),
]


@pytest.mark.parametrize("fn, make", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_gradcheck(fn, make):
    assert gradcheck(fn, make())
