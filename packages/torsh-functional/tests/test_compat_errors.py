"""Bad input raises the same built-in exception type as torch.nn.functional (torsh's errors derive from them)."""

import numpy as np
import pytest
import torsh_core

pytestmark = pytest.mark.compat
torch = pytest.importorskip("torch")


def case(name, fn):
    return pytest.param(fn, id=name)


CASES = [
    case("conv_channels", lambda F, T: F.conv2d(T.ones(2, 4, 8, 8), T.ones(6, 3, 3, 3))),
    case("conv_groups", lambda F, T: F.conv2d(T.ones(2, 4, 8, 8), T.ones(6, 1, 3, 3), groups=4)),
    case("conv_kernel_too_big", lambda F, T: F.conv2d(T.ones(2, 4, 2, 2), T.ones(6, 4, 3, 3))),
    case("conv_dims", lambda F, T: F.conv2d(T.ones(8, 8), T.ones(6, 4, 3, 3))),
    case("conv_same_strided", lambda F, T: F.conv2d(T.ones(1, 4, 8, 8), T.ones(6, 4, 3, 3), padding="same",
                                                    stride=2)),
    case("conv_bad_padding_string", lambda F, T: F.conv1d(T.ones(1, 4, 8), T.ones(6, 4, 3), padding="full")),
    case("conv_bias", lambda F, T: F.conv2d(T.ones(1, 4, 8, 8), T.ones(6, 4, 3, 3), T.ones(5))),
    case("conv_dtype", lambda F, T: F.conv2d(T.ones(1, 4, 8, 8, dtype=T.float64), T.ones(6, 4, 3, 3))),
    case("conv_transpose_output_padding", lambda F, T: F.conv_transpose2d(T.ones(1, 4, 3, 3), T.ones(4, 2, 3, 3),
                                                                          stride=2, output_padding=2)),
    case("max_pool_pad", lambda F, T: F.max_pool2d(T.ones(2, 3, 5, 5), 3, padding=2)),
    case("max_pool_too_small", lambda F, T: F.max_pool2d(T.ones(2, 3, 5, 5), 6)),
    case("avg_pool_stride0", lambda F, T: F.avg_pool2d(T.ones(2, 3, 5, 5), 2, stride=0)),
    case("avg_pool_divisor0", lambda F, T: F.avg_pool2d(T.ones(2, 3, 5, 5), 2, divisor_override=0)),
    case("unpool_output_size", lambda F, T: F.max_unpool2d(*F.max_pool2d(T.ones(1, 1, 4, 4), 2,
                                                                         return_indices=True), 2, output_size=(7, 7))),
    case("ce_out_of_bounds", lambda F, T: F.cross_entropy(T.ones(3, 4), T.tensor([0, 1, 5]))),
    case("ce_negative_target", lambda F, T: F.cross_entropy(T.ones(3, 4), T.tensor([0, -2, 1]))),
    case("ce_batch", lambda F, T: F.cross_entropy(T.ones(3, 4), T.tensor([0, 1]))),
    case("ce_int32_target", lambda F, T: F.cross_entropy(T.ones(3, 4), T.tensor([0, 1, 2], dtype=T.int32))),
    case("ce_weight_size", lambda F, T: F.cross_entropy(T.ones(3, 4), T.tensor([0, 1, 2]), T.ones(3))),
    case("ce_smoothing", lambda F, T: F.cross_entropy(T.ones(3, 4), T.tensor([0, 1, 2]), label_smoothing=2.0)),
    case("ce_long_input", lambda F, T: F.cross_entropy(T.ones(3, 4, dtype=T.int64), T.tensor([0, 1, 2]))),
    case("nll_kdim_target", lambda F, T: F.nll_loss(T.ones(2, 3, 4), T.zeros(2, 5, dtype=T.int64))),
    case("reduction", lambda F, T: F.mse_loss(T.ones(2), T.ones(2), reduction="avg")),
    case("bce_range", lambda F, T: F.binary_cross_entropy(T.tensor([1.5]), T.tensor([1.0]))),
    case("bce_size", lambda F, T: F.binary_cross_entropy(T.ones(2, 2) / 2, T.ones(4) / 2)),
    case("bce_logits_size", lambda F, T: F.binary_cross_entropy_with_logits(T.ones(2), T.ones(3))),
    case("smooth_l1_beta", lambda F, T: F.smooth_l1_loss(T.ones(2), T.ones(2), beta=-1.0)),
    case("huber_delta", lambda F, T: F.huber_loss(T.ones(2), T.ones(2), delta=0.0)),
    case("gaussian_var_size", lambda F, T: F.gaussian_nll_loss(T.ones(2, 3), T.ones(2, 3), T.ones(3))),
    case("multi_margin_p", lambda F, T: F.multi_margin_loss(T.ones(2, 3), T.tensor([0, 1]), p=3)),
    case("dropout_p", lambda F, T: F.dropout(T.ones(2), 1.5)),
    case("dropout1d_dims", lambda F, T: F.dropout1d(T.ones(2, 3, 4, 5))),
    case("gelu_approximate", lambda F, T: F.gelu(T.ones(2), approximate="fast")),
    case("gelu_long", lambda F, T: F.gelu(T.ones(2, dtype=T.int64))),
    case("glu_odd", lambda F, T: F.glu(T.ones(3, 3))),
    case("softmax_dim", lambda F, T: F.softmax(T.ones(2, 3), 2)),
    case("softmax_long", lambda F, T: F.softmax(T.ones(2, 3, dtype=T.int64), 1)),
    case("linear_shapes", lambda F, T: F.linear(T.ones(2, 3), T.ones(4, 5))),
    case("batch_norm_one_value", lambda F, T: F.batch_norm(T.ones(1, 3), None, None, training=True)),
    case("layer_norm_shape", lambda F, T: F.layer_norm(T.ones(2, 3), (4,))),
    case("layer_norm_int_shape", lambda F, T: F.layer_norm(T.ones(2, 3), 3)),
    case("group_norm_groups", lambda F, T: F.group_norm(T.ones(2, 6, 4), 4)),
    case("embedding_index", lambda F, T: F.embedding(T.tensor([7]), T.ones(3, 2))),
    case("embedding_float_index", lambda F, T: F.embedding(T.tensor([1.0]), T.ones(3, 2))),
    case("one_hot_range", lambda F, T: F.one_hot(T.tensor([3]), 2)),
    case("one_hot_dtype", lambda F, T: F.one_hot(T.tensor([1.0]))),
    case("pad_odd", lambda F, T: F.pad(T.ones(2, 3), (1,))),
    case("pad_reflect_too_big", lambda F, T: F.pad(T.ones(1, 2, 3), (3, 3), mode="reflect")),
    case("pad_reflect_dims", lambda F, T: F.pad(T.ones(3), (1, 1), mode="reflect")),
    case("interp_no_size", lambda F, T: F.interpolate(T.ones(1, 1, 4, 4))),
    case("interp_both", lambda F, T: F.interpolate(T.ones(1, 1, 4, 4), size=2, scale_factor=2)),
    case("interp_align_nearest", lambda F, T: F.interpolate(T.ones(1, 1, 4, 4), size=2, align_corners=True)),
    case("interp_mode_dims", lambda F, T: F.interpolate(T.ones(1, 1, 4), size=2, mode="bilinear")),
    case("pixel_shuffle_channels", lambda F, T: F.pixel_shuffle(T.ones(1, 6, 2, 2), 2)),
    case("fold_blocks", lambda F, T: F.fold(T.ones(1, 8, 5), (3, 3), 2)),
    case("unfold_dims", lambda F, T: F.unfold(T.ones(1, 1, 2, 3, 3), 2)),
    case("pdist_dims", lambda F, T: F.pdist(T.ones(3))),
    case("cosine_embedding_target", lambda F, T: F.cosine_embedding_loss(T.ones(2, 3), T.ones(2, 3), T.ones(2, 1))),
]


def _namespace():
    import types

    import torsh_tensor

    return types.SimpleNamespace(**{**vars(torsh_core.dtypes), **vars(torsh_tensor)})


def _raised(fn, F, T):
    try:
        fn(F, T)
    except Exception as e:  # noqa: BLE001 - the point is to capture whatever is raised
        return e
    return None


@pytest.mark.filterwarnings("ignore")
@pytest.mark.parametrize("fn", CASES)
def test_same_exception_type(fn):
    import torsh_functional

    theirs = _raised(fn, torch.nn.functional, torch)
    ours = _raised(fn, torsh_functional, _namespace())
    assert theirs is not None, "PyTorch accepts this input: the case is wrong"
    assert ours is not None, f"torsh accepted input PyTorch rejects with {type(theirs).__name__}: {theirs}"
    builtin = next(c for c in type(theirs).__mro__ if c.__module__ == "builtins")
    assert isinstance(ours, builtin), f"torsh raised {type(ours).__name__}({ours}); PyTorch {builtin.__name__}"
    assert isinstance(ours, torsh_core.errors.TorshError)


def test_unsupported_features_say_so():
    import torsh_functional as F
    import torsh_tensor as T

    with pytest.raises(NotImplementedError):
        F.ctc_loss(T.ones(5, 2, 3), T.ones(2, 2).long(), T.tensor([5, 5]), T.tensor([2, 2]))
    with pytest.raises(NotImplementedError):
        F.embedding(T.tensor([1]), T.ones(3, 2), sparse=True)
    assert np.isfinite(torch.nn.functional.ctc_loss(torch.randn(5, 2, 3).log_softmax(2), torch.ones(2, 2).long(),
                                                    torch.tensor([5, 5]), torch.tensor([2, 2])).item())


DTYPE_CASES = [
    case("linear_bias_dtype", lambda F, T: F.linear(T.ones(2, 3), T.ones(4, 3), T.ones(4, dtype=T.float64))),
    case("linear_weight_dtype", lambda F, T: F.linear(T.ones(2, 3), T.ones(4, 3, dtype=T.float64))),
    case("layer_norm_weight_dtype", lambda F, T: F.layer_norm(T.ones(2, 3), (3,), T.ones(3, dtype=T.float64))),
    case("batch_norm_weight_dtype", lambda F, T: F.batch_norm(T.ones(2, 3), None, None, T.ones(3, dtype=T.float64),
                                                              training=True)),
]


@pytest.mark.parametrize("fn", DTYPE_CASES)
def test_parameter_dtype_mismatch(fn):
    test_same_exception_type(fn)
