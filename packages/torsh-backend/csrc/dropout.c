/* Dropout kernels; uniforms are the top 53 bits of a splitmix64 hash of the element's counter. */
#include "dropout.h"

#include "omp_loop.h"

static inline double tb_uniform(uint64_t seed, uint64_t i) {
    uint64_t z = seed + (i + 1) * 0x9E3779B97F4A7C15ULL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    z ^= z >> 31;
    return (double)(z >> 11) * 0x1.0p-53;
}

#define TB_DROPOUT(NAME, T)                                                                              \
    void NAME(const T *x, T *y, uint8_t *keep, int64_t n, uint64_t seed, double p, T scale) {            \
        TB_PARALLEL_FOR(n)                                                                               \
        for (int64_t i = 0; i < n; i++) {                                                                \
            uint8_t k = tb_uniform(seed, (uint64_t)i) >= p;                                              \
            keep[i] = k;                                                                                 \
            y[i] = k ? x[i] * scale : 0;                                                                 \
        }                                                                                                \
    }

#define TB_DROPOUT_BACKWARD(NAME, T)                                                                     \
    void NAME(const T *g, const uint8_t *keep, T *dx, int64_t n, T scale) {                              \
        TB_PARALLEL_FOR(n)                                                                               \
        for (int64_t i = 0; i < n; i++) dx[i] = keep[i] ? g[i] * scale : 0;                              \
    }

TB_DROPOUT(tb_dropout_f32, float)
TB_DROPOUT(tb_dropout_f64, double)
TB_DROPOUT_BACKWARD(tb_dropout_backward_f32, float)
TB_DROPOUT_BACKWARD(tb_dropout_backward_f64, double)
