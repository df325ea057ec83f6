/* Single-threaded calls into the BLAS registered by tb_blas_set (blas.h), for kernels that split their work
   over the team themselves. Internal: not exposed to Python. */
#ifndef TORSH_GEMM_H
#define TORSH_GEMM_H

#include <stdint.h>

/* Nonzero once a BLAS is registered. */
int tb_blas_ready(void);

/* c = op(a) @ op(b) + (accumulate ? c : 0), row-major, op = transpose when the flag is nonzero, computed on the
   calling thread alone; the thread's BLAS setting goes back to the process-wide one afterwards. */
void tb_sgemm(int trans_a, int trans_b, int64_t m, int64_t n, int64_t k, const float *a, int64_t lda,
              const float *b, int64_t ldb, int accumulate, float *c, int64_t ldc);
void tb_dgemm(int trans_a, int trans_b, int64_t m, int64_t n, int64_t k, const double *a, int64_t lda,
              const double *b, int64_t ldb, int accumulate, double *c, int64_t ldc);

#endif
