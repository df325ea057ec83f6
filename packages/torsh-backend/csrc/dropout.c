/* Dropout kernels; uniforms are the top 53 bits of a splitmix64 hash of the element's counter, compared with p as
   integers (u = bits / 2^53 >= p exactly when bits >= ceil(p 2^53)). The forward is also compiled for x86-64-v4,
   whose 64-bit vector multiplies (AVX-512DQ) let the hash vectorise; the clone is picked at load time. */
#include "dropout.h"

#include <math.h>

#include "omp_loop.h"

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__SANITIZE_ADDRESS__)
#define TB_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define TB_CLONES
#endif

static inline uint64_t tb_bits53(uint64_t seed, uint64_t i) {
    uint64_t z = seed + (i + 1) * 0x9E3779B97F4A7C15ULL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    z ^= z >> 31;
    return z >> 11;
}

#define TB_DROPOUT(NAME, T)                                                                              \
    TB_CLONES void NAME(const T *x, T *y, uint8_t *keep, int64_t n, uint64_t seed, double p, T scale) {  \
        const uint64_t limit = (uint64_t)ceil(p * 0x1.0p53);                                             \
        TB_PARALLEL_FOR(n)                                                                               \
        for (int64_t i = 0; i < n; i++) {                                                                \
            uint8_t k = tb_bits53(seed, (uint64_t)i) >= limit;                                           \
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
