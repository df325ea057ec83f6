"""Convolutions, pooling, padding, resizing and fold/unfold against torch.nn.functional (values and input grads)."""

import numpy as np
import pytest

pytestmark = [pytest.mark.compat, pytest.mark.filterwarnings("ignore:Using padding='same'")]
torch = pytest.importorskip("torch")


def case(name, fn, *specs):
    return pytest.param(fn, specs, id=name)


X1, X2, X3 = ("f", 2, 4, 9), ("f", 2, 4, 7, 8), ("f", 2, 2, 5, 6, 4)
CASES = [
    case("conv1d", lambda F, T, x, w, b: F.conv1d(x, w, b), X1, ("f", 3, 4, 3), ("f", 3)),
    case("conv1d_all", lambda F, T, x, w: F.conv1d(x, w, stride=2, padding=2, dilation=2, groups=2), X1,
         ("f", 6, 2, 3)),
    case("conv1d_same_even", lambda F, T, x, w: F.conv1d(x, w, padding="same"), X1, ("f", 3, 4, 4)),
    case("conv1d_unbatched", lambda F, T, x, w: F.conv1d(x, w), ("f", 4, 9), ("f", 3, 4, 3)),
    case("conv2d", lambda F, T, x, w, b: F.conv2d(x, w, b, padding=1), X2, ("f", 5, 4, 3, 3), ("f", 5)),
    case("conv2d_strided", lambda F, T, x, w: F.conv2d(x, w, stride=(2, 3), padding=(1, 0), dilation=(1, 2)), X2,
         ("f", 3, 4, 3, 2)),
    case("conv2d_groups", lambda F, T, x, w, b: F.conv2d(x, w, b, groups=2), X2, ("f", 6, 2, 2, 3), ("f", 6)),
    case("conv2d_depthwise", lambda F, T, x, w: F.conv2d(x, w, groups=4, padding="same"), X2, ("f", 8, 1, 3, 3)),
    case("conv2d_valid_1x1", lambda F, T, x, w: F.conv2d(x, w, padding="valid"), X2, ("f", 3, 4, 1, 1)),
    case("conv3d", lambda F, T, x, w, b: F.conv3d(x, w, b, stride=(1, 2, 1), padding=1), X3, ("f", 3, 2, 3, 2, 3),
         ("f", 3)),
    case("conv_transpose1d", lambda F, T, x, w, b: F.conv_transpose1d(x, w, b, stride=2, padding=1,
                                                                      output_padding=1), X1, ("f", 4, 3, 3), ("f", 3)),
    case("conv_transpose2d", lambda F, T, x, w, b: F.conv_transpose2d(x, w, b, stride=2, padding=1), X2,
         ("f", 4, 3, 3, 3), ("f", 3)),
    case("conv_transpose2d_all", lambda F, T, x, w: F.conv_transpose2d(x, w, stride=(2, 3), padding=(0, 1),
                                                                       output_padding=(1, 2), groups=2,
                                                                       dilation=(2, 1)), X2, ("f", 4, 2, 2, 3)),
    case("conv_transpose3d", lambda F, T, x, w: F.conv_transpose3d(x, w, stride=2), X3, ("f", 2, 3, 2, 2, 2)),
    case("max_pool1d", lambda F, T, x: F.max_pool1d(x, 3, stride=2, padding=1), X1),
    case("max_pool1d_indices", lambda F, T, x: F.max_pool1d(x, 2, return_indices=True), X1),
    case("max_pool2d", lambda F, T, x: F.max_pool2d(x, 2), X2),
    case("max_pool2d_overlap", lambda F, T, x: F.max_pool2d(x, 3, stride=1, padding=1), X2),
    case("max_pool2d_all", lambda F, T, x: F.max_pool2d(x, (3, 2), stride=(2, 1), padding=(1, 1), dilation=(2, 1),
                                                         ceil_mode=True, return_indices=True), X2),
    case("max_pool2d_ceil", lambda F, T, x: F.max_pool2d(x, 2, ceil_mode=True, return_indices=True), X2),
    case("max_pool2d_unbatched", lambda F, T, x: F.max_pool2d(x, 2), ("f", 3, 5, 5)),
    case("max_pool3d", lambda F, T, x: F.max_pool3d(x, 2, stride=(1, 2, 2), padding=1, return_indices=True), X3),
    case("avg_pool1d", lambda F, T, x: F.avg_pool1d(x, 3, stride=2, padding=1), X1),
    case("avg_pool1d_excl", lambda F, T, x: F.avg_pool1d(x, 4, 3, 2, ceil_mode=True, count_include_pad=False), X1),
    case("avg_pool2d", lambda F, T, x: F.avg_pool2d(x, 2), X2),
    case("avg_pool2d_pad_ceil", lambda F, T, x: F.avg_pool2d(x, 3, stride=2, padding=1, ceil_mode=True), X2),
    case("avg_pool2d_excl", lambda F, T, x: F.avg_pool2d(x, (3, 2), stride=(2, 3), padding=1, ceil_mode=True,
                                                          count_include_pad=False), X2),
    case("avg_pool2d_divisor", lambda F, T, x: F.avg_pool2d(x, 3, padding=1, divisor_override=5), X2),
    case("avg_pool3d", lambda F, T, x: F.avg_pool3d(x, 2, stride=1, padding=1, count_include_pad=False), X3),
    case("lp_pool1d", lambda F, T, x: F.lp_pool1d(x, 2, 3, stride=2), ("p", 2, 3, 9)),
    case("lp_pool2d", lambda F, T, x: F.lp_pool2d(x, 3, 2), ("p", 2, 3, 6, 4)),
    case("adaptive_avg_pool1d", lambda F, T, x: F.adaptive_avg_pool1d(x, 4), X1),
    case("adaptive_avg_pool2d", lambda F, T, x: F.adaptive_avg_pool2d(x, (3, 5)), X2),
    case("adaptive_avg_pool2d_none", lambda F, T, x: F.adaptive_avg_pool2d(x, (None, 1)), X2),
    case("adaptive_avg_pool3d", lambda F, T, x: F.adaptive_avg_pool3d(x, (2, 4, 3)), X3),
    case("adaptive_max_pool1d", lambda F, T, x: F.adaptive_max_pool1d(x, 4, return_indices=True), X1),
    case("adaptive_max_pool2d", lambda F, T, x: F.adaptive_max_pool2d(x, (3, 5), return_indices=True), X2),
    case("adaptive_max_pool2d_up", lambda F, T, x: F.adaptive_max_pool2d(x, (9, 10)), X2),
    case("adaptive_max_pool3d", lambda F, T, x: F.adaptive_max_pool3d(x, 2, return_indices=True), X3),
    case("max_unpool2d", lambda F, T, x: F.max_unpool2d(*F.max_pool2d(x, 2, return_indices=True), 2), X2),
    case("max_unpool2d_size", lambda F, T, x: F.max_unpool2d(*F.max_pool2d(x, 2, return_indices=True), 2,
                                                             output_size=(7, 8)), X2),
    case("max_unpool1d", lambda F, T, x: F.max_unpool1d(*F.max_pool1d(x, 3, 2, return_indices=True), 3, 2), X1),
    case("pad_constant", lambda F, T, x: F.pad(x, (1, 2, 0, 3), value=0.5), X2),
    case("pad_negative", lambda F, T, x: F.pad(x, (-1, 2, 1, -2)), X2),
    case("pad_reflect", lambda F, T, x: F.pad(x, (2, 1, 3, 0), mode="reflect"), X2),
    case("pad_replicate", lambda F, T, x: F.pad(x, (2, 3, 1, 4), mode="replicate"), X2),
    case("pad_circular", lambda F, T, x: F.pad(x, (2, 3, 1, 4), mode="circular"), X2),
    case("pad_reflect_1d", lambda F, T, x: F.pad(x, (3, 2), mode="reflect"), X1),
    case("pad_replicate_3d", lambda F, T, x: F.pad(x, (1, 1, 2, 0, 0, 1), mode="replicate"), X3),
    case("interp_nearest", lambda F, T, x: F.interpolate(x, size=(11, 5)), X2),
    case("interp_nearest_scale", lambda F, T, x: F.interpolate(x, scale_factor=1.7), X2),
    case("interp_nearest_exact", lambda F, T, x: F.interpolate(x, scale_factor=(1.5, 0.6), mode="nearest-exact"), X2),
    case("interp_linear", lambda F, T, x: F.interpolate(x, size=13, mode="linear"), X1),
    case("interp_linear_ac", lambda F, T, x: F.interpolate(x, size=5, mode="linear", align_corners=True), X1),
    case("interp_bilinear", lambda F, T, x: F.interpolate(x, scale_factor=2, mode="bilinear"), X2),
    case("interp_bilinear_down", lambda F, T, x: F.interpolate(x, size=(4, 3), mode="bilinear"), X2),
    case("interp_bilinear_ac", lambda F, T, x: F.interpolate(x, size=(10, 12), mode="bilinear", align_corners=True),
         X2),
    case("interp_bilinear_scale", lambda F, T, x: F.interpolate(x, scale_factor=(1.3, 2.5), mode="bilinear"), X2),
    case("interp_bilinear_recompute", lambda F, T, x: F.interpolate(x, scale_factor=1.3, mode="bilinear",
                                                                    recompute_scale_factor=True), X2),
    case("interp_bicubic", lambda F, T, x: F.interpolate(x, size=(10, 5), mode="bicubic"), X2),
    case("interp_bicubic_ac", lambda F, T, x: F.interpolate(x, scale_factor=2, mode="bicubic", align_corners=True),
         X2),
    case("interp_trilinear", lambda F, T, x: F.interpolate(x, size=(7, 3, 6), mode="trilinear"), X3),
    case("interp_area", lambda F, T, x: F.interpolate(x, size=(3, 5), mode="area"), X2),
    case("interp_area_scale", lambda F, T, x: F.interpolate(x, scale_factor=0.5, mode="area"), X2),
    case("pixel_shuffle", lambda F, T, x: F.pixel_shuffle(x, 2), ("f", 2, 8, 3, 2)),
    case("pixel_unshuffle", lambda F, T, x: F.pixel_unshuffle(x, 2), ("f", 2, 3, 4, 6)),
    case("channel_shuffle", lambda F, T, x: F.channel_shuffle(x, 2), ("f", 2, 6, 3)),
    case("unfold", lambda F, T, x: F.unfold(x, (2, 3), dilation=(1, 2), padding=1, stride=(2, 1)), X2),
    case("fold", lambda F, T, x: F.fold(x, (6, 5), (2, 3), padding=(1, 0), stride=(1, 2)), ("f", 2, 12, 14)),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
@pytest.mark.parametrize("fn,specs", CASES)
def test_matches_torch(against_torch, fn, specs, dtype):
    against_torch(fn, specs, dtype)
