/* Activation kernels. float32 runs a vectorisable erf and exp (fastexp.h) and, on x86-64 with GCC/Clang, is
   compiled three times (x86-64-v4 with AVX-512, x86-64-v3 with AVX2+FMA, baseline SSE2) with the clone picked at
   load time from the CPU's features (an "arch=haswell" clone would be picked on Intel CPUs only); float64 uses
   libm. */
#include "activation.h"

#include <math.h>

#include "fastexp.h"
#include "omp_loop.h"

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__SANITIZE_ADDRESS__)
#define TB_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define TB_CLONES
#endif

/* erf(x) for float32 within 1 ulp of libm's erff: x * P(x^2) below |x| = 1, else
   1 - exp(-x^2) / |x| * Q(1 / x^2) (relative least-squares fits, error < 5e-8, evaluated in double), 1 from
   |x| = 3.92 on (where erff rounds to 1); NaN propagates. */
TB_ALWAYS_INLINE static inline float tb_erff(float x) {
    static const double P[8] = {-9.689740681873082e-06, 0.00011274737749744634, -0.00084854388850366658, 0.0052211386936499345, -0.026865475513992557, 0.11283783443869173, -0.37612638552826788, 1.1283791670801036};
    static const double Q[12] = {-0.24583223465942244, 1.5968974149903217, -4.6370675424353696, 7.9741146229877584, -9.0927978823261704, 7.333195805122469, -4.4062257133687943, 2.1051482415880503, -0.89391930563921873, 0.41149483308892304, -0.28160533217412004, 0.56418065125632566};
    float ax = fabsf(x);
    double u = (double)x * (double)x, p = P[0];
    for (int i = 1; i < 8; i++) p = p * u + P[i];
    float small = (float)((double)x * p);
    float c = tb_select_f32(ax > 3.95f, 3.95f, tb_select_f32(ax < 1.0f, 1.0f, ax));
    double v = 1.0 / ((double)c * (double)c), q = Q[0];
    for (int i = 1; i < 12; i++) q = q * v + Q[i];
    float large = (float)(1.0 - (double)tb_expf(-(c * c)) * q * ((double)c * v));
    large = copysignf(tb_select_f32(ax > 3.92f, 1.0f, large), x);
    return tb_select_f32(ax < 1.0f, small, large);
}

#define TB_K_TANH 0.7978845608028654 /* sqrt(2 / pi) */
#define TB_K_CUBE 0.044715
#define TB_INV_SQRT2 0.7071067811865476
#define TB_INV_SQRT_2PI 0.3989422804014327

/* The normal CDF Phi(v) for GELU in float32 arithmetic, and the Gaussian factor e = exp(-v^2 / 2) it is built
   from (GELU's backward needs e too: one exp serves both). erf(z), z = v / sqrt 2, by Abramowitz & Stegun 7.1.26:
   1 - t P(t) e with t = 1 / (1 + 0.3275911 |z|), within 1.5e-7 of erf (tb_erff, within 1 ulp, evaluates in
   double and is several times slower); 1 from |z| = 3.92 on; NaN propagates. */
TB_ALWAYS_INLINE static inline float tb_gelu_cdf(float v, float *gauss) {
    float z = v * (float)TB_INV_SQRT2, az = fabsf(z), zz = z * z;
    float e = tb_expf_bounded(-(zz < 87.0f ? zz : 87.0f));
    float t = 1.0f / (1.0f + 0.3275911f * az);
    float p = 1.061405429f;
    p = p * t + -1.453152027f;
    p = p * t + 1.421413741f;
    p = p * t + -0.284496736f;
    p = p * t + 0.254829592f;
    float erf = copysignf(az > 3.92f ? 1.0f : 1.0f - t * p * e, z);
    *gauss = e;
    return 0.5f * (1.0f + erf);
}

static inline double tb_gelu_cdf_f64(double v, double *gauss) {
    *gauss = exp(-0.5 * v * v);
    return 0.5 * (1 + erf(v * TB_INV_SQRT2));
}

/* Runs CHUNK(args..., lo, hi) over [0, n) split into one static range per thread (one for short loops). */
#define TB_CHUNKS(n, CHUNK, ...)                                                                  \
    do {                                                                                          \
        int64_t parts_ = tb_parallel_ok(n) ? tb_get_num_threads() : 1;                            \
        TB_PRAGMA(omp parallel for schedule(static) num_threads(parts_))                          \
        for (int64_t p_ = 0; p_ < parts_; p_++) CHUNK(__VA_ARGS__, (n) * p_ / parts_, (n) * (p_ + 1) / parts_); \
    } while (0)



/* tanh(z) = 1 - 2 / (exp(2z) + 1): exact at the ends (+-1), vectorises with the inline exp. */
TB_ALWAYS_INLINE static inline float tb_tanh_f32(float z) { return 1.0f - 2.0f / (tb_expf(2.0f * z) + 1.0f); }
static inline double tb_tanh_f64(double z) { return tanh(z); }

#define TB_GELU(NAME, T, TANH, CDF)                                                                   \
    static TB_CLONES void NAME##_chunk(const T *x, T *y, int approx_tanh, int64_t lo, int64_t hi) {          \
        if (approx_tanh) {                                                                                    \
            _Pragma("omp simd")                                                                               \
            for (int64_t i = lo; i < hi; i++) {                                                               \
                T v = x[i];                                                                                   \
                y[i] = (T)0.5 * v * (1 + TANH((T)TB_K_TANH * (v + (T)TB_K_CUBE * v * v * v)));                \
            }                                                                                                 \
        } else {                                                                                              \
            _Pragma("omp simd")                                                                               \
            for (int64_t i = lo; i < hi; i++) {                                                               \
                T gauss;                                                                                      \
                y[i] = x[i] * CDF(x[i], &gauss);                                                              \
            }                                                                                                 \
        }                                                                                                     \
    }                                                                                                         \
    void NAME(const T *x, T *y, int64_t n, int approx_tanh) { TB_CHUNKS(n, NAME##_chunk, x, y, approx_tanh); }

#define TB_GELU_BACKWARD(NAME, T, TANH, CDF)                                                                  \
    static TB_CLONES void NAME##_chunk(const T *x, const T *g, T *dx, int approx_tanh, int64_t lo, int64_t hi) { \
        if (approx_tanh) {                                                                                    \
            _Pragma("omp simd")                                                                               \
            for (int64_t i = lo; i < hi; i++) {                                                               \
                T v = x[i], t = TANH((T)TB_K_TANH * (v + (T)TB_K_CUBE * v * v * v));                          \
                T d = (T)0.5 * (1 + t) + (T)0.5 * v * (1 - t * t) * (T)TB_K_TANH * (1 + 3 * (T)TB_K_CUBE * v * v); \
                dx[i] = g[i] * d;                                                                             \
            }                                                                                                 \
        } else {                                                                                              \
            _Pragma("omp simd")                                                                               \
            for (int64_t i = lo; i < hi; i++) {                                                               \
                T gauss, cdf = CDF(x[i], &gauss);                                                             \
                dx[i] = g[i] * (cdf + x[i] * gauss * (T)TB_INV_SQRT_2PI);                                     \
            }                                                                                                 \
        }                                                                                                     \
    }                                                                                                         \
    void NAME(const T *x, const T *g, T *dx, int64_t n, int approx_tanh) {                                    \
        TB_CHUNKS(n, NAME##_chunk, x, g, dx, approx_tanh);                                                    \
    }

/* sigmoid from e = exp(-|x|) <= 1 (the cheaper exp, and no overflow for very negative x); NaN propagates. */
TB_ALWAYS_INLINE static inline float tb_sigmoid_f32(float x) {
    float e = tb_expf_nonpositive(-fabsf(x)), r = 1.0f / (1.0f + e);
    return x >= 0 ? r : e * r;
}

static inline double tb_sigmoid_f64(double x) { return 1 / (1 + exp(-x)); }

#define TB_SILU(NAME, T, SIGMOID)                                                                             \
    static TB_CLONES void NAME##_chunk(const T *x, T *y, int64_t lo, int64_t hi) {                            \
        _Pragma("omp simd")                                                                                   \
        for (int64_t i = lo; i < hi; i++) y[i] = x[i] * SIGMOID(x[i]);                                        \
    }                                                                                                         \
    void NAME(const T *x, T *y, int64_t n) { TB_CHUNKS(n, NAME##_chunk, x, y); }

#define TB_SILU_BACKWARD(NAME, T, SIGMOID)                                                                    \
    static TB_CLONES void NAME##_chunk(const T *x, const T *g, T *dx, int64_t lo, int64_t hi) {               \
        _Pragma("omp simd")                                                                                   \
        for (int64_t i = lo; i < hi; i++) {                                                                   \
            T s = SIGMOID(x[i]);                                                                              \
            dx[i] = g[i] * s * (1 + x[i] * (1 - s));                                                          \
        }                                                                                                     \
    }                                                                                                         \
    void NAME(const T *x, const T *g, T *dx, int64_t n) { TB_CHUNKS(n, NAME##_chunk, x, g, dx); }

/* ReLU keeps NaN (x < 0 is false for it) and -0.0, as PyTorch's clamp_min; its backward zeroes g where x <= 0
   (so a NaN input passes g, as PyTorch's threshold_backward). */
#define TB_RELU(NAME, BACKWARD, T)                                                                            \
    static TB_CLONES void NAME##_chunk(const T *x, T *y, int64_t lo, int64_t hi) {                            \
        _Pragma("omp simd")                                                                                   \
        for (int64_t i = lo; i < hi; i++) y[i] = x[i] < 0 ? 0 : x[i];                                         \
    }                                                                                                         \
    void NAME(const T *x, T *y, int64_t n) { TB_CHUNKS(n, NAME##_chunk, x, y); }                              \
    static TB_CLONES void BACKWARD##_chunk(const T *x, const T *g, T *dx, int64_t lo, int64_t hi) {            \
        _Pragma("omp simd")                                                                                   \
        for (int64_t i = lo; i < hi; i++) dx[i] = x[i] <= 0 ? 0 : g[i];                                       \
    }                                                                                                         \
    void BACKWARD(const T *x, const T *g, T *dx, int64_t n) { TB_CHUNKS(n, BACKWARD##_chunk, x, g, dx); }

static TB_CLONES void tb_fast_erf_f32_chunk(const float *x, float *y, int64_t lo, int64_t hi) {
    _Pragma("omp simd")
    for (int64_t i = lo; i < hi; i++) y[i] = tb_erff(x[i]);
}

void tb_fast_erf_f32(const float *x, float *y, int64_t n) { TB_CHUNKS(n, tb_fast_erf_f32_chunk, x, y); }

TB_GELU(tb_gelu_f32, float, tb_tanh_f32, tb_gelu_cdf)
TB_GELU(tb_gelu_f64, double, tb_tanh_f64, tb_gelu_cdf_f64)
TB_GELU_BACKWARD(tb_gelu_backward_f32, float, tb_tanh_f32, tb_gelu_cdf)
TB_GELU_BACKWARD(tb_gelu_backward_f64, double, tb_tanh_f64, tb_gelu_cdf_f64)
TB_SILU(tb_silu_f32, float, tb_sigmoid_f32)
TB_SILU(tb_silu_f64, double, tb_sigmoid_f64)
TB_SILU_BACKWARD(tb_silu_backward_f32, float, tb_sigmoid_f32)
TB_SILU_BACKWARD(tb_silu_backward_f64, double, tb_sigmoid_f64)
TB_RELU(tb_relu_f32, tb_relu_backward_f32, float)
TB_RELU(tb_relu_f64, tb_relu_backward_f64, double)
