/* Matrix products through the BLAS that NumPy links, split over torsh's OpenMP team while the BLAS itself runs
   single-threaded in each caller, so one pool of threads serves every kernel (two pools fight over the cores).
   torsh_backend.blas finds the BLAS at import, checks every shape and stride, and falls back to NumPy. */
#ifndef TORSH_BLAS_H
#define TORSH_BLAS_H

#include <stdint.h>

/* Register cblas_sgemm, cblas_dgemm and the BLAS's per-thread thread-count setter (int f(int), 0 = the
   process-wide count, as openblas_set_num_threads_local); ilp64: the gemms take 64-bit ints. */
void tb_blas_set(void *sgemm, void *dgemm, void *set_local_threads, int ilp64);

/* c[i] = op(a[i]) @ op(b[i]) for i < batch, row-major, op = transpose when trans_* is nonzero; a[i] starts at
   a + i * stride_a (a stride of 0 shares one matrix), likewise b and c. Returns -1 when no BLAS is registered. */
int tb_matmul_f32(int trans_a, int trans_b, int64_t m, int64_t n, int64_t k, const float *a, int64_t lda,
                  int64_t stride_a, const float *b, int64_t ldb, int64_t stride_b, float *c, int64_t ldc,
                  int64_t stride_c, int64_t batch);
int tb_matmul_f64(int trans_a, int trans_b, int64_t m, int64_t n, int64_t k, const double *a, int64_t lda,
                  int64_t stride_a, const double *b, int64_t ldb, int64_t stride_b, double *c, int64_t ldc,
                  int64_t stride_c, int64_t batch);

#endif
