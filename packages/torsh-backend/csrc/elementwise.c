/* Binary elementwise kernels: one loop body per op and type, split over OpenMP threads when large. */
#include "elementwise.h"

#include "omp_loop.h"

#define TB_BINARY(NAME, T, OP)                                 \
    void NAME(const T *a, const T *b, T *out, int64_t n) {     \
        TB_PARALLEL_FOR(n)                                     \
        for (int64_t i = 0; i < n; i++) out[i] = a[i] OP b[i]; \
    }

TB_BINARY(tb_add_f32, float, +)
TB_BINARY(tb_sub_f32, float, -)
TB_BINARY(tb_mul_f32, float, *)
TB_BINARY(tb_div_f32, float, /)
TB_BINARY(tb_add_f64, double, +)
TB_BINARY(tb_sub_f64, double, -)
TB_BINARY(tb_mul_f64, double, *)
TB_BINARY(tb_div_f64, double, /)
