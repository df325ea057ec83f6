/* 2-D max and average pooling over planes: x is (P, H, W) C-contiguous (P = batch * channels), the output
   (P, OH, OW). geo: KH, KW, SH, SW, PH, PW, DH, DW, OH, OW (dilation is 1 for average pooling). A window covers
   rows oh*SH - PH + i*DH (i < KH) and likewise columns; only its part inside x is read. Planes run in parallel
   and every kernel writes only its own plane, so there are no races. */
#ifndef TORSH_POOL_H
#define TORSH_POOL_H

#include <stdint.h>

/* out = the window maximum (NaN wins, the last NaN's position), idx = its flat position in the plane
   (the first maximum; a window holding only -inf points at its first position inside x). */
void tb_max_pool2d_f32(const float *x, int64_t p, int64_t h, int64_t w, const int64_t *geo, float *out,
                       int64_t *idx);
void tb_max_pool2d_f64(const double *x, int64_t p, int64_t h, int64_t w, const int64_t *geo, double *out,
                       int64_t *idx);

/* gx (P, H, W) = zeros plus every g value added at its idx (g and idx: P planes of `len` values).
   Returns the number of indices outside [0, H*W), which are skipped. */
int64_t tb_max_pool2d_backward_f32(const float *g, const int64_t *idx, int64_t p, int64_t len, int64_t hw,
                                   float *gx);
int64_t tb_max_pool2d_backward_f64(const double *g, const int64_t *idx, int64_t p, int64_t len, int64_t hw,
                                   double *gx);

/* out = window sum / divisor: divisor > 0 overrides, else the window size clipped to the padded input
   (count_include_pad) or to x itself. */
void tb_avg_pool2d_f32(const float *x, int64_t p, int64_t h, int64_t w, const int64_t *geo, int count_include_pad,
                       int64_t divisor, float *out);
void tb_avg_pool2d_f64(const double *x, int64_t p, int64_t h, int64_t w, const int64_t *geo,
                       int count_include_pad, int64_t divisor, double *out);

/* The adjoint of avg_pool2d: gx (P, H, W) = every g / divisor spread over its window. */
void tb_avg_pool2d_backward_f32(const float *g, int64_t p, int64_t h, int64_t w, const int64_t *geo,
                                int count_include_pad, int64_t divisor, float *gx);
void tb_avg_pool2d_backward_f64(const double *g, int64_t p, int64_t h, int64_t w, const int64_t *geo,
                                int count_include_pad, int64_t divisor, double *gx);

#endif
