/* Sum reductions on contiguous arrays; float32 input is accumulated in double for accuracy. */
#ifndef TORSH_REDUCE_H
#define TORSH_REDUCE_H

#include <stdint.h>

/* Sum of all n elements (0 for n == 0). */
double tb_sum_f32(const float *a, int64_t n);
double tb_sum_f64(const double *a, int64_t n);

/* Row sums of a row-major rows x cols block: out[r] = sum of a[r*cols : (r+1)*cols]. */
void tb_sum_rows_f32(const float *a, float *out, int64_t rows, int64_t cols);
void tb_sum_rows_f64(const double *a, double *out, int64_t rows, int64_t cols);

#endif
