/* Special functions from the C library (libm), which NumPy does not offer: exact to double rounding.
   Contiguous arrays of one length; out may be x itself. */
#ifndef TORSH_SPECIAL_H
#define TORSH_SPECIAL_H

#include <stdint.h>

void tb_erf_f32(const float *x, float *out, int64_t n);
void tb_erf_f64(const double *x, double *out, int64_t n);
void tb_erfc_f32(const float *x, float *out, int64_t n);
void tb_erfc_f64(const double *x, double *out, int64_t n);
void tb_lgamma_f32(const float *x, float *out, int64_t n);
void tb_lgamma_f64(const double *x, double *out, int64_t n);

#endif
