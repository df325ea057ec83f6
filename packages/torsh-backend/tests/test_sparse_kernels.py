"""The sparse kernels (spmm, spmv, sampled_dot, coo_sort, csr_dedup) against plain NumPy references."""

import numpy as np
import pytest
from torsh_backend import sparse as S
from torsh_backend import threads
from torsh_core.errors import DTypeError, ShapeError, TorshIndexError, TorshTypeError, TorshValueError

FAST = (np.float32, np.float64)
RTOL = {np.float32: 1e-5, np.float64: 1e-12}


def random_csr(rows, cols, nnz, dtype=np.float64, seed=0, sort=False):
    """A CSR with ``nnz`` entries at random positions: unsorted, repeated columns and empty rows included."""
    rng = np.random.default_rng(seed)
    row = np.sort(rng.integers(0, rows, nnz)) if rows else np.zeros(0, np.int64)
    col = rng.integers(0, cols, nnz) if cols else np.zeros(0, np.int64)
    if sort:
        order = np.lexsort((col, row))
        row, col = row[order], col[order]
    indptr = np.zeros(rows + 1, np.int64)
    np.cumsum(np.bincount(row, minlength=rows), out=indptr[1:])
    data = (rng.standard_normal(nnz) * 2).astype(dtype)
    return indptr, col.astype(np.int64), data


def to_dense(indptr, indices, data, cols):
    """The dense matrix a CSR stands for (repeated positions add up), in float64/complex128."""
    rows = indptr.shape[0] - 1
    out = np.zeros((rows, cols), np.result_type(data.dtype, np.float64))
    row = np.repeat(np.arange(rows), np.diff(indptr))
    np.add.at(out, (row, indices), data)
    return out


def assert_close(got, expected, dtype):
    scale = max(1.0, float(np.abs(expected).max(initial=0)))
    np.testing.assert_allclose(got, expected, rtol=RTOL[dtype], atol=RTOL[dtype] * scale * 10)


SHAPES = [(0, 0, 0, 3), (0, 5, 0, 2), (4, 0, 0, 3), (1, 1, 1, 1), (7, 5, 11, 3), (33, 17, 40, 64), (65, 31, 300, 65),
          (1023, 511, 5000, 7), (300, 200, 100, 0)]


@pytest.mark.parametrize("dtype", FAST)
@pytest.mark.parametrize("rows,cols,nnz,k", SHAPES)
def test_spmm_matches_dense_product(dtype, rows, cols, nnz, k, spy_kernels):
    indptr, indices, data = random_csr(rows, cols, nnz, dtype)
    dense = np.random.default_rng(1).standard_normal((cols, k)).astype(dtype)
    got = S.csr_spmm(indptr, indices, data, dense)
    assert got.shape == (rows, k) and got.dtype == dtype
    assert_close(got, to_dense(indptr, indices, data, cols) @ dense, dtype)
    assert_close(got, S._spmm_numpy(indptr, indices, data, dense), dtype)
    assert spy_kernels == (["csr_spmm"] if rows * k else [])


@pytest.mark.parametrize("dtype", FAST)
def test_spmm_non_contiguous_operands(dtype):
    indptr, indices, data = random_csr(50, 40, 300, dtype)
    base = np.random.default_rng(2).standard_normal((80, 30)).astype(dtype)
    for dense in (base[::2, :9], base[:40].T.copy().T, base[:40, ::3], np.asfortranarray(base[:40])):
        expected = to_dense(indptr, indices, data, 40) @ dense
        assert_close(S.csr_spmm(indptr, indices, data, dense), expected, dtype)
    strided_data = np.repeat(data, 2)[::2]
    assert_close(S.csr_spmm(indptr, indices, strided_data, base[:40]), to_dense(indptr, indices, data, 40) @ base[:40],
                 dtype)


@pytest.mark.parametrize("dtype", FAST)
def test_spmm_parallel_matches_serial(dtype):
    indptr, indices, data = random_csr(3001, 2000, 40000, dtype, seed=3)
    dense = np.random.default_rng(4).standard_normal((2000, 16)).astype(dtype)
    before = threads.get_num_threads()
    try:
        threads.set_num_threads(1)
        serial = S.csr_spmm(indptr, indices, data, dense)
        threads.set_num_threads(2)
        parallel = S.csr_spmm(indptr, indices, data, dense)
    finally:
        threads.set_num_threads(before)
    np.testing.assert_array_equal(serial, parallel)  # each row is summed by one thread in entry order
    assert_close(parallel, to_dense(indptr, indices, data, 2000) @ dense, dtype)


@pytest.mark.parametrize("dtype", (np.int64, np.int32, np.complex128, np.float16))
def test_spmm_other_dtypes_take_numpy(dtype, spy_kernels):
    indptr, indices, data = random_csr(9, 6, 20, np.float64)
    data = (data * 3).astype(dtype)
    dense = (np.arange(6 * 4).reshape(6, 4) % 5).astype(dtype)
    got = S.csr_spmm(indptr, indices, data, dense)
    assert got.dtype == dtype
    np.testing.assert_allclose(got.astype(np.complex128), to_dense(indptr, indices, data, 6) @ dense, rtol=1e-3)
    assert spy_kernels == []


@pytest.mark.parametrize("dtype", FAST)
@pytest.mark.parametrize("rows,cols,nnz", [(0, 0, 0), (3, 0, 0), (0, 4, 0), (1, 1, 1), (9, 7, 30), (4001, 3000, 50000)])
def test_spmv_matches_dense_product(dtype, rows, cols, nnz, spy_kernels):
    indptr, indices, data = random_csr(rows, cols, nnz, dtype, seed=5)
    x = np.random.default_rng(6).standard_normal(cols).astype(dtype)
    got = S.csr_spmv(indptr, indices, data, x)
    assert got.shape == (rows,) and got.dtype == dtype
    assert_close(got, to_dense(indptr, indices, data, cols) @ x, dtype)
    assert spy_kernels == (["csr_spmv"] if rows else [])
    assert_close(S.csr_spmv(indptr, indices, data, np.repeat(x, 3)[::3]), got, dtype)


def test_spmv_integers_take_numpy():
    indptr, indices, data = random_csr(5, 4, 9)
    data = np.arange(9, dtype=np.int64)
    x = np.array([1, -2, 3, 4], np.int64)
    np.testing.assert_array_equal(S.csr_spmv(indptr, indices, data, x), to_dense(indptr, indices, data, 4) @ x)


@pytest.mark.parametrize("dtype", FAST)
@pytest.mark.parametrize("m,n,k,nnz", [(0, 0, 3, 0), (3, 4, 0, 5), (5, 6, 1, 9), (13, 11, 33, 70),
                                       (600, 500, 64, 9000)])
def test_sampled_dot_matches_einsum(dtype, m, n, k, nnz, spy_kernels):
    rng = np.random.default_rng(7)
    row = rng.integers(0, m, nnz) if m else np.zeros(0, np.int64)
    col = rng.integers(0, n, nnz) if n else np.zeros(0, np.int64)
    a = rng.standard_normal((m, k)).astype(dtype)
    b = rng.standard_normal((n, k)).astype(dtype)
    got = S.sampled_dot(row, col, a, b)
    assert got.shape == (nnz,) and got.dtype == dtype
    assert_close(got, (a.astype(np.float64) @ b.T.astype(np.float64))[row, col] if nnz else np.zeros(0), dtype)
    assert spy_kernels == (["sampled_dot"] if nnz else [])
    assert_close(S.sampled_dot(row, col, np.asfortranarray(a), b[:, ::-1].copy()[:, ::-1]), got, dtype)


def test_sampled_dot_vectors():
    row, col = np.array([0, 2, 2]), np.array([1, 0, 1])
    a, b = np.array([1.0, 2.0, 3.0]), np.array([10.0, 20.0])
    np.testing.assert_array_equal(S.sampled_dot(row, col, a, b), [20.0, 30.0, 60.0])


def _reference_sort(row, col, nrows):
    perm = np.lexsort((col, row))  # lexsort is stable: equal (row, col) keep their order
    indptr = np.zeros(nrows + 1, np.int64)
    np.cumsum(np.bincount(row, minlength=nrows), out=indptr[1:])
    return indptr, perm


@pytest.mark.parametrize("nrows,ncols,nnz", [(0, 0, 0), (5, 3, 0), (1, 1, 5), (1, 1000, 200), (7, 4, 40), (50, 9, 31),
                                             (1000, 1000, 20000), (3, 100000, 100)])
def test_coo_sort_is_a_stable_lexicographic_sort(nrows, ncols, nnz):
    rng = np.random.default_rng(nnz)
    row = rng.integers(0, nrows, nnz) if nrows else np.zeros(0, np.int64)
    col = rng.integers(0, ncols, nnz) if ncols else np.zeros(0, np.int64)
    indptr, perm = S.coo_sort(row, col, nrows, ncols)
    ref_indptr, ref_perm = _reference_sort(row, col, nrows)
    np.testing.assert_array_equal(indptr, ref_indptr)
    np.testing.assert_array_equal(perm, ref_perm)


def test_coo_sort_long_rows_take_the_buffer_path():
    rng = np.random.default_rng(11)
    row = np.repeat(np.arange(4), [0, 500, 33, 32])
    col = rng.integers(0, 20, row.size)  # many repeats: ties must keep entry order
    indptr, perm = S.coo_sort(row[::-1].copy(), col, 4, 20)
    ref_indptr, ref_perm = _reference_sort(row[::-1], col, 4)
    np.testing.assert_array_equal(indptr, ref_indptr)
    np.testing.assert_array_equal(perm, ref_perm)


def _reference_dedup(indptr, col):
    rows = indptr.shape[0] - 1
    row = np.repeat(np.arange(rows), np.diff(indptr))
    starts = np.ones(col.size, bool)
    starts[1:] = (col[1:] != col[:-1]) | (row[1:] != row[:-1])
    seg = np.cumsum(starts) - 1
    new_indptr = np.zeros(rows + 1, np.int64)
    np.cumsum(np.bincount(row[starts], minlength=rows), out=new_indptr[1:])
    return new_indptr, seg, np.flatnonzero(starts)


@pytest.mark.parametrize("rows,cols,nnz", [(0, 0, 0), (4, 3, 0), (1, 1, 6), (6, 3, 25), (300, 40, 5000)])
def test_csr_dedup_merges_repeated_columns(rows, cols, nnz):
    indptr, col, _ = random_csr(rows, cols, nnz, sort=True, seed=rows)
    got = S.csr_dedup(indptr, col)
    for g, r in zip(got, _reference_dedup(indptr, col)):
        np.testing.assert_array_equal(g, r)
        assert g.dtype == np.int64


def test_csr_dedup_same_column_in_consecutive_rows_stays_apart():
    indptr, col = np.array([0, 2, 4, 4, 5]), np.array([1, 3, 3, 3, 3])
    new_indptr, seg, first = S.csr_dedup(indptr, col)
    np.testing.assert_array_equal(new_indptr, [0, 2, 3, 3, 4])
    np.testing.assert_array_equal(seg, [0, 1, 2, 2, 3])
    np.testing.assert_array_equal(first, [0, 1, 2, 4])


# -- bad input never reaches C ----------------------------------------------------------------------------------
def _good():
    indptr, indices, data = np.array([0, 1, 3]), np.array([1, 0, 2]), np.array([1.0, 2.0, 3.0])
    return indptr, indices, data, np.ones((3, 2))


@pytest.mark.parametrize("change,error,match", [
    (lambda a: a.update(indices=a["indices"].astype(np.int32)), DTypeError, "int64"),
    (lambda a: a.update(indptr=a["indptr"].astype(np.float64)), DTypeError, "int64"),
    (lambda a: a.update(indices=a["indices"][None]), ShapeError, "1-D"),
    (lambda a: a.update(indices=a["indices"][:2]), ShapeError, "3 entries"),
    (lambda a: a.update(indptr=np.array([1, 1, 3])), TorshValueError, "start at 0"),
    (lambda a: a.update(indptr=np.array([0, 1, 2])), TorshValueError, "end at nnz=3"),
    (lambda a: a.update(indptr=np.array([0, 2, 1, 3])), TorshValueError, "non-decreasing"),
    (lambda a: a.update(indptr=np.array([], np.int64)), ShapeError, "at least one"),
    (lambda a: a.update(indices=np.array([1, -1, 2])), TorshIndexError, "negative"),
    (lambda a: a.update(indices=np.array([1, 3, 2])), TorshIndexError, "out of range for size 3"),
    (lambda a: a.update(dense=np.ones((3, 2), np.float32)), DTypeError, "dtype"),
    (lambda a: a.update(dense=np.ones(3)), ShapeError, "2-D"),
    (lambda a: a.update(data=np.ones((3, 1))), ShapeError, "1-D"),
    (lambda a: a.update(data=[1.0, 2.0, 3.0]), TorshTypeError, "numpy.ndarray"),
    (lambda a: a.update(data=np.ones(3, bool), dense=np.ones((3, 2), bool)), TorshTypeError, "bool"),
])
def test_spmm_rejects_bad_arguments(change, error, match):
    indptr, indices, data, dense = _good()
    args = dict(indptr=indptr, indices=indices, data=data, dense=dense)
    change(args)
    with pytest.raises(error, match=match):
        S.csr_spmm(**args)


def test_spmv_and_sampled_dot_check_bounds():
    indptr, indices, data, _ = _good()
    with pytest.raises(TorshIndexError):
        S.csr_spmv(indptr, indices, data, np.ones(2))
    with pytest.raises(ShapeError):
        S.csr_spmv(indptr, indices, data, np.ones((3, 1)))
    with pytest.raises(TorshIndexError, match="'row'"):
        S.sampled_dot(np.array([0, 2]), np.array([0, 0]), np.ones((2, 3)), np.ones((1, 3)))
    with pytest.raises(TorshIndexError, match="'col'"):
        S.sampled_dot(np.array([0, 1]), np.array([0, -1]), np.ones((2, 3)), np.ones((1, 3)))
    with pytest.raises(ShapeError):
        S.sampled_dot(np.array([0]), np.array([0, 0]), np.ones((2, 3)), np.ones((1, 3)))
    with pytest.raises(ShapeError):
        S.sampled_dot(np.array([0]), np.array([0]), np.ones((2, 3)), np.ones((1, 4)))


def test_structure_kernels_check_their_input():
    with pytest.raises(TorshIndexError):
        S.coo_sort(np.array([0, 3]), np.array([0, 0]), 3, 1)
    with pytest.raises(TorshIndexError):
        S.coo_sort(np.array([0, 1]), np.array([0, 1]), 3, 1)
    with pytest.raises(TorshValueError):
        S.coo_sort(np.zeros(0, np.int64), np.zeros(0, np.int64), -1, 0)
    with pytest.raises(ShapeError):
        S.coo_sort(np.array([0, 1]), np.array([0]), 3, 1)
    with pytest.raises(TorshValueError, match="sorted"):
        S.csr_dedup(np.array([0, 3]), np.array([0, 2, 1]))
    with pytest.raises(TorshValueError, match="end at nnz"):
        S.csr_dedup(np.array([0, 2]), np.array([0, 2, 1]))


@pytest.mark.cuda
def test_cuda_kernels_match_cpu():
    cupy = pytest.importorskip("cupy")
    from torsh_backend import cuda_available

    if not cuda_available():
        pytest.skip("no CUDA device")
    indptr, indices, data = random_csr(300, 200, 3000, np.float32)
    dense = np.random.default_rng(0).standard_normal((200, 8)).astype(np.float32)
    on = [cupy.asarray(x) for x in (indptr, indices, data, dense)]
    assert_close(cupy.asnumpy(S.csr_spmm(*on)), S.csr_spmm(indptr, indices, data, dense), np.float32)
    assert_close(cupy.asnumpy(S.csr_spmv(*on[:3], on[3][:, 0].copy())),
                 S.csr_spmv(indptr, indices, data, dense[:, 0].copy()), np.float32)
    row = np.repeat(np.arange(300), np.diff(indptr))
    got = S.coo_sort(cupy.asarray(row[::-1].copy()), on[1], 300, 200)
    for g, r in zip(got, S.coo_sort(row[::-1].copy(), indices, 300, 200)):
        np.testing.assert_array_equal(cupy.asnumpy(g), r)
    sorted_indptr, sorted_col, _ = random_csr(40, 9, 300, sort=True)
    for g, r in zip(S.csr_dedup(cupy.asarray(sorted_indptr), cupy.asarray(sorted_col)),
                    S.csr_dedup(sorted_indptr, sorted_col)):
        np.testing.assert_array_equal(cupy.asnumpy(g), r)
