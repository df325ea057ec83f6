"""Activations, softmax, linear, attention and distances against torch.nn.functional (values and input grads)."""

import numpy as np
import pytest

pytestmark = pytest.mark.compat
torch = pytest.importorskip("torch")


def case(name, fn, *specs, tol=None):
    return pytest.param(fn, specs, tol, id=name)


X = ("f", 3, 5)
CASES = [
    case("relu", lambda F, T, x: F.relu(x), X),
    case("relu6", lambda F, T, x: F.relu6(x * 4), X),
    case("leaky_relu", lambda F, T, x: F.leaky_relu(x, 0.2), X),
    case("elu", lambda F, T, x: F.elu(x, alpha=0.7), X),
    case("selu", lambda F, T, x: F.selu(x), X),
    # PyTorch differentiates celu with 1 / float32(alpha): its float64 gradient is only float32-accurate
    case("celu", lambda F, T, x: F.celu(x, alpha=1.3), X, tol=1e-7),
    case("gelu", lambda F, T, x: F.gelu(x * 2), X),
    case("gelu_tanh", lambda F, T, x: F.gelu(x * 2, approximate="tanh"), X),
    case("silu", lambda F, T, x: F.silu(x * 3), X),
    case("mish", lambda F, T, x: F.mish(x * 3), X),
    case("softplus", lambda F, T, x: F.softplus(x * 3), X),
    case("softplus_beta", lambda F, T, x: F.softplus(x * 3, beta=2.0, threshold=1.5), X),
    case("hardtanh", lambda F, T, x: F.hardtanh(x * 2, -0.5, 1.5), X),
    case("hardswish", lambda F, T, x: F.hardswish(x * 4), X),
    case("hardsigmoid", lambda F, T, x: F.hardsigmoid(x * 4), X, tol=1e-7),  # PyTorch: grad * float32(1/6)
    case("sigmoid", lambda F, T, x: F.sigmoid(x), X),
    case("tanh", lambda F, T, x: F.tanh(x), X),
    case("logsigmoid", lambda F, T, x: F.logsigmoid(x * 10), X),
    case("softsign", lambda F, T, x: F.softsign(x), X),
    case("tanhshrink", lambda F, T, x: F.tanhshrink(x), X),
    case("hardshrink", lambda F, T, x: F.hardshrink(x, 0.3), X),
    case("softshrink", lambda F, T, x: F.softshrink(x, 0.3), X),
    case("threshold", lambda F, T, x: F.threshold(x, 0.1, -2.0), X),
    case("rrelu_eval", lambda F, T, x: F.rrelu(x), X),
    case("glu", lambda F, T, x: F.glu(x, 0), ("f", 4, 3)),
    case("prelu", lambda F, T, x, w: F.prelu(x, w), ("f", 2, 3, 4), ("f", 3)),
    case("prelu_shared", lambda F, T, x, w: F.prelu(x, w), ("f", 2, 3, 4), ("f", 1)),
    case("softmax", lambda F, T, x: F.softmax(x, dim=1), ("f", 2, 4, 3)),
    case("softmax_neg_dim", lambda F, T, x: F.softmax(x * 30, dim=-1), ("f", 2, 4, 3)),
    case("log_softmax", lambda F, T, x: F.log_softmax(x * 30, dim=0), ("f", 2, 4, 3)),
    case("tensor_softmax_method", lambda F, T, x: x.softmax(1), ("f", 2, 4, 3)),
    case("tensor_log_softmax_method", lambda F, T, x: (x * 30).log_softmax(dim=-1), ("f", 2, 4, 3)),
    # the float32 C kernel over a middle axis (threads split each row's columns), against torch's float32 softmax
    case("softmax_middle_axis_f32", lambda F, T, x: F.softmax(x.float() * 5, dim=1).double(), ("f", 3, 70, 130),
         tol=2e-6),
    case("softmin", lambda F, T, x: F.softmin(x, dim=2), ("f", 2, 4, 3)),
    case("linear", lambda F, T, x, w, b: F.linear(x, w, b), ("f", 4, 3), ("f", 5, 3), ("f", 5)),
    case("linear_3d", lambda F, T, x, w: F.linear(x, w), ("f", 2, 4, 3), ("f", 5, 3)),
    case("linear_1d", lambda F, T, x, w, b: F.linear(x, w, b), ("f", 3), ("f", 5, 3), ("f", 5)),
    case("bilinear", lambda F, T, a, b, w, c: F.bilinear(a, b, w, c), ("f", 4, 3), ("f", 4, 2), ("f", 5, 3, 2),
         ("f", 5)),
    case("sdpa", lambda F, T, q, k, v: F.scaled_dot_product_attention(q, k, v), ("f", 2, 3, 4, 8), ("f", 2, 3, 6, 8),
         ("f", 2, 3, 6, 5)),
    case("sdpa_causal_scale", lambda F, T, q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=True, scale=0.3),
         ("f", 2, 5, 4), ("f", 2, 5, 4), ("f", 2, 5, 3)),
    case("sdpa_float_mask", lambda F, T, q, k, v, m: F.scaled_dot_product_attention(q, k, v, attn_mask=m),
         ("f", 2, 4, 8), ("f", 2, 6, 8), ("f", 2, 6, 5), ("fc", 4, 6)),
    case("sdpa_bool_mask", lambda F, T, q, k, v, m: F.scaled_dot_product_attention(q, k, v, attn_mask=m),
         ("f", 2, 4, 8), ("f", 2, 6, 8), ("f", 2, 6, 5), ("b", 2, 4, 6)),
    case("sdpa_gqa", lambda F, T, q, k, v: F.scaled_dot_product_attention(q, k, v, enable_gqa=True),
         ("f", 1, 4, 3, 8), ("f", 1, 2, 5, 8), ("f", 1, 2, 5, 4)),
    case("cosine_similarity", lambda F, T, a, b: F.cosine_similarity(a, b), ("f", 4, 5), ("f", 4, 5)),
    case("cosine_similarity_bcast", lambda F, T, a, b: F.cosine_similarity(a, b, dim=-1), ("f", 3, 1, 5),
         ("f", 4, 5)),
    case("pairwise_distance", lambda F, T, a, b: F.pairwise_distance(a, b), ("f", 4, 5), ("f", 4, 5)),
    case("pairwise_distance_p1", lambda F, T, a, b: F.pairwise_distance(a, b, p=1.0, keepdim=True), ("f", 4, 5),
         ("f", 4, 5)),
    case("pdist", lambda F, T, a: F.pdist(a), ("f", 5, 3)),
    case("pdist_p3", lambda F, T, a: F.pdist(a, p=3), ("f", 5, 3)),
    case("normalize", lambda F, T, a: F.normalize(a), ("f", 4, 5)),
    case("normalize_p1", lambda F, T, a: F.normalize(a, p=1, dim=0), ("f", 4, 5)),
    case("embedding", lambda F, T, i, w: F.embedding(i, w), ("ix", 6, 3, 4), ("f", 6, 5)),
    case("embedding_padding", lambda F, T, i, w: F.embedding(i, w, padding_idx=2), ("ix", 6, 3, 4), ("f", 6, 5)),
    case("embedding_freq", lambda F, T, i, w: F.embedding(i, w, scale_grad_by_freq=True), ("ix", 4, 3, 4),
         ("f", 6, 5)),
    case("one_hot", lambda F, T, i: F.one_hot(i, 7), ("ix", 5, 3, 4)),
    case("one_hot_infer", lambda F, T, i: F.one_hot(i), ("ix", 5, 3, 4)),
    case("dropout_eval", lambda F, T, x: F.dropout(x, 0.3, training=False), X),
    case("dropout_p0", lambda F, T, x: F.dropout(x, 0.0), X),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
@pytest.mark.parametrize("fn,specs,tol", CASES)
def test_matches_torch(against_torch, fn, specs, tol, dtype):
    against_torch(fn, specs, dtype, tol if dtype == np.float64 else None)


def test_softmax_dtype_argument(against_torch):
    against_torch(lambda F, T, x: F.softmax(x, 1, dtype=T.float64), [("fc", 3, 4)], np.float32)


def test_softmax_implicit_dim_warns_like_torch():
    import torsh_functional as F
    import torsh_tensor as T

    with pytest.warns(UserWarning, match="Implicit dimension"):
        ours = F.softmax(T.ones(2, 3))
    with pytest.warns(UserWarning, match="Implicit dimension"):
        theirs = torch.nn.functional.softmax(torch.ones(2, 3))
    np.testing.assert_allclose(ours.numpy(), theirs.numpy())


def test_embedding_max_norm_matches_torch(rng):
    import torsh_functional as F
    import torsh_tensor as T

    w = rng.standard_normal((6, 4)) * 2
    idx = rng.integers(0, 6, (3, 2))
    ours_w, theirs_w = T.tensor(w.copy()), torch.tensor(w.copy())
    ours = F.embedding(T.tensor(idx), ours_w, max_norm=1.5, norm_type=3.0)
    theirs = torch.nn.functional.embedding(torch.tensor(idx), theirs_w, max_norm=1.5, norm_type=3.0)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12)
    np.testing.assert_allclose(ours_w.numpy(), theirs_w.numpy(), rtol=1e-12)
