/* Branch-free float32 exps that the compiler can vectorise (libm's expf is a call per element).
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

/* exp(c) = 2^n * p: n = round(c / ln 2) by the 1.5 * 2^23 trick (no rint call), p = exp(c - n ln 2) by a
   polynomial (ln 2 in two parts); returns p and sets *n. */
TB_ALWAYS_INLINE static inline float tb_exp_reduced(float c, float *n) {
    float k = (c * 1.44269504f + 12582912.0f) - 12582912.0f;
    float r = c - k * 0.693359375f;
    r = r - k * -2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    *n = k;
    return p * r * r + r + 1.0f;
}

/* 2^k as a float for k in [-126, 127] (any other k, as from a NaN's conversion, gives some finite value that the
   NaN in the polynomial then absorbs; the shift is unsigned so that it is defined for every k). */
TB_ALWAYS_INLINE static inline float tb_pow2(int32_t k) {
    uint32_t bits = (uint32_t)(k + 127) << 23;
    float scale;
    memcpy(&scale, &bits, sizeof scale);
    return scale;
}

/* exp(x) for every float: 0 below -87.3, inf above 88.72, NaN for NaN. */
TB_ALWAYS_INLINE static inline float tb_expf(float x) {
    float c = tb_select_f32(x > 88.72f, 88.72f, x), n;
    c = tb_select_f32(c < -87.3f, -87.3f, c);
    float p = tb_exp_reduced(c, &n);
    int32_t k = (int32_t)n, up = k > 0; /* 2^k as 2^(k - up) * (1 + up): k may be 128 */
    float y = (p * tb_pow2(k - up)) * (float)(1 + up);
    y = tb_select_f32(x < -87.3f, 0.0f, y);
    return tb_select_f32(x > 88.72f, HUGE_VALF, y); /* overflow; NaN propagates through p */
}

/* exp(x) for x the caller keeps in [-87.3, 0] (no clamps, no overflow handling), e.g. the Gaussian factor
   exp(-min(z^2, 87)). */
TB_ALWAYS_INLINE static inline float tb_expf_bounded(float x) {
    float n, p = tb_exp_reduced(x, &n);
    return p * tb_pow2((int32_t)n);
}

/* exp(x) for x <= 0 or NaN, as in a max-shifted softmax: 0 below -87.3 (so exp(-inf) is exactly 0), NaN for NaN;
   cheaper than tb_expf, which must also handle overflow. */
TB_ALWAYS_INLINE static inline float tb_expf_nonpositive(float x) {
    float y = tb_expf_bounded(x < -87.3f ? -87.3f : x);
    return x < -87.3f ? 0.0f : y;
}

#endif
