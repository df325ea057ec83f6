"""Bad input raises the same built-in exception type in torsh as in PyTorch 2.13.0."""

import types

import pytest
import torsh_autograd
import torsh_core
import torsh_tensor

pytestmark = pytest.mark.compat
torch = pytest.importorskip("torch")

TS = types.SimpleNamespace(**{**vars(torsh_core.dtypes), **vars(torsh_tensor)}, no_grad=torsh_autograd.no_grad)


def E(name, fn):
    return pytest.param(fn, id=name)


BAD = [
    # shapes
    E("add_shape_mismatch", lambda M: M.ones(2, 3) + M.ones(4)),
    E("matmul_mismatch", lambda M: M.ones(2, 3) @ M.ones(2, 3)),
    E("matmul_batched_mismatch", lambda M: M.ones(2, 2, 3) @ M.ones(2, 4, 3)),
    E("matmul_0d", lambda M: M.ones(()) @ M.ones(3)),
    E("matmul_dtypes", lambda M: M.ones(2, 2) @ M.ones(2, 2, dtype=M.float64)),
    E("mm_not_matrix", lambda M: M.mm(M.ones(3), M.ones(3, 2))),
    E("bmm_not_3d", lambda M: M.bmm(M.ones(2, 3), M.ones(3, 2))),
    E("bmm_batch_mismatch", lambda M: M.bmm(M.ones(2, 2, 3), M.ones(3, 3, 2))),
    E("dot_2d", lambda M: M.dot(M.ones(2, 2), M.ones(2))),
    E("dot_size", lambda M: M.dot(M.ones(2), M.ones(3))),
    E("view_bad_numel", lambda M: M.ones(2, 3).view(4, 2)),
    E("view_noncontiguous", lambda M: M.ones(2, 3).t().view(6)),
    E("reshape_two_inferred", lambda M: M.ones(6).reshape(-1, -1)),
    E("expand_bad", lambda M: M.ones(3).expand(2, 4)),
    E("expand_fewer_dims", lambda M: M.ones(2, 3).expand(3)),
    E("cat_dim_mismatch", lambda M: M.cat([M.ones(2, 3), M.ones(2, 4)], 0)),
    E("cat_ndim_mismatch", lambda M: M.cat([M.ones(2, 3), M.ones(3)], 0)),
    E("cat_0d", lambda M: M.cat([M.ones(()), M.ones(())])),
    E("cat_empty_list", lambda M: M.cat([])),
    E("cat_not_list", lambda M: M.cat(M.ones(3))),
    E("stack_shape", lambda M: M.stack([M.ones(2), M.ones(3)])),
    E("split_sizes_sum", lambda M: M.ones(5).split([2, 2])),
    E("chunk_zero", lambda M: M.ones(5).chunk(0)),
    E("permute_len", lambda M: M.ones(2, 3).permute(0)),
    E("permute_dup", lambda M: M.ones(2, 3).permute(0, 0)),
    E("t_3d", lambda M: M.ones(2, 3, 4).t()),
    E("unflatten_bad", lambda M: M.ones(2, 6).unflatten(1, (4, 2))),
    E("flatten_order", lambda M: M.ones(2, 3).flatten(1, 0)),
    E("narrow_too_long", lambda M: M.ones(4).narrow(0, 3, 2)),
    E("narrow_0d", lambda M: M.ones(()).narrow(0, 0, 1)),
    E("unfold_too_big", lambda M: M.ones(3).unfold(0, 4, 1)),
    E("movedim_len", lambda M: M.ones(2, 3).movedim((0, 1), (0,))),
    E("diagonal_same_dims", lambda M: M.ones(3, 3).diagonal(0, 1, 1)),
    E("tril_1d", lambda M: M.ones(3).tril()),
    E("repeat_fewer", lambda M: M.ones(2, 3).repeat(2)),
    E("roll_mismatch", lambda M: M.ones(2, 3).roll((1, 2), (0,))),
    E("where_shapes", lambda M: M.where(M.ones(2, dtype=M.bool), M.ones(3), M.ones(3))),
    E("masked_fill_shape", lambda M: M.ones(3).masked_fill(M.ones(4, dtype=M.bool), 0)),
    E("inplace_broadcast_out", lambda M: M.ones(3).add_(M.ones(2, 3))),
    E("einsum_operand_count", lambda M: M.einsum("ij,jk->ik", M.ones(2, 2))),
    E("einsum_size_mismatch", lambda M: M.einsum("ij,jk->ik", M.ones(2, 3), M.ones(4, 2))),
    E("tensordot_mismatch", lambda M: M.tensordot(M.ones(2, 3), M.ones(4, 2), 1)),
    E("sum_to_size_bad", lambda M: M.ones(2, 3).sum_to_size(4)),
    E("diag_3d", lambda M: M.diag(M.ones(2, 2, 2))),
    # dims and indices
    E("sum_bad_dim", lambda M: M.ones(2, 3).sum(2)),
    E("sum_dup_dims", lambda M: M.ones(2, 3).sum((0, 0))),
    E("softmax_like_neg_dim", lambda M: M.ones(2, 3).cumsum(-3)),
    E("transpose_bad_dim", lambda M: M.ones(2, 3).transpose(0, 2)),
    E("squeeze_bad_dim", lambda M: M.ones(2, 3).squeeze(2)),
    E("unsqueeze_bad_dim", lambda M: M.ones(2, 3).unsqueeze(4)),
    E("select_out_of_range", lambda M: M.ones(2, 3).select(0, 2)),
    E("select_0d", lambda M: M.ones(()).select(0, 0)),
    E("unbind_0d", lambda M: M.ones(()).unbind(0)),
    E("max_bad_dim", lambda M: M.ones(2, 3).max(5)),
    E("getitem_int_oob", lambda M: M.ones(3)[5]),
    E("getitem_too_many", lambda M: M.ones(3)[0, 0]),
    E("getitem_tensor_oob", lambda M: M.ones(3)[M.tensor([5])]),
    E("getitem_mask_shape", lambda M: M.ones(3)[M.tensor([True, False])]),
    E("getitem_float_index", lambda M: M.ones(3)[1.5]),
    E("getitem_float_tensor_index", lambda M: M.ones(3)[M.tensor([1.0])]),
    E("getitem_negative_step", lambda M: M.ones(3)[::-1]),
    E("setitem_shape", lambda M: M.ones(3).__setitem__(slice(None), M.ones(2))),
    E("index_select_oob", lambda M: M.ones(3).index_select(0, M.tensor([3]))),
    E("index_select_float_index", lambda M: M.ones(3).index_select(0, M.tensor([0.0]))),
    E("index_select_2d_index", lambda M: M.ones(3).index_select(0, M.tensor([[0]]))),
    E("index_select_0d_many", lambda M: M.ones(()).index_select(0, M.tensor([0, 0]))),
    E("gather_oob", lambda M: M.ones(3).gather(0, M.tensor([3]))),
    E("gather_float_index", lambda M: M.ones(3).gather(0, M.tensor([0.0]))),
    E("gather_ndim", lambda M: M.ones(2, 3).gather(0, M.tensor([0]))),
    E("scatter_oob", lambda M: M.zeros(3).scatter(0, M.tensor([5]), 1.0)),
    E("scatter_add_oob", lambda M: M.zeros(3).scatter_add(0, M.tensor([-1]), M.ones(1))),
    E("index_add_count", lambda M: M.zeros(3).index_add(0, M.tensor([0]), M.ones(2))),
    E("take_oob", lambda M: M.zeros(3).take(M.tensor([3]))),
    E("put_oob", lambda M: M.zeros(3).put(M.tensor([3]), M.ones(1))),
    E("masked_fill_int_mask", lambda M: M.zeros(3).masked_fill(M.tensor([1, 0, 1]), 1.0)),
    E("masked_fill_nd_value", lambda M: M.zeros(3).masked_fill(M.ones(3, dtype=M.bool), M.ones(3))),
    E("masked_scatter_short", lambda M: M.zeros(3).masked_scatter(M.ones(3, dtype=M.bool), M.ones(2))),
    E("where_float_cond", lambda M: M.where(M.ones(3), M.ones(3), M.zeros(3))),
    E("topk_k_too_big", lambda M: M.ones(3).topk(4)),
    E("kthvalue_k_bad", lambda M: M.ones(3).kthvalue(0)),
    E("bincount_negative", lambda M: M.bincount(M.tensor([-1, 2]))),
    E("bincount_float", lambda M: M.bincount(M.tensor([1.0]))),
    # dtypes and values
    E("int_requires_grad", lambda M: M.tensor([1, 2]).requires_grad_()),
    E("mean_int", lambda M: M.tensor([1, 2]).mean()),
    E("var_int", lambda M: M.tensor([1, 2]).var()),
    E("int_pow_negative", lambda M: M.tensor([2]) ** -1),
    E("int_div_zero", lambda M: M.tensor([2]) // 0),
    E("int_remainder_zero", lambda M: M.tensor([2]) % M.tensor([0])),
    E("bool_sub", lambda M: M.tensor([True]) - M.tensor([False])),
    E("bool_neg", lambda M: -M.tensor([True])),
    E("bitwise_float", lambda M: M.tensor([1.0]) & M.tensor([1.0])),
    E("bitwise_not_float", lambda M: ~M.tensor([1.0])),
    E("inplace_float_into_int", lambda M: M.tensor([1, 2]).add_(1.5)),
    E("inplace_float_tensor_into_int", lambda M: M.tensor([1, 2]).mul_(M.tensor([1.0, 2.0]))),
    E("alpha_float_int", lambda M: M.add(M.tensor([1]), M.tensor([1]), alpha=0.5)),
    E("div_bad_rounding", lambda M: M.div(M.ones(2), M.ones(2), rounding_mode="round")),
    E("clamp_no_bounds", lambda M: M.clamp(M.ones(2))),
    E("polygamma_negative_n", lambda M: M.polygamma(-1, M.ones(2))),
    E("max_empty", lambda M: M.zeros(0).max()),
    E("argmax_empty", lambda M: M.zeros(0).argmax()),
    E("amax_empty", lambda M: M.zeros(0).amax()),
    E("max_empty_dim", lambda M: M.zeros(0, 3).max(0)),
    E("item_many", lambda M: M.ones(2).item()),
    E("bool_many", lambda M: bool(M.ones(2))),
    E("prod_tuple_dim", lambda M: M.ones(2, 3).prod((0, 1))),
    E("step_zero_slice", lambda M: M.ones(3)[::0]),
    # autograd
    E("leaf_inplace", lambda M: M.ones(2, requires_grad=True).add_(1)),
    E("leaf_view_inplace", lambda M: M.ones(2, requires_grad=True)[0].mul_(2)),
    E("leaf_setitem", lambda M: M.ones(2, requires_grad=True).__setitem__(0, 1.0)),
    E("saved_tensor_modified", lambda M: _modified_saved(M)),
    E("backward_twice", lambda M: _backward_twice(M)),
    E("expanded_inplace", lambda M: M.zeros(3, 1).expand(3, 4).add_(1)),
]


def _modified_saved(M):
    x = M.ones(3, requires_grad=True)
    y = x * 2
    z = y * y
    y.add_(1)
    z.sum().backward()


def _backward_twice(M):
    x = M.ones(3, requires_grad=True)
    z = (x * x).sum()
    z.backward()
    z.backward()


BUILTINS = (IndexError, ValueError, TypeError, NotImplementedError, RuntimeError, KeyError)


def _builtin(exc):
    """The most specific built-in exception class ``exc`` is an instance of."""
    return next(b for b in BUILTINS if isinstance(exc, b))


@pytest.mark.parametrize("fn", BAD)
def test_error_type_matches_torch(fn):
    with pytest.raises(Exception) as expected:
        fn(torch)
    with pytest.raises(Exception) as got:
        fn(TS)
    assert isinstance(got.value, torsh_core.errors.TorshError), f"not a torsh error: {got.value!r}"
    assert _builtin(got.value) is _builtin(expected.value), f"torch: {expected.value!r}\ntorsh: {got.value!r}"
