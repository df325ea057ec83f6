/* Sum reductions: threads take contiguous chunks, each summed with several independent accumulators
   so the loop vectorises and rounding error grows slowly. */
#include "reduce.h"

#include <omp.h>

#include "omp_loop.h"

#define TB_LANES 8

#define TB_SUM_SPAN(NAME, T)                                               \
    static double NAME(const T *a, int64_t n) {                            \
        double acc[TB_LANES] = {0};                                        \
        int64_t i = 0;                                                     \
        for (; i + TB_LANES <= n; i += TB_LANES)                           \
            for (int k = 0; k < TB_LANES; k++) acc[k] += (double)a[i + k]; \
        double total = 0;                                                  \
        for (; i < n; i++) total += (double)a[i];                          \
        for (int k = 0; k < TB_LANES; k++) total += acc[k];                \
        return total;                                                      \
    }

#define TB_SUM(NAME, SPAN, T)                                          \
    double NAME(const T *a, int64_t n) {                               \
        if (!tb_parallel_ok(n)) return SPAN(a, n);                     \
        double total = 0;                                              \
        TB_PARALLEL_SUM(total)                                         \
        {                                                              \
            int64_t parts = omp_get_num_threads();                     \
            int64_t me = omp_get_thread_num();                         \
            int64_t lo = n * me / parts, hi = n * (me + 1) / parts;    \
            total += SPAN(a + lo, hi - lo);                            \
        }                                                              \
        return total;                                                  \
    }

/* One long row is split across threads by the whole-array sum; many rows are split row-wise. */
#define TB_SUM_ROWS(NAME, SPAN, WHOLE, T)                                            \
    void NAME(const T *a, T *out, int64_t rows, int64_t cols) {                      \
        if (rows == 1) {                                                             \
            out[0] = (T)WHOLE(a, cols);                                              \
            return;                                                                  \
        }                                                                            \
        TB_PARALLEL_ROWS(rows * cols)                                                \
        for (int64_t r = 0; r < rows; r++) out[r] = (T)SPAN(a + r * cols, cols);     \
    }

TB_SUM_SPAN(tb_sum_span_f32, float)
TB_SUM_SPAN(tb_sum_span_f64, double)
TB_SUM(tb_sum_f32, tb_sum_span_f32, float)
TB_SUM(tb_sum_f64, tb_sum_span_f64, double)
TB_SUM_ROWS(tb_sum_rows_f32, tb_sum_span_f32, tb_sum_f32, float)
TB_SUM_ROWS(tb_sum_rows_f64, tb_sum_span_f64, tb_sum_f64, double)
