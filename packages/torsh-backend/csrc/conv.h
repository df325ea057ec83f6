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

#endif
