/* Fused elementwise kernels; built with -std=c99, so a*b+c is never contracted to an FMA. */
#include "fused.h"

#include "omp_loop.h"

#define TB_MULADD(NAME, T)                                             \
    void NAME(const T *a, const T *b, const T *c, T *out, int64_t n) { \
        TB_PARALLEL_FOR(n)                                             \
        for (int64_t i = 0; i < n; i++) out[i] = a[i] * b[i] + c[i];   \
    }

#define TB_AXPBY(NAME, T)                                                    \
    void NAME(T alpha, const T *x, T beta, const T *y, T *out, int64_t n) {  \
        TB_PARALLEL_FOR(n)                                                   \
        for (int64_t i = 0; i < n; i++) out[i] = alpha * x[i] + beta * y[i]; \
    }

TB_MULADD(tb_muladd_f32, float)
TB_MULADD(tb_muladd_f64, double)
TB_AXPBY(tb_axpby_f32, float)
TB_AXPBY(tb_axpby_f64, double)
