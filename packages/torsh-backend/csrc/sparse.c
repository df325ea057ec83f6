/* Sparse kernels: CSR times dense (row-parallel), sampled dense-dense products, COO -> CSR sort, coalesce. */
#include "sparse.h"

#include <stdlib.h>

#include "omp_loop.h"

/* Rows differ in length, so they are handed out in small dynamic chunks; work counts nnz * k. */
#define TB_PARALLEL_ROWS_DYNAMIC(work) \
    TB_PRAGMA(omp parallel for schedule(dynamic, 64) if (tb_parallel_ok(work)) num_threads(tb_get_num_threads()))

/* The dense rows of upcoming entries are fetched this many entries ahead: their addresses are random, so
   the hardware prefetcher cannot guess them. Only a row's first TB_PREFETCH_BYTES are asked for; the
   hardware follows a long row by itself. */
#define TB_AHEAD 16
#define TB_PREFETCH_BYTES 1024

static inline void tb_prefetch_row(const void *p, int64_t bytes) {
    if (bytes > TB_PREFETCH_BYTES) bytes = TB_PREFETCH_BYTES;
    for (int64_t b = 0; b < bytes; b += 64) __builtin_prefetch((const char *)p + b, 0, 1);
}

#define TB_SPMM(NAME, T)                                                                                    \
    void NAME(const int64_t *indptr, const int64_t *indices, const T *data, int64_t rows, const T *dense,   \
              int64_t k, T *out) {                                                                          \
        const int64_t nnz = indptr[rows];                                                                   \
        TB_PARALLEL_ROWS_DYNAMIC(nnz * k + rows * k)                                                        \
        for (int64_t r = 0; r < rows; r++) {                                                                \
            T *restrict o = out + r * k;                                                                    \
            for (int64_t c = 0; c < k; c++) o[c] = 0;                                                       \
            const int64_t end = indptr[r + 1];                                                              \
            for (int64_t j = indptr[r]; j < end; j++) {                                                     \
                if (j + TB_AHEAD < nnz) tb_prefetch_row(dense + indices[j + TB_AHEAD] * k, k * sizeof(T));  \
                const T v = data[j];                                                                        \
                const T *restrict b = dense + indices[j] * k;                                               \
                TB_PRAGMA(omp simd)                                                                         \
                for (int64_t c = 0; c < k; c++) o[c] += v * b[c];                                           \
            }                                                                                               \
        }                                                                                                   \
    }

#define TB_SPMV(NAME, T)                                                                                    \
    void NAME(const int64_t *indptr, const int64_t *indices, const T *data, int64_t rows, const T *x,       \
              T *out) {                                                                                     \
        const int64_t nnz = indptr[rows];                                                                   \
        TB_PARALLEL_ROWS_DYNAMIC(nnz + rows)                                                                \
        for (int64_t r = 0; r < rows; r++) {                                                                \
            T acc = 0;                                                                                      \
            for (int64_t j = indptr[r]; j < indptr[r + 1]; j++) {                                           \
                if (j + TB_AHEAD < nnz) __builtin_prefetch(x + indices[j + TB_AHEAD], 0, 1);                \
                acc += data[j] * x[indices[j]];                                                             \
            }                                                                                               \
            out[r] = acc;                                                                                   \
        }                                                                                                   \
    }

#define TB_SAMPLED_DOT(NAME, T)                                                                             \
    void NAME(const int64_t *row, const int64_t *col, int64_t nnz, const T *a, const T *b, int64_t k,       \
              T *out) {                                                                                     \
        TB_PARALLEL_ROWS(nnz * k)                                                                           \
        for (int64_t e = 0; e < nnz; e++) {                                                                 \
            if (e + TB_AHEAD < nnz) {                                                                       \
                tb_prefetch_row(a + row[e + TB_AHEAD] * k, k * sizeof(T));                                  \
                tb_prefetch_row(b + col[e + TB_AHEAD] * k, k * sizeof(T));                                  \
            }                                                                                               \
            const T *restrict x = a + row[e] * k;                                                           \
            const T *restrict y = b + col[e] * k;                                                           \
            T acc = 0;                                                                                      \
            TB_PRAGMA(omp simd reduction(+ : acc))                                                          \
            for (int64_t c = 0; c < k; c++) acc += x[c] * y[c];                                             \
            out[e] = acc;                                                                                   \
        }                                                                                                   \
    }

TB_SPMM(tb_csr_spmm_f32, float)
TB_SPMM(tb_csr_spmm_f64, double)
TB_SPMV(tb_csr_spmv_f32, float)
TB_SPMV(tb_csr_spmv_f64, double)
TB_SAMPLED_DOT(tb_sampled_dot_f32, float)
TB_SAMPLED_DOT(tb_sampled_dot_f64, double)

/* A column and the entry it came from: sorting these pairs orders a row by column, ties by position. */
typedef struct {
    int64_t col, entry;
} tb_col_entry;

static int tb_col_entry_cmp(const void *pa, const void *pb) {
    const tb_col_entry *a = pa, *b = pb;
    if (a->col != b->col) return a->col < b->col ? -1 : 1;
    return (a->entry > b->entry) - (a->entry < b->entry);
}

static int tb_entry_before(const int64_t *col, int64_t p, int64_t q) {
    return col[p] < col[q] || (col[p] == col[q] && p < q);
}

/* Sorts the entries perm[0..n) by (col, entry); returns -1 when the buffer for a long row is unavailable. */
static int tb_sort_row(const int64_t *col, int64_t *perm, int64_t n) {
    int sorted = 1;
    for (int64_t i = 1; i < n && sorted; i++) sorted = col[perm[i - 1]] <= col[perm[i]];
    if (sorted) return 0; /* perm is increasing within a row, so equal columns are already in entry order */
    if (n <= 32) {
        for (int64_t i = 1; i < n; i++) {
            int64_t p = perm[i], j = i;
            for (; j > 0 && tb_entry_before(col, p, perm[j - 1]); j--) perm[j] = perm[j - 1];
            perm[j] = p;
        }
        return 0;
    }
    tb_col_entry *pairs = malloc((size_t)n * sizeof *pairs);
    if (pairs == NULL) return -1;
    for (int64_t i = 0; i < n; i++) pairs[i] = (tb_col_entry){col[perm[i]], perm[i]};
    qsort(pairs, (size_t)n, sizeof *pairs, tb_col_entry_cmp);
    for (int64_t i = 0; i < n; i++) perm[i] = pairs[i].entry;
    free(pairs);
    return 0;
}

int tb_coo_sort(const int64_t *row, const int64_t *col, int64_t nnz, int64_t nrows, int64_t *indptr,
                int64_t *perm) {
    for (int64_t r = 0; r <= nrows; r++) indptr[r] = 0;
    for (int64_t e = 0; e < nnz; e++) indptr[row[e] + 1]++;
    for (int64_t r = 0; r < nrows; r++) indptr[r + 1] += indptr[r];
    for (int64_t e = 0; e < nnz; e++) perm[indptr[row[e]]++] = e; /* indptr[r] now ends row r ... */
    for (int64_t r = nrows; r > 0; r--) indptr[r] = indptr[r - 1];  /* ... so shift it back one row */
    indptr[0] = 0;
    int failed = 0;
    TB_PARALLEL_ROWS_DYNAMIC(nnz)
    for (int64_t r = 0; r < nrows; r++) {
        if (tb_sort_row(col, perm + indptr[r], indptr[r + 1] - indptr[r]) != 0) {
            TB_PRAGMA(omp atomic write)
            failed = 1;
        }
    }
    return failed ? -1 : 0;
}

int64_t tb_csr_dedup(const int64_t *indptr, const int64_t *col, int64_t nrows, int64_t *seg, int64_t *first,
                     int64_t *new_indptr) {
    int64_t distinct = 0;
    new_indptr[0] = 0;
    for (int64_t r = 0; r < nrows; r++) {
        for (int64_t j = indptr[r]; j < indptr[r + 1]; j++) {
            if (j == indptr[r] || col[j] != col[j - 1]) first[distinct++] = j;
            seg[j] = distinct - 1;
        }
        new_indptr[r + 1] = distinct;
    }
    return distinct;
}
