/* Dropout with a counter-based RNG: element i's draw is splitmix64(seed + i * golden ratio), so a result
   depends only on (seed, i), not on the thread count. */
#ifndef TORSH_DROPOUT_H
#define TORSH_DROPOUT_H

#include <stdint.h>

/* keep[i] = (uniform(seed, i) >= p); y[i] = keep[i] ? x[i] * scale : 0. y may be x. */
void tb_dropout_f32(const float *x, float *y, uint8_t *keep, int64_t n, uint64_t seed, double p, float scale);
void tb_dropout_f64(const double *x, double *y, uint8_t *keep, int64_t n, uint64_t seed, double p, double scale);

/* dx[i] = keep[i] ? g[i] * scale : 0. dx may be g. */
void tb_dropout_backward_f32(const float *g, const uint8_t *keep, float *dx, int64_t n, float scale);
void tb_dropout_backward_f64(const double *g, const uint8_t *keep, double *dx, int64_t n, double scale);

#endif
