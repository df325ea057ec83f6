"""nn.utils: gradient clipping, parameter/vector conversion, and the rnn padding/packing helpers."""

import numpy as np
import pytest
import torsh_nn as nn
import torsh_tensor as T
from torsh_autograd import gradcheck
from torsh_core import float64
from torsh_nn.utils import rnn as rnn_utils


def _params_with_grads(grads):
    params = []
    for g in grads:
        p = nn.Parameter(T.zeros(*np.shape(g), dtype=float64))
        p.grad = T.tensor(np.array(g, dtype=np.float64))
        params.append(p)
    return params


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, float("inf")])
def test_clip_grad_norm_matches_numpy(norm_type):
    grads = [np.array([[3.0, -4.0], [1.0, 2.0]]), np.array([0.5, -6.0, 2.0])]
    params = _params_with_grads(grads)
    total = nn.utils.clip_grad_norm_(params, max_norm=1.5, norm_type=norm_type)
    flat = np.concatenate([g.ravel() for g in grads])
    expected = np.abs(flat).max() if norm_type == float("inf") else (np.abs(flat) ** norm_type).sum() ** (
        1 / norm_type)
    assert total.item() == pytest.approx(expected)
    coef = min(1.5 / (expected + 1e-6), 1.0)
    for p, g in zip(params, grads):
        np.testing.assert_allclose(p.grad.numpy(), g * coef)


def test_clip_grad_norm_small_norm_untouched_and_nonfinite():
    params = _params_with_grads([[0.1, 0.2]])
    nn.utils.clip_grad_norm_(params, 10.0)
    np.testing.assert_allclose(params[0].grad.numpy(), [0.1, 0.2])
    params = _params_with_grads([[np.inf, 1.0]])
    with pytest.raises(RuntimeError, match="is non-finite, so it cannot be clipped"):
        nn.utils.clip_grad_norm_(params, 1.0, error_if_nonfinite=True)
    assert nn.utils.clip_grad_norm_([], 1.0).item() == 0.0
    with pytest.warns(UserWarning, match="empty generator"):
        nn.utils.clip_grad_norm_((p for p in []), 1.0)
    single = nn.Parameter(T.ones(2))
    assert nn.utils.clip_grad_norm_(single, 1.0).item() == 0.0  # no grad yet


def test_clip_grad_value():
    params = _params_with_grads([[-3.0, 0.5, 2.0]])
    nn.utils.clip_grad_value_(params, 1.0)
    np.testing.assert_allclose(params[0].grad.numpy(), [-1.0, 0.5, 1.0])


def test_parameters_to_vector_and_back():
    lin = nn.Linear(3, 2)
    vec = nn.utils.parameters_to_vector(lin.parameters())
    assert vec.shape == (8,)
    np.testing.assert_array_equal(vec.detach().numpy()[:6], lin.weight.detach().numpy().ravel())
    nn.utils.vector_to_parameters(T.arange(8.0), lin.parameters())
    np.testing.assert_array_equal(lin.bias.detach().numpy(), [6.0, 7.0])
    with pytest.raises(TypeError, match="expected torch.Tensor"):
        nn.utils.vector_to_parameters([1.0], lin.parameters())


def test_pad_sequence_both_sides_and_batch_first():
    seqs = [T.tensor([1.0, 2.0, 3.0]), T.tensor([4.0]), T.tensor([5.0, 6.0])]
    out = rnn_utils.pad_sequence(seqs, padding_value=-1.0)
    np.testing.assert_array_equal(out.numpy(), [[1, 4, 5], [2, -1, 6], [3, -1, -1]])
    left = rnn_utils.pad_sequence(seqs, batch_first=True, padding_side="left")
    np.testing.assert_array_equal(left.numpy(), [[1, 2, 3], [0, 0, 4], [0, 5, 6]])
    with pytest.raises(ValueError, match="padding_side to be one of left or right"):
        rnn_utils.pad_sequence(seqs, padding_side="middle")
    back = rnn_utils.unpad_sequence(out, T.tensor([3, 1, 2]))
    assert [s.tolist() for s in back] == [[1, 2, 3], [4], [5, 6]]


def test_pack_padded_sequence_layout_and_round_trip():
    padded = T.tensor([[1.0, 4.0, 6.0], [2.0, 5.0, 0.0], [3.0, 0.0, 0.0]])  # (T=3, B=3)
    packed = rnn_utils.pack_padded_sequence(padded, [3, 2, 1])
    assert packed.data.tolist() == [1, 4, 6, 2, 5, 3] and packed.batch_sizes.tolist() == [3, 2, 1]
    assert packed.sorted_indices is None
    out, lengths = rnn_utils.pad_packed_sequence(packed, total_length=4)
    assert out.shape == (4, 3) and lengths.tolist() == [3, 2, 1]
    np.testing.assert_array_equal(out.numpy()[:3], padded.numpy())
    with pytest.raises(RuntimeError, match="must be sorted in decreasing order"):
        rnn_utils.pack_padded_sequence(padded, [1, 3, 2])
    with pytest.raises(ValueError, match="Expected total_length to be at least"):
        rnn_utils.pad_packed_sequence(packed, total_length=2)


def test_pack_unsorted_restores_order_and_is_differentiable():
    seqs = [T.randn(2, 2, dtype=float64), T.randn(4, 2, dtype=float64), T.randn(1, 2, dtype=float64)]
    packed = rnn_utils.pack_sequence(seqs, enforce_sorted=False)
    assert packed.batch_sizes.tolist() == [3, 2, 1, 1]
    assert packed.sorted_indices.tolist() == [1, 0, 2] and packed.unsorted_indices.tolist() == [1, 0, 2]
    unpacked = rnn_utils.unpack_sequence(packed)
    for a, b in zip(unpacked, seqs):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    x = T.randn(3, 3, 2, dtype=float64, requires_grad=True)

    def round_trip(x):
        p = rnn_utils.pack_padded_sequence(x, [1, 3, 2], batch_first=True, enforce_sorted=False)
        return rnn_utils.pad_packed_sequence(p, batch_first=True)[0]

    assert gradcheck(round_trip, (x,))
