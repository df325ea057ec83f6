/* Fused elementwise kernels on contiguous arrays of one length: one pass over memory instead of two.
   out may be any input (same pointer) but must not partially overlap them. */
#ifndef TORSH_FUSED_H
#define TORSH_FUSED_H

#include <stdint.h>

/* out[i] = a[i] * b[i] + c[i], rounded twice like the unfused NumPy expression. */
void tb_muladd_f32(const float *a, const float *b, const float *c, float *out, int64_t n);
void tb_muladd_f64(const double *a, const double *b, const double *c, double *out, int64_t n);

/* out[i] = alpha * x[i] + beta * y[i] (BLAS axpby; the optimizers' update step). */
void tb_axpby_f32(float alpha, const float *x, float beta, const float *y, float *out, int64_t n);
void tb_axpby_f64(double alpha, const double *x, double beta, const double *y, double *out, int64_t n);

#endif
