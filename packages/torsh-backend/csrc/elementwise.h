/* Binary elementwise kernels on contiguous arrays of one length: out[i] = a[i] OP b[i].
   out may be a or b (same pointer) but must not partially overlap them. */
#ifndef TORSH_ELEMENTWISE_H
#define TORSH_ELEMENTWISE_H

#include <stdint.h>

void tb_add_f32(const float *a, const float *b, float *out, int64_t n);
void tb_sub_f32(const float *a, const float *b, float *out, int64_t n);
void tb_mul_f32(const float *a, const float *b, float *out, int64_t n);
void tb_div_f32(const float *a, const float *b, float *out, int64_t n);
void tb_add_f64(const double *a, const double *b, double *out, int64_t n);
void tb_sub_f64(const double *a, const double *b, double *out, int64_t n);
void tb_mul_f64(const double *a, const double *b, double *out, int64_t n);
void tb_div_f64(const double *a, const double *b, double *out, int64_t n);

#endif
