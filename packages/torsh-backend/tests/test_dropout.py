"""Counter-based dropout: reproducible per seed, independent of threads, right keep rate and scaling."""

import numpy as np
import pytest
from torsh_backend import dropout as D
from torsh_backend import threads
from torsh_core.errors import ShapeError, TorshValueError

FAST = (np.float32, np.float64)


@pytest.mark.parametrize("dtype", FAST)
@pytest.mark.parametrize("n", [1, 7, 100003])
def test_mask_matches_numpy_hash_and_scales(dtype, n, random, spy_kernels):
    x = random(n, dtype)
    y, keep = D.dropout(x, 0.3, 12345)
    expected_keep = D._numpy_uniform(12345, n) >= 0.3
    np.testing.assert_array_equal(keep.astype(bool), expected_keep)
    np.testing.assert_allclose(y, np.where(expected_keep, x / dtype(0.7), 0), rtol=1e-6)
    g = random(n, dtype, 2)
    np.testing.assert_allclose(D.dropout_backward(g, keep, 0.3), np.where(expected_keep, g / dtype(0.7), 0),
                               rtol=1e-6)
    assert spy_kernels == ["dropout", "dropout_backward"]


def test_rate_seed_and_thread_independence():
    x = np.ones(200003, np.float32)
    before = threads.get_num_threads()
    try:
        threads.set_num_threads(1)
        one = D.dropout(x, 0.25, 7)[1]
        threads.set_num_threads(2)
        two = D.dropout(x, 0.25, 7)[1]
    finally:
        threads.set_num_threads(before)
    np.testing.assert_array_equal(one, two)
    assert abs(one.mean() - 0.75) < 0.005
    assert not np.array_equal(one, D.dropout(x, 0.25, 8)[1])


def test_strided_empty_and_other_dtypes():
    x = np.arange(40, dtype=np.float64).reshape(5, 8)[:, ::3]
    y, keep = D.dropout(x, 0.5, 3)
    np.testing.assert_array_equal(y, np.where(keep == 1, 2 * x, 0))
    assert D.dropout(np.empty((0, 2), np.float32), 0.5, 1)[0].shape == (0, 2)
    h = np.ones(50, np.float16)
    y16, keep16 = D.dropout(h, 0.5, 3)
    np.testing.assert_array_equal(keep16, D.dropout(h.astype(np.float32), 0.5, 3)[1])


def test_bad_input_raises():
    x = np.ones(4, np.float32)
    with pytest.raises(TorshValueError):
        D.dropout(x, 1.0, 0)
    with pytest.raises(TorshValueError):
        D.dropout(x, -0.1, 0)
    with pytest.raises(ShapeError):
        D.dropout_backward(x, np.ones(3, np.uint8), 0.5)
    with pytest.raises(ShapeError):
        D.dropout_backward(x, np.ones(4, bool), 0.5)
