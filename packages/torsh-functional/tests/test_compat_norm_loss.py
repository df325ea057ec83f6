"""Normalisation layers and losses against torch.nn.functional (values and input grads), plus running statistics."""

import numpy as np
import pytest

pytestmark = pytest.mark.compat
torch = pytest.importorskip("torch")


def case(name, fn, *specs):
    return pytest.param(fn, specs, id=name)


X, XC = ("f", 4, 3, 5), ("f", 6, 5)
CASES = [
    case("batch_norm_train", lambda F, T, x, w, b: F.batch_norm(x, None, None, w, b, training=True), X, ("f", 3),
         ("f", 3)),
    case("batch_norm_2d_noaffine", lambda F, T, x: F.batch_norm(x, None, None, training=True, eps=1e-3), ("f", 5, 3)),
    case("batch_norm_eval", lambda F, T, x, m, v, w, b: F.batch_norm(x, m, v, w, b), X, ("fc", 3), ("pc", 3),
         ("f", 3), ("f", 3)),
    case("layer_norm", lambda F, T, x, w, b: F.layer_norm(x, (3, 5), w, b), X, ("f", 3, 5), ("f", 3, 5)),
    case("layer_norm_list_shape", lambda F, T, x: F.layer_norm(x, [5], eps=1e-2), X),
    case("group_norm", lambda F, T, x, w, b: F.group_norm(x, 2, w, b), ("f", 3, 4, 5), ("f", 4), ("f", 4)),
    case("group_norm_2d", lambda F, T, x: F.group_norm(x, 3), ("f", 2, 6, 2, 3)),
    case("instance_norm", lambda F, T, x, w, b: F.instance_norm(x, weight=w, bias=b), X, ("f", 3), ("f", 3)),
    case("instance_norm_eval", lambda F, T, x, m, v: F.instance_norm(x, m, v, use_input_stats=False), X, ("fc", 3),
         ("pc", 3)),
    case("rms_norm", lambda F, T, x, w: F.rms_norm(x, (5,), w), X, ("f", 5)),
    case("rms_norm_eps", lambda F, T, x: F.rms_norm(x, (3, 5), eps=1e-3), X),
    case("local_response_norm_3d", lambda F, T, x: F.local_response_norm(x, 3), ("f", 2, 5, 4)),
    case("local_response_norm_4d", lambda F, T, x: F.local_response_norm(x, 2, alpha=0.1, k=2.0), ("f", 2, 5, 3, 2)),
    case("mse", lambda F, T, x, y: F.mse_loss(x, y), XC, XC),
    case("mse_sum_w", lambda F, T, x, y, w: F.mse_loss(x, y, reduction="sum", weight=w), XC, XC, ("pc", 6, 5)),
    case("mse_mean_w", lambda F, T, x, y, w: F.mse_loss(x, y, weight=w), XC, XC, ("pc", 6, 5)),
    case("l1", lambda F, T, x, y: F.l1_loss(x, y, reduction="none"), XC, XC),
    case("l1_mean_w", lambda F, T, x, y, w: F.l1_loss(x, y, weight=w), XC, XC, ("pc", 6, 5)),
    case("smooth_l1", lambda F, T, x, y: F.smooth_l1_loss(x, y, beta=0.5), XC, XC),
    case("smooth_l1_beta0", lambda F, T, x, y: F.smooth_l1_loss(x, y, beta=0.0, reduction="sum"), XC, XC),
    case("huber", lambda F, T, x, y: F.huber_loss(x, y, delta=0.7), XC, XC),
    case("huber_w", lambda F, T, x, y, w: F.huber_loss(x, y, delta=0.7, weight=w), XC, XC, ("pc", 6, 5)),
    case("bce", lambda F, T, x, y: F.binary_cross_entropy(x, y), ("u", 6, 5), ("u", 6, 5)),
    case("bce_weight", lambda F, T, x, y, w: F.binary_cross_entropy(x, y, w, reduction="sum"), ("u", 6, 5),
         ("uc", 6, 5), ("pc", 5)),
    case("bce_logits", lambda F, T, x, y: F.binary_cross_entropy_with_logits(x * 5, y), XC, ("u", 6, 5)),
    case("bce_logits_weights", lambda F, T, x, y, w, pw: F.binary_cross_entropy_with_logits(
        x * 5, y, w, reduction="none", pos_weight=pw), XC, ("uc", 6, 5), ("pc", 6, 5), ("pc", 5)),
    case("kl_div_batchmean", lambda F, T, x, y: F.kl_div(F.log_softmax(x, 1), y, reduction="batchmean"), XC,
         ("s", 6, 5)),
    case("kl_div_log_target", lambda F, T, x, y: F.kl_div(x, y, reduction="sum", log_target=True), XC, XC),
    case("kl_div_none", lambda F, T, x, y: F.kl_div(x, y, reduction="none"), XC, ("uc", 6, 5)),
    case("poisson_nll", lambda F, T, x, y: F.poisson_nll_loss(x, y), XC, ("p", 6, 5)),
    case("poisson_nll_full", lambda F, T, x, y: F.poisson_nll_loss(x, y * 3, log_input=False, full=True), ("p", 6, 5),
         ("pc", 6, 5)),
    case("gaussian_nll", lambda F, T, x, y, v: F.gaussian_nll_loss(x, y, v), XC, XC, ("p", 6, 5)),
    case("gaussian_nll_homo", lambda F, T, x, y, v: F.gaussian_nll_loss(x, y, v, full=True, reduction="sum"), XC, XC,
         ("p", 6)),
    case("margin_ranking", lambda F, T, a, b, y: F.margin_ranking_loss(a, b, y, margin=0.3), ("f", 7), ("f", 7),
         ("pm", 7)),
    case("hinge_embedding", lambda F, T, x, y: F.hinge_embedding_loss(x, y, margin=0.8), XC, ("pm", 6, 5)),
    case("soft_margin", lambda F, T, x, y: F.soft_margin_loss(x, y), XC, ("pm", 6, 5)),
    case("cosine_embedding", lambda F, T, a, b, y: F.cosine_embedding_loss(a, b, y, margin=0.2), XC, XC, ("pm", 6)),
    case("triplet_margin", lambda F, T, a, p, n: F.triplet_margin_loss(a, p, n), XC, XC, XC),
    case("triplet_margin_swap", lambda F, T, a, p, n: F.triplet_margin_loss(a, p, n, p=1, swap=True,
                                                                            reduction="none"), XC, XC, XC),
    case("triplet_distance", lambda F, T, a, p, n: F.triplet_margin_with_distance_loss(
        a, p, n, distance_function=lambda u, v: 1 - F.cosine_similarity(u, v)), XC, XC, XC),
    case("multilabel_soft_margin", lambda F, T, x, y, w: F.multilabel_soft_margin_loss(x, y, w), XC, ("uc", 6, 5),
         ("pc", 5)),
    case("multi_margin", lambda F, T, x, t: F.multi_margin_loss(x, t), XC, ("ix", 5, 6)),
    case("multi_margin_p2_w", lambda F, T, x, t, w: F.multi_margin_loss(x, t, p=2, margin=0.7, weight=w,
                                                                        reduction="none"), XC, ("ix", 5, 6),
         ("pc", 5)),
    case("nll", lambda F, T, x, t: F.nll_loss(F.log_softmax(x, 1), t), XC, ("ix", 5, 6)),
    case("nll_weight_ignore", lambda F, T, x, t, w: F.nll_loss(x, t, w, ignore_index=1), XC, ("ix", 5, 6), ("pc", 5)),
    case("nll_kdim", lambda F, T, x, t: F.nll_loss(x, t, reduction="none"), ("f", 2, 5, 3, 2), ("ix", 5, 2, 3, 2)),
    case("ce", lambda F, T, x, t: F.cross_entropy(x, t), XC, ("ix", 5, 6)),
    case("ce_unbatched", lambda F, T, x, t: F.cross_entropy(x, t), ("f", 5), ("ix", 5)),
    case("ce_sum", lambda F, T, x, t: F.cross_entropy(x * 10, t, reduction="sum"), XC, ("ix", 5, 6)),
    case("ce_none_kdim", lambda F, T, x, t: F.cross_entropy(x, t, reduction="none"), ("f", 2, 5, 3, 4),
         ("ix", 5, 2, 3, 4)),
    case("ce_weight_ignore", lambda F, T, x, t, w: F.cross_entropy(x, t, w, ignore_index=2), XC, ("ix", 5, 6),
         ("pc", 5)),
    case("ce_smoothing", lambda F, T, x, t: F.cross_entropy(x, t, label_smoothing=0.2), XC, ("ix", 5, 6)),
    case("ce_smoothing_weight_ignore", lambda F, T, x, t, w: F.cross_entropy(x, t, w, ignore_index=0,
                                                                             label_smoothing=0.3),
         ("f", 3, 5, 4), ("ix", 5, 3, 4), ("pc", 5)),
    case("ce_smoothing_none", lambda F, T, x, t: F.cross_entropy(x, t, reduction="none", label_smoothing=0.1), XC,
         ("ix", 5, 6)),
    case("ce_probs", lambda F, T, x, p: F.cross_entropy(x, p), XC, ("s", 6, 5)),
    case("ce_probs_all", lambda F, T, x, p, w: F.cross_entropy(x, p, w, reduction="sum", label_smoothing=0.25),
         ("f", 2, 5, 3), ("s", 2, 5, 3), ("pc", 5)),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
@pytest.mark.parametrize("fn,specs", CASES)
def test_matches_torch(against_torch, fn, specs, dtype):
    against_torch(fn, specs, dtype)


@pytest.mark.parametrize("momentum", [0.1, 0.6])
def test_batch_norm_running_stats_match(rng, momentum):
    import torsh_functional as F
    import torsh_tensor as T

    x = rng.standard_normal((5, 3, 4))
    ours = [T.tensor(np.zeros(3)), T.tensor(np.ones(3))]
    theirs = [torch.zeros(3, dtype=torch.float64), torch.ones(3, dtype=torch.float64)]
    for _ in range(2):
        F.batch_norm(T.tensor(x), *ours, training=True, momentum=momentum)
        torch.nn.functional.batch_norm(torch.tensor(x), *theirs, training=True, momentum=momentum)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-12)


def test_instance_norm_running_stats_match(rng):
    import torsh_functional as F
    import torsh_tensor as T

    x = rng.standard_normal((5, 3, 4))
    ours = [T.tensor(np.zeros(3)), T.tensor(np.ones(3))]
    theirs = [torch.zeros(3, dtype=torch.float64), torch.ones(3, dtype=torch.float64)]
    F.instance_norm(T.tensor(x), *ours, momentum=0.3)
    torch.nn.functional.instance_norm(torch.tensor(x), *theirs, momentum=0.3)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-12)
