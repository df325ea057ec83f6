/* Layer/RMS norm over the last axis of a rows x cols block and batch norm over (N, C, S) blocks, forward and
   backward. torsh_backend.norm checks shapes, dtypes and eps first, so these trust their input. */
#ifndef TORSH_NORM_H
#define TORSH_NORM_H

#include <stdint.h>

/* y = (x - mean) * rstd * w + b per row (rms != 0: y = x * rstd * w, mean untouched and may be NULL);
   w and b may be NULL; the per-row mean and rstd = 1 / sqrt(var + eps) are written for the backward. */
void tb_layer_norm_f32(const float *x, const float *w, const float *b, float *y, float *mean, float *rstd,
                       int64_t rows, int64_t cols, double eps, int rms);
void tb_layer_norm_f64(const double *x, const double *w, const double *b, double *y, double *mean, double *rstd,
                       int64_t rows, int64_t cols, double eps, int rms);

/* dx (may be NULL), dw and db (each may be NULL) of layer_norm (or rms_norm) from the saved mean and rstd;
   0, or -1 when the per-thread partial sums could not be allocated. */
int tb_layer_norm_backward_f32(const float *x, const float *w, const float *mean, const float *rstd,
                                const float *g, float *dx, float *dw, float *db, int64_t rows, int64_t cols,
                                int rms);
int tb_layer_norm_backward_f64(const double *x, const double *w, const double *mean, const double *rstd,
                                const double *g, double *dx, double *dw, double *db, int64_t rows, int64_t cols,
                                int rms);

/* Per-channel mean and biased variance of an (n, c, s) block (statistics over n and s). */
void tb_batch_norm_stats_f32(const float *x, float *mean, float *var, int64_t n, int64_t c, int64_t s);
void tb_batch_norm_stats_f64(const double *x, double *mean, double *var, int64_t n, int64_t c, int64_t s);

/* y = x * scale[ch] + shift[ch] over an (n, c, s) block: batch norm once the statistics are folded in. */
void tb_channel_affine_f32(const float *x, const float *scale, const float *shift, float *y, int64_t n, int64_t c,
                           int64_t s);
void tb_channel_affine_f64(const double *x, const double *scale, const double *shift, double *y, int64_t n,
                           int64_t c, int64_t s);

/* Batch norm's backward in training mode: dw and db per channel always, dx when not NULL; w may be NULL. */
void tb_batch_norm_backward_f32(const float *x, const float *w, const float *mean, const float *rstd,
                                const float *g, float *dx, float *dw, float *db, int64_t n, int64_t c, int64_t s);
void tb_batch_norm_backward_f64(const double *x, const double *w, const double *mean, const double *rstd,
                                const double *g, double *dx, double *dw, double *db, int64_t n, int64_t c,
                                int64_t s);

#endif
