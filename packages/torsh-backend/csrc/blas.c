/* Pooled BLAS products: each member of the team multiplies its share of the batch, or of the rows (columns when
   the rows are few) of one product, with a single-threaded gemm call. */
#include "blas.h"

#include <omp.h>

#include "gemm.h"
#include "omp_loop.h"

enum { TB_ROW_MAJOR = 101, TB_NO_TRANS = 111, TB_TRANS = 112 };

typedef void (*tb_sgemm64)(int, int, int, int64_t, int64_t, int64_t, float, const float *, int64_t, const float *,
                           int64_t, float, float *, int64_t);
typedef void (*tb_dgemm64)(int, int, int, int64_t, int64_t, int64_t, double, const double *, int64_t,
                           const double *, int64_t, double, double *, int64_t);
typedef void (*tb_sgemm32)(int, int, int, int, int, int, float, const float *, int, const float *, int, float,
                           float *, int);
typedef void (*tb_dgemm32)(int, int, int, int, int, int, double, const double *, int, const double *, int, double,
                           double *, int);
typedef int (*tb_set_local)(int);

static void *tb_sgemm_ptr, *tb_dgemm_ptr;
static tb_set_local tb_local_threads;
static int tb_ilp64;

void tb_blas_set(void *sgemm, void *dgemm, void *set_local_threads, int ilp64) {
    tb_sgemm_ptr = sgemm;
    tb_dgemm_ptr = dgemm;
    tb_local_threads = (tb_set_local)set_local_threads;
    tb_ilp64 = ilp64;
}

int tb_blas_ready(void) { return tb_sgemm_ptr && tb_dgemm_ptr && tb_local_threads; }

/* OpenBLAS forgets the per-thread setting after each call, so it is set before each one. */
#define TB_GEMM_CALL(NAME, T, FN64, FN32, PTR)                                                                \
    void NAME(int ta, int tb, int64_t m, int64_t n, int64_t k, const T *a, int64_t lda, const T *b,            \
              int64_t ldb, int accumulate, T *c, int64_t ldc) {                                                \
        if (m <= 0 || n <= 0) return;                                                                          \
        const int trans_a = ta ? TB_TRANS : TB_NO_TRANS, trans_b = tb ? TB_TRANS : TB_NO_TRANS;               \
        const T beta = accumulate ? 1 : 0;                                                                     \
        tb_local_threads(1);                                                                                   \
        if (tb_ilp64)                                                                                          \
            ((FN64)PTR)(TB_ROW_MAJOR, trans_a, trans_b, m, n, k, 1, a, lda, b, ldb, beta, c, ldc);             \
        else                                                                                                   \
            ((FN32)PTR)(TB_ROW_MAJOR, trans_a, trans_b, (int)m, (int)n, (int)k, 1, a, (int)lda, b, (int)ldb,   \
                        beta, c, (int)ldc);                                                                    \
        tb_local_threads(0); /* back to the BLAS's process-wide setting */                                    \
    }

TB_GEMM_CALL(tb_sgemm, float, tb_sgemm64, tb_sgemm32, tb_sgemm_ptr)
TB_GEMM_CALL(tb_dgemm, double, tb_dgemm64, tb_dgemm32, tb_dgemm_ptr)

/* Below this many multiply-adds a product runs on the calling thread alone. */
#define TB_GEMM_PARALLEL_MIN (64 * 64 * 64)

#define TB_MATMUL(NAME, T, GEMM)                                                                              \
    int NAME(int ta, int tb, int64_t m, int64_t n, int64_t k, const T *a, int64_t lda, int64_t sa, const T *b,  \
             int64_t ldb, int64_t sb, T *c, int64_t ldc, int64_t sc, int64_t batch) {                          \
        if (!tb_blas_ready()) return -1;                                                                       \
        const int64_t work = batch * m * n * k;                                                                \
        const int team = work >= TB_GEMM_PARALLEL_MIN && tb_parallel_ok(work) ? tb_get_num_threads() : 1;     \
        TB_PRAGMA(omp parallel num_threads(team) if (team > 1))                                                \
        {                                                                                                      \
            const int64_t parts = omp_get_num_threads(), me = omp_get_thread_num();                            \
            if (batch >= parts || parts == 1) {                                                                \
                for (int64_t i = batch * me / parts; i < batch * (me + 1) / parts; i++)                        \
                    GEMM(ta, tb, m, n, k, a + i * sa, lda, b + i * sb, ldb, 0, c + i * sc, ldc);               \
            } else if (m >= n) { /* rows of op(a) and of c, in multiples of 8 */                               \
                const int64_t blocks = (m + 7) / 8, lo = blocks * me / parts * 8;                              \
                const int64_t hi = me == parts - 1 ? m : blocks * (me + 1) / parts * 8;                        \
                for (int64_t i = 0; i < batch; i++)                                                            \
                    GEMM(ta, tb, hi - lo, n, k, a + i * sa + lo * (ta ? 1 : lda), lda, b + i * sb, ldb, 0,      \
                         c + i * sc + lo * ldc, ldc);                                                          \
            } else { /* columns of op(b) and of c */                                                           \
                const int64_t blocks = (n + 7) / 8, lo = blocks * me / parts * 8;                              \
                const int64_t hi = me == parts - 1 ? n : blocks * (me + 1) / parts * 8;                        \
                for (int64_t i = 0; i < batch; i++)                                                            \
                    GEMM(ta, tb, m, hi - lo, k, a + i * sa, lda, b + i * sb + lo * (tb ? ldb : 1), ldb, 0,      \
                         c + i * sc + lo, ldc);                                                                \
            }                                                                                                  \
        }                                                                                                      \
        return 0;                                                                                              \
    }

TB_MATMUL(tb_matmul_f32, float, tb_sgemm)
TB_MATMUL(tb_matmul_f64, double, tb_dgemm)
