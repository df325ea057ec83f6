"""Every layer against PyTorch: same constructor, torch's weights copied in, same outputs, gradients, buffers,
state_dict keys and repr (float64)."""

import numpy as np
import pytest
import torsh_nn
import torsh_tensor as T

pytestmark = pytest.mark.compat
torch = pytest.importorskip("torch")


# -- input specs: functions of a NumPy Generator returning (array, requires_grad) --------------------------------
def X(*shape, scale=1.0):
    return lambda rng: (rng.normal(size=shape) * scale, True)


def C(*shape):
    """A float input that does not require grad (targets, masks)."""
    return lambda rng: (rng.normal(size=shape), False)


def U(*shape, low=0.05, high=0.95, grad=False):
    return lambda rng: (rng.uniform(low, high, size=shape), grad)


def I(high, *shape, low=0):  # noqa: E743
    return lambda rng: (rng.integers(low, high, size=shape).astype(np.int64), False)


def A(array, grad=False):
    return lambda rng: (np.asarray(array), grad)


def SIGN(*shape):
    return lambda rng: (np.where(rng.normal(size=shape) > 0, 1.0, -1.0), False)


def _pair_of(spec, rng):
    arr, grad = spec(rng)
    t = torch.tensor(arr)
    s = T.tensor(arr)
    if grad:
        t.requires_grad_()
        s.requires_grad_()
    return t, s


def _t(nn, values):
    lib = torch if nn is torch.nn else T
    return lib.tensor(np.array(values, dtype=np.float64))


def _unpool_indices(shape, k):
    """Valid MaxUnpool indices: one position inside each k-wide (or k x k) window of the unpooled input."""
    def make(rng):
        spatial = shape[2:]
        full = [n * k for n in spatial]
        grids = np.meshgrid(*[np.arange(n) * k for n in spatial], indexing="ij")
        coords = [g + rng.integers(0, k, size=g.shape) for g in grids]
        flat = np.ravel_multi_index(coords, full)
        return np.broadcast_to(flat, shape).astype(np.int64).copy(), False

    return make


def _causal(n):
    return np.triu(np.full((n, n), -np.inf), 1)


def _padding_mask(batch, length):
    mask = np.zeros((batch, length), dtype=bool)
    mask[0, -1] = True
    return mask


# -- the cases: (id, build(nn), positional input specs, keyword input specs, train) -------------------------------
def case(id_, build, inputs, kwargs=None, train=True):
    return pytest.param(build, inputs, kwargs or {}, train, id=id_)


ACT = [X(3, 5, scale=2.0)]
CASES = [
    # activations
    case("ReLU", lambda nn: nn.ReLU(), ACT),
    case("ReLU6", lambda nn: nn.ReLU6(), [X(3, 5, scale=5.0)]),
    case("LeakyReLU", lambda nn: nn.LeakyReLU(0.2), ACT),
    case("ELU", lambda nn: nn.ELU(0.5), ACT),
    case("SELU", lambda nn: nn.SELU(), ACT),
    case("CELU", lambda nn: nn.CELU(1.5), ACT),
    case("GELU", lambda nn: nn.GELU(), ACT),
    case("GELU-tanh", lambda nn: nn.GELU("tanh"), ACT),
    case("SiLU", lambda nn: nn.SiLU(), ACT),
    case("Mish", lambda nn: nn.Mish(), ACT),
    case("Softplus", lambda nn: nn.Softplus(2.0, 3.0), ACT),
    case("Hardtanh", lambda nn: nn.Hardtanh(-0.5, 0.7), ACT),
    case("Hardswish", lambda nn: nn.Hardswish(), [X(3, 5, scale=4.0)]),
    case("Hardsigmoid", lambda nn: nn.Hardsigmoid(), [X(3, 5, scale=4.0)]),
    case("Sigmoid", lambda nn: nn.Sigmoid(), ACT),
    case("Tanh", lambda nn: nn.Tanh(), ACT),
    case("LogSigmoid", lambda nn: nn.LogSigmoid(), ACT),
    case("Softsign", lambda nn: nn.Softsign(), ACT),
    case("Tanhshrink", lambda nn: nn.Tanhshrink(), ACT),
    case("Threshold", lambda nn: nn.Threshold(0.1, 20.0), ACT),
    case("GLU", lambda nn: nn.GLU(), [X(3, 6)]),
    case("GLU-dim0", lambda nn: nn.GLU(0), [X(4, 3)]),
    case("PReLU", lambda nn: nn.PReLU(), [X(2, 4, 3)]),
    case("PReLU-channels", lambda nn: nn.PReLU(4, init=0.1), [X(2, 4, 3)]),
    case("Hardshrink", lambda nn: nn.Hardshrink(0.7), ACT),
    case("Softshrink", lambda nn: nn.Softshrink(), ACT),
    case("RReLU-eval", lambda nn: nn.RReLU(0.1, 0.3), ACT, train=False),
    case("Softmax2d", lambda nn: nn.Softmax2d(), [X(2, 3, 2, 2)]),
    case("Softmax", lambda nn: nn.Softmax(dim=1), [X(2, 4, 3)]),
    case("LogSoftmax", lambda nn: nn.LogSoftmax(dim=-1), [X(2, 4, 3)]),
    case("Softmin", lambda nn: nn.Softmin(dim=0), [X(2, 4, 3)]),
    # linear and shape layers
    case("Identity", lambda nn: nn.Identity(3, unused=True), [X(2, 3)]),
    case("Linear", lambda nn: nn.Linear(3, 4), [X(2, 3)]),
    case("Linear-nobias-3d", lambda nn: nn.Linear(3, 4, bias=False), [X(2, 5, 3)]),
    case("Bilinear", lambda nn: nn.Bilinear(2, 3, 4), [X(5, 2), X(5, 3)]),
    case("Flatten", lambda nn: nn.Flatten(), [X(2, 3, 4)]),
    case("Flatten-0-1", lambda nn: nn.Flatten(0, 1), [X(2, 3, 4)]),
    case("Unflatten", lambda nn: nn.Unflatten(1, (2, 3)), [X(4, 6)]),
    # convolutions
    case("Conv1d", lambda nn: nn.Conv1d(2, 4, 3, stride=2, padding=1), [X(2, 2, 9)]),
    case("Conv1d-groups-same", lambda nn: nn.Conv1d(4, 4, 3, padding="same", dilation=2, groups=2, bias=False),
         [X(2, 4, 7)]),
    case("Conv1d-reflect", lambda nn: nn.Conv1d(2, 3, 3, padding=2, padding_mode="reflect"), [X(1, 2, 6)]),
    case("Conv1d-circular", lambda nn: nn.Conv1d(2, 3, 3, padding=1, padding_mode="circular"), [X(1, 2, 6)]),
    case("Conv1d-replicate-same", lambda nn: nn.Conv1d(2, 3, 4, padding="same", padding_mode="replicate"),
         [X(1, 2, 6)]),
    case("Conv2d", lambda nn: nn.Conv2d(2, 3, (3, 2), stride=(2, 1), padding=(1, 0)), [X(2, 2, 7, 6)]),
    case("Conv2d-groups-circular", lambda nn: nn.Conv2d(4, 6, 3, groups=2, padding=1, padding_mode="circular"),
         [X(1, 4, 5, 5)]),
    case("Conv2d-valid-unbatched", lambda nn: nn.Conv2d(2, 3, 2, padding="valid"), [X(2, 4, 5)]),
    case("Conv3d", lambda nn: nn.Conv3d(2, 2, 2, stride=(1, 2, 1)), [X(1, 2, 3, 4, 3)]),
    case("ConvTranspose1d", lambda nn: nn.ConvTranspose1d(3, 2, 3, stride=2, output_padding=1), [X(2, 3, 4)]),
    case("ConvTranspose2d", lambda nn: nn.ConvTranspose2d(4, 2, 3, stride=2, padding=1, groups=2),
         [X(1, 4, 3, 4)]),
    case("ConvTranspose2d-output_size", lambda nn: nn.ConvTranspose2d(2, 2, 3, stride=2, padding=1),
         [X(1, 2, 3, 3)], {"output_size": lambda rng: ([6, 6], None)}),
    case("ConvTranspose2d-dilation", lambda nn: nn.ConvTranspose2d(2, 3, 2, dilation=2, bias=False),
         [X(1, 2, 3, 3)]),
    case("ConvTranspose3d", lambda nn: nn.ConvTranspose3d(2, 1, 2, stride=2), [X(1, 2, 2, 2, 2)]),
    # pooling
    case("MaxPool1d", lambda nn: nn.MaxPool1d(3, stride=2, padding=1), [X(2, 3, 9)]),
    case("MaxPool2d", lambda nn: nn.MaxPool2d(2), [X(2, 3, 6, 6)]),
    case("MaxPool2d-ceil", lambda nn: nn.MaxPool2d(3, 2, 1, ceil_mode=True), [X(1, 2, 7, 6)]),
    case("MaxPool2d-dilation-indices", lambda nn: nn.MaxPool2d(2, dilation=2, return_indices=True),
         [X(1, 2, 7, 7)]),
    case("MaxPool3d", lambda nn: nn.MaxPool3d(2, stride=(1, 2, 2), padding=1), [X(1, 2, 3, 4, 4)]),
    case("MaxUnpool1d", lambda nn: nn.MaxUnpool1d(2), [X(1, 2, 4), _unpool_indices((1, 2, 4), 2)]),
    case("MaxUnpool2d", lambda nn: nn.MaxUnpool2d(2), [X(1, 1, 2, 3), _unpool_indices((1, 1, 2, 3), 2)],
         {"output_size": lambda rng: ([5, 7], None)}),
    case("LPPool1d", lambda nn: nn.LPPool1d(2, 3, stride=2), [U(2, 3, 9, grad=True)]),
    case("LPPool2d", lambda nn: nn.LPPool2d(1.5, (2, 3)), [U(1, 2, 4, 6, grad=True)]),
    case("AvgPool1d", lambda nn: nn.AvgPool1d(3, 2, 1, count_include_pad=False), [X(2, 3, 8)]),
    case("AvgPool2d-ceil", lambda nn: nn.AvgPool2d(3, 2, 1, ceil_mode=True), [X(1, 2, 7, 6)]),
    case("AvgPool2d-divisor", lambda nn: nn.AvgPool2d(2, divisor_override=3), [X(1, 2, 4, 4)]),
    case("AvgPool3d", lambda nn: nn.AvgPool3d(2, padding=1, count_include_pad=False), [X(1, 2, 3, 3, 4)]),
    case("AdaptiveAvgPool3d", lambda nn: nn.AdaptiveAvgPool3d((2, 1, 3)), [X(1, 2, 3, 4, 5)]),
    case("AdaptiveMaxPool3d", lambda nn: nn.AdaptiveMaxPool3d(2, return_indices=True), [X(1, 2, 3, 4, 5)]),
    case("AdaptiveAvgPool1d", lambda nn: nn.AdaptiveAvgPool1d(3), [X(2, 3, 7)]),
    case("AdaptiveAvgPool2d", lambda nn: nn.AdaptiveAvgPool2d((2, 3)), [X(2, 3, 5, 7)]),
    case("AdaptiveAvgPool2d-None", lambda nn: nn.AdaptiveAvgPool2d((None, 2)), [X(1, 2, 3, 5)]),
    case("AdaptiveMaxPool1d", lambda nn: nn.AdaptiveMaxPool1d(2), [X(2, 3, 7)]),
    case("AdaptiveMaxPool2d-indices", lambda nn: nn.AdaptiveMaxPool2d(3, return_indices=True), [X(1, 2, 7, 5)]),
    # normalisation
    case("BatchNorm1d", lambda nn: nn.BatchNorm1d(3), [X(4, 3)]),
    case("BatchNorm1d-3d-cumulative", lambda nn: nn.BatchNorm1d(3, momentum=None), [X(4, 3, 5)]),
    case("BatchNorm1d-eval", lambda nn: nn.BatchNorm1d(3), [X(4, 3)], train=False),
    case("BatchNorm2d-noaffine", lambda nn: nn.BatchNorm2d(3, affine=False, momentum=0.3), [X(2, 3, 4, 4)]),
    case("BatchNorm2d-untracked-eval", lambda nn: nn.BatchNorm2d(3, track_running_stats=False), [X(2, 3, 2, 2)],
         train=False),
    case("BatchNorm2d-nobias", lambda nn: nn.BatchNorm2d(3, bias=False), [X(2, 3, 2, 2)]),
    case("BatchNorm3d", lambda nn: nn.BatchNorm3d(2, eps=1e-3), [X(2, 2, 3, 2, 2)]),
    case("LayerNorm", lambda nn: nn.LayerNorm((3, 4)), [X(2, 3, 4)]),
    case("LayerNorm-plain", lambda nn: nn.LayerNorm(4, elementwise_affine=False), [X(2, 3, 4)]),
    case("LayerNorm-nobias", lambda nn: nn.LayerNorm(4, bias=False, eps=1e-3), [X(5, 4)]),
    case("GroupNorm", lambda nn: nn.GroupNorm(2, 4), [X(2, 4, 3, 2)]),
    case("GroupNorm-noaffine", lambda nn: nn.GroupNorm(4, 4, affine=False), [X(2, 4, 5)]),
    case("InstanceNorm1d", lambda nn: nn.InstanceNorm1d(3), [X(2, 3, 6)]),
    case("InstanceNorm1d-unbatched", lambda nn: nn.InstanceNorm1d(3, affine=True), [X(3, 6)]),
    case("InstanceNorm2d-tracked", lambda nn: nn.InstanceNorm2d(3, affine=True, track_running_stats=True),
         [X(2, 3, 4, 4)]),
    case("InstanceNorm2d-tracked-eval", lambda nn: nn.InstanceNorm2d(3, track_running_stats=True),
         [X(2, 3, 4, 4)], train=False),
    case("LocalResponseNorm", lambda nn: nn.LocalResponseNorm(3, alpha=0.01, k=2.0), [X(2, 5, 3, 3)]),
    case("RMSNorm", lambda nn: nn.RMSNorm(4), [X(2, 3, 4)]),
    case("RMSNorm-eps", lambda nn: nn.RMSNorm((3, 4), eps=1e-3), [X(2, 3, 4)]),
    # dropout (identity outside training, or p=0)
    case("Dropout-eval", lambda nn: nn.Dropout(0.5), ACT, train=False),
    case("Dropout-p0", lambda nn: nn.Dropout(0.0), ACT),
    case("Dropout1d-eval", lambda nn: nn.Dropout1d(0.3), [X(2, 3, 4)], train=False),
    case("Dropout2d-eval", lambda nn: nn.Dropout2d(), [X(2, 3, 4, 4)], train=False),
    case("Dropout3d-eval", lambda nn: nn.Dropout3d(), [X(2, 3, 2, 2, 2)], train=False),
    case("AlphaDropout-eval", lambda nn: nn.AlphaDropout(0.2), ACT, train=False),
    # embeddings
    case("Embedding", lambda nn: nn.Embedding(10, 3), [I(10, 4, 5)]),
    case("Embedding-padding", lambda nn: nn.Embedding(6, 3, padding_idx=-2), [A([[0, 4, 4, 1], [4, 5, 2, 0]])]),
    case("EmbeddingBag-mean-2d", lambda nn: nn.EmbeddingBag(10, 3), [I(10, 4, 3)]),
    case("EmbeddingBag-sum-offsets", lambda nn: nn.EmbeddingBag(10, 3, mode="sum"), [A([1, 2, 4, 5, 4, 3, 2, 9])],
         {"offsets": lambda rng: (np.array([0, 3, 3, 6]), False)}),
    case("EmbeddingBag-max", lambda nn: nn.EmbeddingBag(10, 3, mode="max"), [A([1, 2, 4, 5, 4, 3, 2, 9])],
         {"offsets": lambda rng: (np.array([0, 2, 2, 5]), False)}),
    case("EmbeddingBag-last-offset-padding", lambda nn: nn.EmbeddingBag(8, 2, include_last_offset=True,
                                                                        padding_idx=2),
         [A([1, 2, 2, 5, 3, 2, 7])], {"offsets": lambda rng: (np.array([0, 3, 3, 7]), False)}),
    case("EmbeddingBag-per-sample-weights", lambda nn: nn.EmbeddingBag(10, 3, mode="sum"), [I(10, 3, 4)],
         {"per_sample_weights": X(3, 4)}),
    # pixel / padding / fold / distance
    case("PixelShuffle", lambda nn: nn.PixelShuffle(2), [X(2, 8, 3, 2)]),
    case("PixelUnshuffle", lambda nn: nn.PixelUnshuffle(2), [X(2, 2, 4, 6)]),
    case("ChannelShuffle", lambda nn: nn.ChannelShuffle(2), [X(2, 6, 2, 2)]),
    case("ZeroPad1d", lambda nn: nn.ZeroPad1d((1, 2)), [X(2, 3, 4)]),
    case("ZeroPad2d", lambda nn: nn.ZeroPad2d((1, 2, 0, 1)), [X(2, 3, 4, 4)]),
    case("ConstantPad1d", lambda nn: nn.ConstantPad1d(2, 3.5), [X(2, 3, 4)]),
    case("ConstantPad2d", lambda nn: nn.ConstantPad2d(1, -1.0), [X(2, 3, 4, 4)]),
    case("ReflectionPad1d", lambda nn: nn.ReflectionPad1d(2), [X(2, 3, 5)]),
    case("ReflectionPad2d", lambda nn: nn.ReflectionPad2d((1, 0, 2, 1)), [X(1, 2, 4, 4)]),
    case("ReplicationPad1d", lambda nn: nn.ReplicationPad1d((3, 1)), [X(2, 3, 4)]),
    case("ReplicationPad2d", lambda nn: nn.ReplicationPad2d(2), [X(1, 2, 3, 3)]),
    case("CircularPad2d", lambda nn: nn.CircularPad2d((1, 2, 2, 1)), [X(1, 2, 3, 4)]),
    case("Fold", lambda nn: nn.Fold(output_size=(4, 5), kernel_size=2), [X(2, 12, 12)]),
    case("Unfold", lambda nn: nn.Unfold(kernel_size=(2, 3), padding=1, stride=2), [X(2, 3, 5, 6)]),
    case("Upsample-nearest", lambda nn: nn.Upsample(scale_factor=2), [X(1, 2, 3, 4)]),
    case("Upsample-bilinear", lambda nn: nn.Upsample(size=(5, 7), mode="bilinear"), [X(1, 2, 3, 4)]),
    case("Upsample-bilinear-aligned", lambda nn: nn.Upsample(scale_factor=(2, 1.5), mode="bilinear",
                                                             align_corners=True), [X(1, 2, 3, 4)]),
    case("UpsamplingNearest2d", lambda nn: nn.UpsamplingNearest2d(size=(4, 6)), [X(1, 2, 3, 4)]),
    case("UpsamplingBilinear2d", lambda nn: nn.UpsamplingBilinear2d(scale_factor=2), [X(1, 2, 3, 3)]),
    case("CosineSimilarity", lambda nn: nn.CosineSimilarity(dim=1), [X(4, 5), X(4, 5)]),
    case("PairwiseDistance", lambda nn: nn.PairwiseDistance(p=1.0, keepdim=True), [X(4, 5), X(4, 5)]),
    case("PairwiseDistance-l2", lambda nn: nn.PairwiseDistance(), [X(4, 5), X(4, 5)]),
    # losses
    case("L1Loss", lambda nn: nn.L1Loss(), [X(3, 4), C(3, 4)]),
    case("MSELoss-sum", lambda nn: nn.MSELoss(reduction="sum"), [X(3, 4), C(3, 4)]),
    case("MSELoss-legacy", lambda nn: nn.MSELoss(size_average=False), [X(3, 4), C(3, 4)]),
    case("CrossEntropyLoss", lambda nn: nn.CrossEntropyLoss(), [X(4, 5), I(5, 4)]),
    case("CrossEntropyLoss-weight-ignore-smooth", lambda nn: nn.CrossEntropyLoss(
        weight=_t(nn, [1.0, 2.0, 0.5, 1.0, 3.0]), ignore_index=1, label_smoothing=0.1), [X(6, 5), I(5, 6)]),
    case("CrossEntropyLoss-probs-kdim", lambda nn: nn.CrossEntropyLoss(reduction="none"),
         [X(2, 3, 4), U(2, 3, 4)]),
    case("NLLLoss", lambda nn: nn.NLLLoss(reduction="sum"), [X(4, 5), I(5, 4)]),
    case("NLLLoss-weight-2d", lambda nn: nn.NLLLoss(weight=_t(nn, [1.0, 0.5, 2.0])), [X(2, 3, 4, 2), I(3, 2, 4, 2)]),
    case("SmoothL1Loss", lambda nn: nn.SmoothL1Loss(beta=0.5), [X(3, 4), C(3, 4)]),
    case("HuberLoss", lambda nn: nn.HuberLoss(delta=0.7, reduction="none"), [X(3, 4), C(3, 4)]),
    case("BCELoss", lambda nn: nn.BCELoss(), [U(3, 4, grad=True), U(3, 4)]),
    case("BCELoss-weight", lambda nn: nn.BCELoss(weight=_t(nn, [1.0, 2.0, 0.5, 1.5]), reduction="sum"),
         [U(3, 4, grad=True), U(3, 4)]),
    case("BCEWithLogitsLoss", lambda nn: nn.BCEWithLogitsLoss(pos_weight=_t(nn, [2.0, 0.5, 1.0, 1.0])),
         [X(3, 4), U(3, 4)]),
    case("BCEWithLogitsLoss-weight", lambda nn: nn.BCEWithLogitsLoss(weight=_t(nn, [[1.0], [0.5], [2.0]]),
                                                                     reduction="none"), [X(3, 4), U(3, 4)]),
    case("KLDivLoss", lambda nn: nn.KLDivLoss(reduction="batchmean"), [X(3, 4), U(3, 4)]),
    case("KLDivLoss-logtarget", lambda nn: nn.KLDivLoss(reduction="sum", log_target=True), [X(3, 4), C(3, 4)]),
    case("MarginRankingLoss", lambda nn: nn.MarginRankingLoss(margin=0.3), [X(5), X(5), SIGN(5)]),
    case("HingeEmbeddingLoss", lambda nn: nn.HingeEmbeddingLoss(margin=0.8), [X(3, 4), SIGN(3, 4)]),
    case("SoftMarginLoss", lambda nn: nn.SoftMarginLoss(), [X(3, 4), SIGN(3, 4)]),
    case("CosineEmbeddingLoss", lambda nn: nn.CosineEmbeddingLoss(margin=0.2), [X(4, 5), X(4, 5), SIGN(4)]),
    case("TripletMarginLoss", lambda nn: nn.TripletMarginLoss(margin=0.5, p=1.0), [X(4, 5), X(4, 5), X(4, 5)]),
    case("TripletMarginLoss-swap", lambda nn: nn.TripletMarginLoss(swap=True, reduction="none"),
         [X(4, 5), X(4, 5), X(4, 5)]),
    case("PoissonNLLLoss", lambda nn: nn.PoissonNLLLoss(), [X(3, 4), U(3, 4, high=4.0)]),
    case("PoissonNLLLoss-full", lambda nn: nn.PoissonNLLLoss(log_input=False, full=True),
         [U(3, 4, high=3.0, grad=True), U(3, 4, low=1.5, high=4.0)]),
    case("GaussianNLLLoss", lambda nn: nn.GaussianNLLLoss(), [X(3, 4), C(3, 4), U(3, 4, grad=True)]),
    case("GaussianNLLLoss-full", lambda nn: nn.GaussianNLLLoss(full=True, reduction="sum"),
         [X(3, 4), C(3, 4), U(3, 1, grad=True)]),
    case("MultiMarginLoss", lambda nn: nn.MultiMarginLoss(p=2, margin=0.5, weight=_t(nn, [1.0, 2.0, 0.5])),
         [X(4, 3), I(3, 4)]),
    case("TripletMarginWithDistanceLoss", lambda nn: nn.TripletMarginWithDistanceLoss(
        distance_function=nn.PairwiseDistance(p=1.0), margin=0.5, swap=True), [X(4, 5), X(4, 5), X(4, 5)]),
    case("MultiLabelSoftMarginLoss", lambda nn: nn.MultiLabelSoftMarginLoss(weight=_t(nn, [1.0, 2.0, 0.5, 1.0])),
         [X(3, 4), I(2, 3, 4)]),
    # attention and transformers (dropout 0 so training mode is deterministic)
    case("MultiheadAttention", lambda nn: nn.MultiheadAttention(8, 2), [X(4, 2, 8), X(5, 2, 8), X(5, 2, 8)]),
    case("MultiheadAttention-masks", lambda nn: nn.MultiheadAttention(8, 4, batch_first=True),
         [X(2, 3, 8), X(2, 4, 8), X(2, 4, 8)],
         {"key_padding_mask": A([[False, False, True, False], [False, True, False, False]]),
          "attn_mask": C(3, 4), "average_attn_weights": lambda rng: (False, None)}),
    case("MultiheadAttention-kvdim-biaskv-zeroattn",
         lambda nn: nn.MultiheadAttention(6, 2, kdim=4, vdim=3, add_bias_kv=True, add_zero_attn=True),
         [X(3, 2, 6), X(5, 2, 4), X(5, 2, 3)],
         {"attn_mask": A(np.triu(np.ones((3, 5), dtype=bool), 1)), "need_weights": lambda rng: (False, None)}),
    case("MultiheadAttention-nobias-unbatched-3dmask", lambda nn: nn.MultiheadAttention(4, 2, bias=False),
         [X(3, 4), X(3, 4), X(3, 4)], {"attn_mask": C(2, 3, 3)}),
    case("TransformerEncoderLayer", lambda nn: nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0),
         [X(5, 2, 8)], {"src_mask": A(_causal(5)), "src_key_padding_mask": A(_padding_mask(2, 5))}),
    case("TransformerEncoderLayer-normfirst-gelu", lambda nn: nn.TransformerEncoderLayer(
        8, 4, 12, dropout=0.0, activation="gelu", norm_first=True, batch_first=True), [X(2, 5, 8)]),
    case("TransformerEncoder", lambda nn: nn.TransformerEncoder(
        nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0), 2, nn.LayerNorm(8), enable_nested_tensor=False),
        [X(4, 2, 8)], {"mask": A(_causal(4))}),
    case("TransformerDecoderLayer", lambda nn: nn.TransformerDecoderLayer(8, 2, 16, dropout=0.0, bias=False),
         [X(4, 2, 8), X(5, 2, 8)], {"tgt_mask": A(_causal(4)), "memory_key_padding_mask": A(_padding_mask(2, 5))}),
    case("TransformerDecoder-normfirst", lambda nn: nn.TransformerDecoder(
        nn.TransformerDecoderLayer(8, 2, 16, dropout=0.0, norm_first=True, batch_first=True), 2),
        [X(2, 4, 8), X(2, 5, 8)]),
    case("Transformer", lambda nn: nn.Transformer(8, 2, 1, 1, 16, dropout=0.0),
         [X(5, 2, 8), X(4, 2, 8)], {"tgt_mask": A(_causal(4))}),
]


def _tensors(out):
    """The tensors of an output (a tensor or nested tuples), in order."""
    if isinstance(out, (tuple, list)):
        return [t for o in out for t in _tensors(o)]
    return [] if out is None else [out]


def _np(t):
    return t.detach().numpy() if hasattr(t, "detach") else np.asarray(t)


@pytest.mark.parametrize("build, inputs, kwargs, train", CASES)
def test_layer_matches_torch(build, inputs, kwargs, train):
    torch.manual_seed(0)
    tm = build(torch.nn).double().train(train)
    sm = build(torsh_nn).double().train(train)
    assert list(sm.state_dict()) == list(tm.state_dict())
    assert repr(sm) == repr(tm)
    sm.load_state_dict({k: T.tensor(v.detach().numpy().copy()) for k, v in tm.state_dict().items()})
    rng = np.random.default_rng(42)
    pairs = [_pair_of(spec, rng) for spec in inputs]
    kw_pairs = {}
    for name, spec in kwargs.items():
        value, grad = spec(rng)
        kw_pairs[name] = (value, value) if grad is None else _pair_of(lambda r, v=value, g=grad: (v, g), rng)
    t_out = tm(*[p[0] for p in pairs], **{k: v[0] for k, v in kw_pairs.items()})
    s_out = sm(*[p[1] for p in pairs], **{k: v[1] for k, v in kw_pairs.items()})
    t_list, s_list = _tensors(t_out), _tensors(s_out)
    assert len(t_list) == len(s_list)
    for a, b in zip(t_list, s_list):
        assert tuple(a.shape) == tuple(b.shape)
        np.testing.assert_allclose(_np(b), _np(a), rtol=1e-7, atol=1e-9)
    # backward through every floating output with the same random upstream gradient
    t_loss, s_loss = 0, 0
    for a, b in zip(t_list, s_list):
        if a.requires_grad:
            g = rng.normal(size=tuple(a.shape))
            t_loss = t_loss + (a * torch.tensor(g)).sum()
            s_loss = s_loss + (b * T.tensor(g)).sum()
    if not isinstance(t_loss, int):
        t_loss.backward()
        s_loss.backward()
        for (ta, sa) in list(pairs) + list(kw_pairs.values()):
            if getattr(ta, "requires_grad", False):
                np.testing.assert_allclose(_np(sa.grad), _np(ta.grad), rtol=1e-7, atol=1e-9)
        s_params = dict(sm.named_parameters())
        for name, p in tm.named_parameters():
            if p.grad is None:
                assert s_params[name].grad is None or not _np(s_params[name].grad).any()
            else:
                np.testing.assert_allclose(_np(s_params[name].grad), _np(p.grad), rtol=1e-7, atol=1e-9,
                                           err_msg=name)
    s_state = sm.state_dict()
    for name, value in tm.state_dict().items():  # running statistics updated the same way
        np.testing.assert_allclose(_np(s_state[name]), _np(value), rtol=1e-10, atol=1e-12, err_msg=name)
