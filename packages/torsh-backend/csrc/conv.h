/* 2-D convolution's data movement around the GEMM: im2col gathers every window of x into columns, col2im adds
   columns back into x (its adjoint). x is (N, C, H, W) C-contiguous; cols is (C*KH*KW, N*OH*OW) C-contiguous,
   row (c, kh, kw), column (n, oh, ow), holding x[n, c, oh*SH - PH + kh*DH, ow*SW - PW + kw*DW] or 0 outside x.
   torsh_backend.conv checks every size first (all positive or zero, buffers of exactly these shapes); positions
   outside x are never read or written, whatever the geometry. */
#ifndef TORSH_CONV_H
#define TORSH_CONV_H

#include <stdint.h>

/* geo: KH, KW, SH, SW, PH, PW, DH, DW, OH, OW. */
void tb_im2col_f32(const float *x, int64_t n, int64_t c, int64_t h, int64_t w, const int64_t *geo, float *cols);
void tb_im2col_f64(const double *x, int64_t n, int64_t c, int64_t h, int64_t w, const int64_t *geo, double *cols);

/* x = the sum of every column entry into the x position it was gathered from (x is overwritten). */
void tb_col2im_f32(const float *cols, int64_t n, int64_t c, int64_t h, int64_t w, const int64_t *geo, float *x);
void tb_col2im_f64(const double *cols, int64_t n, int64_t c, int64_t h, int64_t w, const int64_t *geo, double *x);

/* Fused per-image convolution (groups 1): images split over the threads, each image's columns (as im2col's with
   N = 1) gathered into a per-thread buffer and multiplied while they are in cache by the registered BLAS
   (blas.h). wt is (O, C*KH*KW); each returns 0, -1 when the per-thread scratch memory ran out, or -2 when no
   BLAS is registered.
   conv2d_forward: y (N, O, OH*OW) = wt @ columns(x[n]) + bias (bias (O,) or NULL). */
int tb_conv2d_forward_f32(const float *x, int64_t n, int64_t c, int64_t h, int64_t w, const int64_t *geo,
                          const float *wt, int64_t o, const float *bias, float *y);
int tb_conv2d_forward_f64(const double *x, int64_t n, int64_t c, int64_t h, int64_t w, const int64_t *geo,
                          const double *wt, int64_t o, const double *bias, double *y);

/* gw (O, C*KH*KW) = sum over n of g[n] (O, OH*OW) @ columns(x[n])^T, summed in a fixed order per thread count. */
int tb_conv2d_backward_weight_f32(const float *g, const float *x, int64_t n, int64_t c, int64_t h, int64_t w,
                                  const int64_t *geo, int64_t o, float *gw);
int tb_conv2d_backward_weight_f64(const double *g, const double *x, int64_t n, int64_t c, int64_t h, int64_t w,
                                  const int64_t *geo, int64_t o, double *gw);

/* dx (N, C, H, W) = col2im of wt^T (C*KH*KW, O) @ g[n] for every image. */
int tb_conv2d_backward_input_f32(const float *g, const float *wt, int64_t o, int64_t n, int64_t c, int64_t h,
                                 int64_t w, const int64_t *geo, float *dx);
int tb_conv2d_backward_input_f64(const double *g, const double *wt, int64_t o, int64_t n, int64_t c, int64_t h,
                                 int64_t w, const int64_t *geo, double *dx);

/* Direct convolution with stride 1 and dilation 1 (groups 1): y (N, O, OH, OW) from x (N, C, H, W) read with PH
   rows and PW columns of zero padding (positions past x read zeros too, so OH and OW may exceed the usual size),
   wt (O, C, KH, KW), bias (O,) or NULL. 0, or -1 when scratch memory ran out. */
int tb_conv2d_direct_f32(const float *x, int64_t n, int64_t c, int64_t h, int64_t w, const float *wt, int64_t o,
                         int64_t kh, int64_t kw, int64_t ph, int64_t pw, const float *bias, float *y, int64_t oh,
                         int64_t ow);
int tb_conv2d_direct_f64(const double *x, int64_t n, int64_t c, int64_t h, int64_t w, const double *wt, int64_t o,
                         int64_t kh, int64_t kw, int64_t ph, int64_t pw, const double *bias, double *y, int64_t oh,
                         int64_t ow);

/* Weight gradient of tb_conv2d_direct: gw (O, C, KH, KW) from g (N, O, OH, OW) and x (N, C, H, W) read with the
   same padding; OW must be a multiple of 8 (float) or 4 (double). Each element is summed by one thread in a fixed
   order. 0, -1 when scratch memory ran out, or -3 when OW is not such a multiple. */
int tb_conv2d_weight_direct_f32(const float *g, const float *x, int64_t n, int64_t c, int64_t h, int64_t w,
                                int64_t o, int64_t kh, int64_t kw, int64_t ph, int64_t pw, float *gw, int64_t oh,
                                int64_t ow);
int tb_conv2d_weight_direct_f64(const double *g, const double *x, int64_t n, int64_t c, int64_t h, int64_t w,
                                int64_t o, int64_t kh, int64_t kw, int64_t ph, int64_t pw, double *gw, int64_t oh,
                                int64_t ow);

#endif
