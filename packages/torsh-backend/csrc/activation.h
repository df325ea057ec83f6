/* GELU (erf or tanh form), SiLU and ReLU on contiguous arrays, forward and backward in one pass each. */
#ifndef TORSH_ACTIVATION_H
#define TORSH_ACTIVATION_H

#include <stdint.h>

/* y = x * Phi(x): exact (erf) when approx_tanh == 0, else PyTorch's tanh approximation. y may be x. */
void tb_gelu_f32(const float *x, float *y, int64_t n, int approx_tanh);
void tb_gelu_f64(const double *x, double *y, int64_t n, int approx_tanh);

/* dx = g * gelu'(x). dx may be g. */
void tb_gelu_backward_f32(const float *x, const float *g, float *dx, int64_t n, int approx_tanh);
void tb_gelu_backward_f64(const double *x, const double *g, double *dx, int64_t n, int approx_tanh);

/* y = x * sigmoid(x); dx = g * s * (1 + x * (1 - s)). y may be x, dx may be g. */
void tb_silu_f32(const float *x, float *y, int64_t n);
void tb_silu_f64(const double *x, double *y, int64_t n);
void tb_silu_backward_f32(const float *x, const float *g, float *dx, int64_t n);
void tb_silu_backward_f64(const double *x, const double *g, double *dx, int64_t n);

/* y = max(x, 0) keeping NaN; dx = 0 where x <= 0, else g. y may be x, dx may be g. */
void tb_relu_f32(const float *x, float *y, int64_t n);
void tb_relu_f64(const double *x, double *y, int64_t n);
void tb_relu_backward_f32(const float *x, const float *g, float *dx, int64_t n);
void tb_relu_backward_f64(const double *x, const double *g, double *dx, int64_t n);

/* y = erf(x) for float32 within 1 ulp of libm (vectorised); y may be x. */
void tb_fast_erf_f32(const float *x, float *y, int64_t n);

#endif
