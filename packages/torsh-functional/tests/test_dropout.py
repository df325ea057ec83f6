"""Dropout flavours: statistics, channel masks, reproducibility, gradients and argument checks."""

import numpy as np
import pytest
import torsh_functional as F
import torsh_tensor as T


def test_dropout_zeroes_and_rescales():
    T.manual_seed(0)
    out = F.dropout(T.ones(200, 100), 0.3).numpy()
    kept = out != 0
    np.testing.assert_allclose(out[kept], 1 / 0.7)
    assert abs(kept.mean() - 0.7) < 0.02


def test_dropout_is_reproducible_with_manual_seed():
    T.manual_seed(5)
    a = F.dropout(T.ones(50), 0.5).numpy()
    T.manual_seed(5)
    np.testing.assert_array_equal(a, F.dropout(T.ones(50), 0.5).numpy())


def test_eval_mode_and_extremes_are_identity_or_zero():
    x = T.ones(3, 4)
    assert F.dropout(x, 0.5, training=False) is x
    np.testing.assert_array_equal(F.dropout(x, 0.0).numpy(), 1.0)
    np.testing.assert_array_equal(F.dropout(x, 1.0).numpy(), 0.0)


def test_gradient_uses_the_same_mask(leaf):
    T.manual_seed(1)
    x = leaf(np.ones((10, 10)))
    y = F.dropout(x, 0.4)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), y.detach().numpy())


def test_inplace_dropout_on_non_leaf(leaf):
    T.manual_seed(2)
    x = leaf(np.ones(20))
    y = x * 2
    F.dropout(y, 0.5, inplace=True)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), y.detach().numpy())


@pytest.mark.parametrize("fn,shape,mask_axes", [
    (F.dropout1d, (4, 6, 30), (2,)), (F.dropout1d, (6, 30), (1,)),
    (F.dropout2d, (4, 6, 5, 5), (2, 3)), (F.dropout3d, (4, 6, 2, 3, 3), (2, 3, 4)),
    (F.dropout3d, (6, 2, 3, 3), (1, 2, 3)), (F.feature_alpha_dropout, (4, 6, 5, 5), (2, 3)),
])
def test_channel_dropouts_drop_whole_channels(fn, shape, mask_axes):
    T.manual_seed(3)
    out = fn(T.ones(shape), 0.5, training=True).numpy()
    spread = out.max(axis=mask_axes) - out.min(axis=mask_axes)
    np.testing.assert_allclose(spread, 0, atol=1e-6)
    assert len(np.unique(out)) == 2


def test_alpha_dropout_keeps_mean_and_variance():
    T.manual_seed(4)
    x = T.tensor(np.random.default_rng(0).standard_normal(200000))
    out = F.alpha_dropout(x, 0.2, training=True).numpy()
    assert abs(out.mean()) < 0.02 and abs(out.std() - 1) < 0.02
    assert F.alpha_dropout(x, 0.2) is x


def test_errors():
    with pytest.raises(ValueError, match="between 0 and 1"):
        F.dropout(T.ones(2), 1.5)
    with pytest.raises(RuntimeError, match="Expected 2D or 3D input"):
        F.dropout1d(T.ones(2, 3, 4, 5))
    with pytest.warns(UserWarning, match="Received a 3D input to dropout2d"):
        F.dropout2d(T.ones(2, 3, 4))
