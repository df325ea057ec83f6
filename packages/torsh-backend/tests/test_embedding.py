"""Embedding gather and scatter-add backward against NumPy (np.add.at), padding_idx and bad indices."""

import numpy as np
import pytest
from torsh_backend import embedding as E
from torsh_core.errors import ShapeError, TorshIndexError, TorshTypeError

FAST = (np.float32, np.float64)


@pytest.mark.parametrize("dtype", FAST)
@pytest.mark.parametrize("num,dim,idx_shape", [(1, 1, (1,)), (11, 7, (3, 5)), (1000, 300, (64, 33))])
@pytest.mark.parametrize("padding_idx", [None, 0])
def test_embedding_and_backward(dtype, num, dim, idx_shape, padding_idx, random, spy_kernels):
    w = random((num, dim), dtype, 1)
    idx = np.random.default_rng(0).integers(0, num, idx_shape)
    np.testing.assert_array_equal(E.embedding(w, idx), w[idx])
    g = random(idx_shape + (dim,), dtype, 2)
    expected = np.zeros((num, dim), np.float64)
    keep = idx != padding_idx if padding_idx is not None else np.ones(idx.shape, bool)
    np.add.at(expected, idx[keep], g[keep].astype(np.float64))
    got = E.embedding_backward(g, idx, num, padding_idx)
    np.testing.assert_allclose(got, expected, rtol=1e-5 if dtype == np.float32 else 1e-12, atol=1e-5)
    assert spy_kernels == ["embedding", "embedding_backward"]


def test_strided_int32_empty_and_other_dtypes(random):
    w = random((20, 16), np.float32)[:, ::2]
    idx = np.array([[3, 1], [19, 3]], np.int32)[:, ::-1]
    np.testing.assert_array_equal(E.embedding(w, idx), w[idx])
    assert E.embedding(w, np.empty((0, 3), np.int64)).shape == (0, 3, 8)
    assert E.embedding_backward(np.empty((0, 8), np.float32), np.empty(0, np.int64), 5).shape == (5, 8)
    h = w.astype(np.float16)
    np.testing.assert_array_equal(E.embedding(h, idx), h[idx])


def test_bad_input_raises():
    w = np.ones((4, 3), np.float32)
    with pytest.raises(TorshIndexError):
        E.embedding(w, np.array([4]))
    with pytest.raises(TorshIndexError):
        E.embedding(w, np.array([-1]))
    with pytest.raises(TorshTypeError):
        E.embedding(w, np.array([1.0]))
    with pytest.raises(ShapeError):
        E.embedding(np.ones(3, np.float32), np.array([0]))
    with pytest.raises(ShapeError):
        E.embedding_backward(np.ones((2, 3), np.float32), np.array([0]), 4)
    with pytest.raises(TorshIndexError):
        E.embedding_backward(np.ones((1, 3), np.float32), np.array([0]), 4, padding_idx=4)
