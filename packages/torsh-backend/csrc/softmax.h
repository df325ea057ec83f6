/* Fused softmax / log_softmax over the last axis of a row-major rows x cols block, or over the middle axis of an
   (outer, len, inner) block, forward and backward.
   torsh_backend.softmax checks shapes and dtypes first, so these trust their input. */
#ifndef TORSH_SOFTMAX_H
#define TORSH_SOFTMAX_H

#include <stdint.h>

/* y = softmax(x) (log_softmax when take_log != 0) row by row; a row whose max is not finite gives NaN like PyTorch. */
void tb_softmax_f32(const float *x, float *y, int64_t rows, int64_t cols, int take_log);
void tb_softmax_f64(const double *x, double *y, int64_t rows, int64_t cols, int take_log);

/* dx from the forward's output y and the gradient g: y * (g - sum(g * y)) for softmax,
   g - exp(y) * sum(g) for log_softmax (take_log != 0). dx may be g. */
void tb_softmax_backward_f32(const float *y, const float *g, float *dx, int64_t rows, int64_t cols, int take_log);
void tb_softmax_backward_f64(const double *y, const double *g, double *dx, int64_t rows, int64_t cols, int take_log);

/* The same over the middle axis of a C-contiguous (outer, len, inner) array. */
void tb_softmax_inner_f32(const float *x, float *y, int64_t outer, int64_t len, int64_t inner, int take_log);
void tb_softmax_inner_f64(const double *x, double *y, int64_t outer, int64_t len, int64_t inner, int take_log);
void tb_softmax_inner_backward_f32(const float *y, const float *g, float *dx, int64_t outer, int64_t len,
                                   int64_t inner, int take_log);
void tb_softmax_inner_backward_f64(const double *y, const double *g, double *dx, int64_t outer, int64_t len,
                                   int64_t inner, int take_log);

/* Cross entropy of logits (rows, cols) against class indices t (each in [0, cols) or == ignore: checked by the
   caller): lse[r] = log sum exp x[r, :], loss[r] = lse[r] - x[r, t[r]] (0 where t[r] == ignore).
   Backward: dx[r, :] = scale[r] * (exp(x[r, :] - lse[r]) - onehot(t[r])) (0 where t[r] == ignore). */
void tb_cross_entropy_f32(const float *x, const int64_t *t, float *lse, float *loss, int64_t rows, int64_t cols,
                          int64_t ignore);
void tb_cross_entropy_f64(const double *x, const int64_t *t, double *lse, double *loss, int64_t rows, int64_t cols,
                          int64_t ignore);
void tb_cross_entropy_backward_f32(const float *x, const int64_t *t, const float *lse, const float *scale, float *dx,
                                   int64_t rows, int64_t cols, int64_t ignore);
void tb_cross_entropy_backward_f64(const double *x, const int64_t *t, const double *lse, const double *scale,
                                   double *dx, int64_t rows, int64_t cols, int64_t ignore);

/* Cross entropy's backward before the target term: dx[r, :] = exp(logp[r, :]) * scale[r]. */
void tb_exp_scale_rows_f32(const float *logp, const float *scale, float *dx, int64_t rows, int64_t cols);
void tb_exp_scale_rows_f64(const double *logp, const double *scale, double *dx, int64_t rows, int64_t cols);

#endif
