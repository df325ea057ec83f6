"""Matrix products on torsh's thread pool (torsh_backend.blas) against a float64 NumPy reference, for every layout
the C call takes (transposed views, shared and broadcast batches) and every case it hands back to NumPy."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from torsh_backend import blas, cpu_kernels

FAST = (np.float32, np.float64)
needs_blas = pytest.mark.skipif(not blas.AVAILABLE, reason="NumPy's BLAS is not an OpenBLAS with per-thread threads")


def _check(a, b):
    got = blas.matmul(a, b)
    want = np.matmul(a.astype(np.float64), b.astype(np.float64))
    assert got.shape == want.shape and got.dtype == np.result_type(a, b)
    scale = np.matmul(np.abs(a).astype(np.float64), np.abs(b).astype(np.float64))
    eps = 1e-6 if got.dtype == np.float32 else 1e-14
    np.testing.assert_allclose(got, want, rtol=0, atol=float(np.max(scale, initial=0.0)) * eps * 10)


def _layouts(x):
    """The same values as C-contiguous, transposed-in-memory, Fortran-ordered and row-sliced arrays."""
    yield x
    yield np.swapaxes(np.ascontiguousarray(np.swapaxes(x, -1, -2)), -1, -2)
    yield np.asfortranarray(x)
    doubled = np.repeat(x, 2, axis=-2)
    yield doubled[..., ::2, :]


SHAPES = [
    ((100, 200), (200, 300)),  # one product, rows split
    ((8, 1000), (1000, 90)),  # few rows: columns split
    ((3, 70, 80), (80, 90)),  # a stack times one matrix: rows stacked into one product
    ((4, 70, 80), (4, 80, 90)),  # batched
    ((2, 1, 70, 80), (3, 80, 90)),  # broadcast batch
    ((3, 70, 80), (1, 80, 90)),  # one shared right operand
    ((70, 80), (5, 80, 90)),  # one shared left operand
    ((65, 67, 3), (65, 3, 129)),  # odd sizes, tiny k
]


@needs_blas
@pytest.mark.parametrize("dtype", FAST)
@pytest.mark.parametrize("shape_a, shape_b", SHAPES)
def test_matmul_matches_numpy_for_every_layout(shape_a, shape_b, dtype, random):
    a, b = random(shape_a, dtype, 1), random(shape_b, dtype, 2)
    for xa in _layouts(a):
        _check(xa, b)
    for xb in _layouts(b):
        _check(a, xb)


def test_cases_numpy_keeps_give_numpy_results(random):
    cases = [
        (random((64, 64), np.float32), random((64,), np.float32)),  # a vector operand
        (random((4, 4), np.float32), random((4, 4), np.float32)),  # a tiny product
        (np.arange(12, dtype=np.int64).reshape(3, 4), np.arange(20, dtype=np.int64).reshape(4, 5)),  # integers
        (random((70, 80), np.float32), random((80, 90), np.float64)),  # mixed dtypes
        (np.ones((0, 80), np.float32), np.ones((80, 90), np.float32)),  # empty
        (np.ones((70, 0), np.float32), np.ones((0, 90), np.float32)),  # k = 0: zeros
    ]
    for a, b in cases:
        np.testing.assert_array_equal(blas.matmul(a, b), np.matmul(a, b))


@needs_blas
def test_results_do_not_depend_on_the_thread_count(random):
    a, b = random((6, 150, 130), np.float32, 1), random((130, 170), np.float32, 2)
    c, d = random((300, 200), np.float64, 3), random((200, 260), np.float64, 4)
    many = blas.matmul(a, b), blas.matmul(c, d)
    before = cpu_kernels.get_num_threads()
    cpu_kernels.set_num_threads(1)
    try:
        one = blas.matmul(a, b), blas.matmul(c, d)
    finally:
        cpu_kernels.set_num_threads(before)
    np.testing.assert_allclose(many[0], one[0], rtol=1e-5)
    np.testing.assert_allclose(many[1], one[1], rtol=1e-12)


@needs_blas
def test_the_calling_thread_gets_the_process_wide_blas_thread_count_back(random):
    """The pool makes each gemm single-threaded per thread; afterwards NumPy's own products use every BLAS thread."""
    import ctypes

    from threadpoolctl import threadpool_info

    set_local = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_int)(blas._find_openblas()[2])
    a = random((256, 256), np.float32)
    blas.matmul(a, a)
    process_wide = next(i["num_threads"] for i in threadpool_info() if i["internal_api"] == "openblas")
    assert set_local(0) == process_wide  # returns the count this thread's next call would have used


@needs_blas
@settings(max_examples=60, deadline=None)
@given(m=st.integers(1, 90), n=st.integers(1, 90), k=st.integers(1, 90),
       batch=st.sampled_from([(), (1,), (3,), (2, 2)]), shared=st.sampled_from(["none", "a", "b"]), ta=st.booleans(),
       tb=st.booleans(), dtype=st.sampled_from(FAST))
def test_matmul_fuzz_against_numpy(m, n, k, batch, shared, ta, tb, dtype):
    """Every size goes to C here (NumPy otherwise keeps the tiny ones)."""
    rng = np.random.default_rng(m * 8191 + n * 127 + k)
    a = rng.standard_normal((() if shared == "a" else batch) + ((k, m) if ta else (m, k))).astype(dtype)
    b = rng.standard_normal((() if shared == "b" else batch) + ((n, k) if tb else (k, n))).astype(dtype)
    small, blas._SMALL = blas._SMALL, 0
    try:
        _check(np.swapaxes(a, -1, -2) if ta else a, np.swapaxes(b, -1, -2) if tb else b)
    finally:
        blas._SMALL = small
