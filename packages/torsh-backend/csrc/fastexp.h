/* A branch-free float32 exp that the compiler can vectorise (libm's expf is a call per element).
   Internal: not exposed to Python. Accurate to about 1 ulp; results below FLT_MIN flush to 0. */
#ifndef TORSH_FASTEXP_H
#define TORSH_FASTEXP_H

#include <math.h>
#include <stdint.h>
#include <string.h>

/* Inlined even into the AVX2 clones of a kernel (an out-of-line call per element cannot vectorise). */
#if defined(__GNUC__)
#define TB_ALWAYS_INLINE __attribute__((always_inline))
#else
#define TB_ALWAYS_INLINE
/* exp(x) for x already known to lie in [-87.3, 0] (no clamps, no overflow handling): the shared core of
   tb_expf_nonpositive for callers that bound their argument further, e.g. the Gaussian factor exp(-min(z^2, 87)). */
TB_ALWAYS_INLINE static inline float tb_expf_bounded(float x) {
    float n = (x * 1.44269504f + 12582912.0f) - 12582912.0f;
    float r = x - n * 0.693359375f;
    r = r - n * -2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * r * r + r + 1.0f;
    int32_t bits = ((int32_t)n + 127) << 23;
    float scale;
    memcpy(&scale, &bits, sizeof scale);
    return p * scale;
}

/* exp(x) for x <= 0 or NaN, as in a shifted softmax: 0 below -87.3 (so exp(-inf) is exactly 0), NaN for NaN;
   cheaper than tb_expf, which must also handle overflow. */
TB_ALWAYS_INLINE static inline float tb_expf_nonpositive(float x) {
    float y = tb_expf_bounded(x < -87.3f ? -87.3f : x);
    return x < -87.3f ? 0.0f : y;
}

#endif

/* cond ? a : b as a bit blend: with -ftrapping-math GCC will not if-convert a float ?: and so not vectorise it. */
TB_ALWAYS_INLINE static inline float tb_select_f32(int cond, float a, float b) {
    int32_t ia, ib, m = -(int32_t)(cond != 0);
    memcpy(&ia, &a, sizeof ia);
    memcpy(&ib, &b, sizeof ib);
    int32_t r = (ia & m) | (ib & ~m);
    float out;
    memcpy(&out, &r, sizeof out);
    return out;
}

TB_ALWAYS_INLINE static inline double tb_select_f64(int cond, double a, double b) {
    int64_t ia, ib, m = -(int64_t)(cond != 0);
    memcpy(&ia, &a, sizeof ia);
    memcpy(&ib, &b, sizeof ib);
    int64_t r = (ia & m) | (ib & ~m);
    double out;
    memcpy(&out, &r, sizeof out);
    return out;
}

TB_ALWAYS_INLINE static inline float tb_expf(float x) {
    float c = tb_select_f32(x > 88.72f, 88.72f, x);
    c = tb_select_f32(c < -87.3f, -87.3f, c);
    /* n = round(c / ln 2) by the 1.5 * 2^23 trick (no rint call); r = c - n ln 2 in two parts. */
    float n = (c * 1.44269504f + 12582912.0f) - 12582912.0f;
    float r = c - n * 0.693359375f;
    r = r - n * -2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * r * r + r + 1.0f;
    int32_t k = (int32_t)n, up = k > 0; /* 2^k as 2^(k - up) * (1 + up): k may be 128 */
    int32_t bits = (k + 127 - up) << 23;
    float scale;
    memcpy(&scale, &bits, sizeof scale);
    float y = (p * scale) * (float)(1 + up);
    y = tb_select_f32(x < -87.3f, 0.0f, y);
    return tb_select_f32(x > 88.72f, HUGE_VALF, y); /* overflow; NaN propagates through p */
}

/* exp(x) for x already known to lie in [-87.3, 0] (no clamps, no overflow handling): the shared core of
   tb_expf_nonpositive for callers that bound their argument further, e.g. the Gaussian factor exp(-min(z^2, 87)). */
TB_ALWAYS_INLINE static inline float tb_expf_bounded(float x) {
    float n = (x * 1.44269504f + 12582912.0f) - 12582912.0f;
    float r = x - n * 0.693359375f;
    r = r - n * -2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * r * r + r + 1.0f;
    int32_t bits = ((int32_t)n + 127) << 23;
    float scale;
    memcpy(&scale, &bits, sizeof scale);
    return p * scale;
}

/* exp(x) for x <= 0 or NaN, as in a shifted softmax: 0 below -87.3 (so exp(-inf) is exactly 0), NaN for NaN;
   cheaper than tb_expf, which must also handle overflow. */
TB_ALWAYS_INLINE static inline float tb_expf_nonpositive(float x) {
    float y = tb_expf_bounded(x < -87.3f ? -87.3f : x);
    return x < -87.3f ? 0.0f : y;
}

#endif
