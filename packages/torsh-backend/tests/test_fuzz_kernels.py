"""Hypothesis fuzzing of the Python-facing kernel wrappers against NumPy: random shapes (empty dims included),
layouts (contiguous, transposed, strided slices) and dtypes, so that no shape or stride reaches C unchecked."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from torsh_backend import cpu_math, elementwise, fused, reduce, sparse

FUZZ = settings(max_examples=25, deadline=None, database=None)
DTYPES = st.sampled_from([np.float32, np.float64])
LAYOUTS = st.sampled_from(["contiguous", "transposed", "sliced", "reversed"])


def _tol(dtype):
    return {"rtol": 2e-5, "atol": 1e-5} if dtype == np.float32 else {"rtol": 1e-12, "atol": 1e-12}


def _shapes(min_dims=0, max_dims=3):
    """Shapes of 0-3 dims, sometimes empty, sometimes large enough (> 32768 elements) to run on threads."""
    return st.lists(st.sampled_from([0, 1, 2, 3, 7, 17, 40]), min_size=min_dims, max_size=max_dims).map(tuple)


def _layout(arr, layout):
    """The values of ``arr`` in the given memory layout (the logical array is the same for every layout)."""
    if layout == "transposed" and arr.ndim >= 2:
        return np.ascontiguousarray(arr.swapaxes(-1, -2)).swapaxes(-1, -2)
    if layout == "sliced" and arr.ndim >= 1:
        wide = np.zeros(arr.shape[:-1] + (2 * arr.shape[-1],), arr.dtype)
        wide[..., ::2] = arr
        return wide[..., ::2]
    if layout == "reversed" and arr.ndim >= 1:
        return np.ascontiguousarray(arr[..., ::-1])[..., ::-1]
    return arr


@st.composite
def arrays(draw, shape=None, dtype=None, positive=False):
    shape = draw(_shapes()) if shape is None else shape
    dtype = draw(DTYPES) if dtype is None else dtype
    seed = draw(st.integers(0, 2 ** 32 - 1))
    values = np.random.default_rng(seed).standard_normal(shape).astype(dtype)
    if positive:
        values = np.asarray(np.abs(values) + 0.5, dtype)
    out = _layout(values, draw(LAYOUTS))
    assert np.array_equal(out, values)
    return out


@st.composite
def same_shape_arrays(draw, count, positive_last=False):
    shape, dtype = draw(_shapes()), draw(DTYPES)
    return [draw(arrays(shape, dtype, positive=positive_last and i == count - 1)) for i in range(count)]


@FUZZ
@given(same_shape_arrays(2, positive_last=True), st.sampled_from(["add", "sub", "mul", "div"]))
def test_binary_matches_numpy(ab, op):
    a, b = ab
    got = getattr(elementwise, op)(a, b)
    want = getattr(np, {"add": "add", "sub": "subtract", "mul": "multiply", "div": "divide"}[op])(a, b)
    assert got.shape == want.shape and got.dtype == want.dtype
    np.testing.assert_allclose(got, want, **_tol(a.dtype))


@FUZZ
@given(st.data())
def test_binary_broadcasts_like_numpy(data):
    shape = data.draw(_shapes(1))
    dtype = data.draw(DTYPES)
    a = data.draw(arrays(shape, dtype))
    b = data.draw(arrays(tuple(1 if data.draw(st.booleans()) else n for n in shape), dtype))
    np.testing.assert_allclose(elementwise.add(a, b), a + b, **_tol(dtype))


@FUZZ
@given(same_shape_arrays(3))
def test_muladd_matches_numpy(abc):
    a, b, c = abc
    got = fused.muladd(a, b, c)
    np.testing.assert_array_equal(got, a * b + c)  # documented: rounded exactly like the unfused expression


@FUZZ
@given(same_shape_arrays(2), st.floats(-3, 3), st.floats(-3, 3))
def test_axpby_matches_numpy(xy, alpha, beta):
    x, y = xy
    got = fused.axpby(alpha, x, beta, y)
    want = x.dtype.type(alpha) * x + y.dtype.type(beta) * y
    np.testing.assert_allclose(got, want, **_tol(x.dtype))


@FUZZ
@given(arrays())
def test_sums_match_numpy(a):
    tol = {"rtol": 1e-4, "atol": 1e-3} if a.dtype == np.float32 else {"rtol": 1e-10, "atol": 1e-10}
    np.testing.assert_allclose(reduce.sum_all(a), np.sum(a, dtype=np.float64), **tol)
    want = np.sum(a, axis=-1, dtype=np.float64) if a.ndim else a
    got = reduce.sum_last(a)
    assert got.shape == np.shape(want) and got.dtype == a.dtype
    np.testing.assert_allclose(got, want, **tol)


@FUZZ
@given(arrays(), st.sampled_from(["erf", "erfc", "lgamma"]))
def test_special_functions_match_math(a, name):
    got = getattr(cpu_math, name)(a)
    want = np.vectorize(getattr(math, name), otypes=[np.float64])(a.astype(np.float64)) if a.size else a
    assert got.shape == a.shape and got.dtype == a.dtype
    np.testing.assert_allclose(got, want.astype(a.dtype), rtol=1e-5 if a.dtype == np.float32 else 1e-12,
                               atol=1e-6 if a.dtype == np.float32 else 1e-13)


@st.composite
def csr_and_dense(draw):
    """A random CSR matrix (some rows empty), its dense twin, and a dense right-hand side in a random layout."""
    rows, cols, k = draw(st.sampled_from([0, 1, 5, 33])), draw(st.sampled_from([0, 1, 6, 40])), draw(
        st.sampled_from([0, 1, 3, 16]))
    dtype = draw(DTYPES)
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 32 - 1)))
    dense_a = (rng.standard_normal((rows, cols)) * (rng.random((rows, cols)) < 0.3)).astype(dtype)
    r, c = np.nonzero(dense_a)
    indptr = np.searchsorted(r, np.arange(rows + 1)).astype(np.int64)
    rhs = draw(arrays((cols, k), dtype))
    return indptr, c.astype(np.int64), dense_a[r, c], dense_a, rhs


@FUZZ
@given(csr_and_dense())
def test_csr_products_match_dense(case):
    indptr, indices, data, dense_a, rhs = case
    tol = {"rtol": 1e-4, "atol": 1e-4} if rhs.dtype == np.float32 else {"rtol": 1e-10, "atol": 1e-10}
    np.testing.assert_allclose(sparse.csr_spmm(indptr, indices, data, rhs), dense_a @ rhs, **tol)
    vec = rhs[:, 0] if rhs.shape[1] else np.ones(rhs.shape[0], rhs.dtype)
    np.testing.assert_allclose(sparse.csr_spmv(indptr, indices, data, vec), dense_a @ vec, **tol)


@FUZZ
@given(st.sampled_from([np.int32, np.float16, np.complex64]), st.sampled_from(["add", "mul"]))
def test_other_dtypes_never_reach_c_and_still_match_numpy(dtype, op):
    a = (np.arange(12).reshape(3, 4) % 5 + 1).astype(dtype)
    got = getattr(elementwise, op)(a, a)
    np.testing.assert_array_equal(got, a + a if op == "add" else a * a)


def test_mismatched_dtypes_raise_a_clear_error():
    with pytest.raises((TypeError, RuntimeError)):
        elementwise.add(np.ones(3, np.float32), np.ones(3, np.float64))
