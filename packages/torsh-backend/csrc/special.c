/* erf, erfc and lgamma over arrays, straight from libm (lgamma_r: lgamma's sign global is not thread-safe). */
#define _DEFAULT_SOURCE
#include "special.h"

#include <math.h>

#include "omp_loop.h"

#define TB_UNARY(NAME, T, EXPR)                             \
    void NAME(const T *x, T *out, int64_t n) {              \
        TB_PARALLEL_ROWS(n)                                 \
        for (int64_t i = 0; i < n; i++) {                   \
            int sign;                                       \
            (void)sign;                                     \
            out[i] = (T)(EXPR);                             \
        }                                                   \
    }

TB_UNARY(tb_erf_f32, float, erff(x[i]))
TB_UNARY(tb_erf_f64, double, erf(x[i]))
TB_UNARY(tb_erfc_f32, float, erfcf(x[i]))
TB_UNARY(tb_erfc_f64, double, erfc(x[i]))
TB_UNARY(tb_lgamma_f32, float, lgammaf_r(x[i], &sign))
TB_UNARY(tb_lgamma_f64, double, lgamma_r(x[i], &sign))
