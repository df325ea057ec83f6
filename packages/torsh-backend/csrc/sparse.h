/* Sparse-matrix kernels over int64 CSR/COO index arrays. torsh_backend.sparse checks every argument first
   (lengths, a monotone indptr starting at 0, every index in range), so these trust their input. */
#ifndef TORSH_SPARSE_H
#define TORSH_SPARSE_H

#include <stdint.h>

/* out (rows x k) = A @ dense, A in CSR (indptr: rows + 1, indices and data: nnz), dense and out C-contiguous
   with k columns; rows run in parallel. Duplicate and unsorted column indices within a row are allowed. */
void tb_csr_spmm_f32(const int64_t *indptr, const int64_t *indices, const float *data, int64_t rows,
                     const float *dense, int64_t k, float *out);
void tb_csr_spmm_f64(const int64_t *indptr, const int64_t *indices, const double *data, int64_t rows,
                     const double *dense, int64_t k, double *out);

/* out (rows) = A @ x for A in CSR; rows run in parallel. */
void tb_csr_spmv_f32(const int64_t *indptr, const int64_t *indices, const float *data, int64_t rows,
                     const float *x, float *out);
void tb_csr_spmv_f64(const int64_t *indptr, const int64_t *indices, const double *data, int64_t rows,
                     const double *x, double *out);

/* out[e] = dot(a[row[e], :], b[col[e], :]) for e < nnz, a and b C-contiguous with k columns: the entries of
   a @ b.T at the given positions (SDDMM), i.e. the gradient of spmm with respect to A's values. */
void tb_sampled_dot_f32(const int64_t *row, const int64_t *col, int64_t nnz, const float *a, const float *b,
                        int64_t k, float *out);
void tb_sampled_dot_f64(const int64_t *row, const int64_t *col, int64_t nnz, const double *a, const double *b,
                        int64_t k, double *out);

/* Orders COO entries by (row, col), ties by position (a stable sort): perm[s] is the entry at sorted slot s
   and indptr (nrows + 1) the first slot of each row, i.e. COO -> CSR. A counting sort over rows, then each
   row's columns sorted in parallel. Returns 0, or -1 when a temporary buffer could not be allocated. */
int tb_coo_sort(const int64_t *row, const int64_t *col, int64_t nnz, int64_t nrows, int64_t *indptr,
                int64_t *perm);

/* Merges repeated columns of a CSR whose columns are sorted within each row (coalesce): seg[j] is the
   distinct entry that entry j adds into, first[s] the first entry of distinct entry s, new_indptr (nrows + 1)
   the rows of the distinct entries. Returns the number of distinct entries. */
int64_t tb_csr_dedup(const int64_t *indptr, const int64_t *col, int64_t nrows, int64_t *seg, int64_t *first,
                     int64_t *new_indptr);

#endif
