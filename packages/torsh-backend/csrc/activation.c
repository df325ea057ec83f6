/* Activation kernels. float32 exp-based parts use the vectorisable tb_expf; erf comes from libm. */
#include "activation.h"

#include <math.h>

#include "fastexp.h"
#include "omp_loop.h"

#define TB_K_TANH 0.7978845608028654 /* sqrt(2 / pi) */
#define TB_K_CUBE 0.044715
#define TB_INV_SQRT2 0.7071067811865476
#define TB_INV_SQRT_2PI 0.3989422804014327

static inline double tb_exp_f64(double x) { return exp(x); }

/* tanh(z) = 1 - 2 / (exp(2z) + 1): exact at the ends (+-1), vectorises with the inline exp. */
static inline float tb_tanh_f32(float z) { return 1.0f - 2.0f / (tb_expf(2.0f * z) + 1.0f); }
static inline double tb_tanh_f64(double z) { return tanh(z); }

#define TB_GELU(NAME, T, TANH, ERF)                                                           \
    void NAME(const T *x, T *y, int64_t n, int approx_tanh) {                                 \
        if (approx_tanh) {                                                                    \
            TB_PARALLEL_FOR(n)                                                                \
            for (int64_t i = 0; i < n; i++) {                                                 \
                T v = x[i];                                                                   \
                y[i] = (T)0.5 * v * (1 + TANH((T)TB_K_TANH * (v + (T)TB_K_CUBE * v * v * v))); \
            }                                                                                 \
        } else {                                                                              \
            TB_PARALLEL_FOR(n)                                                                \
            for (int64_t i = 0; i < n; i++) y[i] = x[i] * (T)0.5 * (1 + ERF(x[i] * (T)TB_INV_SQRT2)); \
        }                                                                                     \
    }

#define TB_GELU_BACKWARD(NAME, T, TANH, ERF, EXP)                                                              \
    void NAME(const T *x, const T *g, T *dx, int64_t n, int approx_tanh) {                                     \
        if (approx_tanh) {                                                                                     \
            TB_PARALLEL_FOR(n)                                                                                 \
            for (int64_t i = 0; i < n; i++) {                                                                  \
                T v = x[i], t = TANH((T)TB_K_TANH * (v + (T)TB_K_CUBE * v * v * v));                           \
                T d = (T)0.5 * (1 + t) + (T)0.5 * v * (1 - t * t) * (T)TB_K_TANH * (1 + 3 * (T)TB_K_CUBE * v * v); \
                dx[i] = g[i] * d;                                                                              \
            }                                                                                                  \
        } else {                                                                                               \
            TB_PARALLEL_FOR(n)                                                                                 \
            for (int64_t i = 0; i < n; i++) {                                                                  \
                T v = x[i];                                                                                    \
                T cdf = (T)0.5 * (1 + ERF(v * (T)TB_INV_SQRT2));                                               \
                dx[i] = g[i] * (cdf + v * EXP((T)-0.5 * v * v) * (T)TB_INV_SQRT_2PI);                          \
            }                                                                                                  \
        }                                                                                                      \
    }

#define TB_SILU(NAME, T, EXP)                                                            \
    void NAME(const T *x, T *y, int64_t n) {                                             \
        TB_PARALLEL_FOR(n)                                                               \
        for (int64_t i = 0; i < n; i++) y[i] = x[i] / (1 + EXP(-x[i]));                  \
    }

#define TB_SILU_BACKWARD(NAME, T, EXP)                                                   \
    void NAME(const T *x, const T *g, T *dx, int64_t n) {                                \
        TB_PARALLEL_FOR(n)                                                               \
        for (int64_t i = 0; i < n; i++) {                                                \
            T s = 1 / (1 + EXP(-x[i]));                                                  \
            dx[i] = g[i] * s * (1 + x[i] * (1 - s));                                     \
        }                                                                                \
    }

TB_GELU(tb_gelu_f32, float, tb_tanh_f32, erff)
TB_GELU(tb_gelu_f64, double, tb_tanh_f64, erf)
TB_GELU_BACKWARD(tb_gelu_backward_f32, float, tb_tanh_f32, erff, tb_expf)
TB_GELU_BACKWARD(tb_gelu_backward_f64, double, tb_tanh_f64, erf, tb_exp_f64)
TB_SILU(tb_silu_f32, float, tb_expf)
TB_SILU(tb_silu_f64, double, tb_exp_f64)
TB_SILU_BACKWARD(tb_silu_backward_f32, float, tb_expf)
TB_SILU_BACKWARD(tb_silu_backward_f64, double, tb_exp_f64)
