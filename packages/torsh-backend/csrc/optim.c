/* Fused SGD and Adam/AdamW updates. Built with -std=c99, so no product is contracted into an FMA: every
   operation rounds exactly where the reference's separate NumPy ops round (-fno-math-errno lets sqrt vectorise;
   it is still correctly rounded). */
#include "optim.h"

#include <math.h>
#include <stddef.h>

#include "fastexp.h"
#include "omp_loop.h"

/* Runtime CPU-feature dispatch: an AVX2 build of each kernel beside the portable one, picked at load time. */
#define TB_CLONES __attribute__((target_clones("avx2", "default")))

/* Every flag combination gets its own copy of the loop with the flags as literal constants (a switch picks it),
   so each body is straight-line code that vectorises; the AMSGrad maximum is a bit blend (NaN wins, as in
   NumPy's maximum), since GCC will not if-convert a float ?: under -ftrapping-math. */
#define TB_SGD_LOOP(T, MAXIMIZE, DECAY, USE_BUF, FIRST, NESTEROV)                                             \
    TB_PARALLEL_FOR(n)                                                                                        \
    for (int64_t i = 0; i < n; i++) {                                                                         \
        T g = gr[i];                                                                                          \
        if (MAXIMIZE) g = -g;                                                                                 \
        if (DECAY) g = g + wd * p[i];                                                                         \
        if (USE_BUF) {                                                                                        \
            const T b = (FIRST) ? g : buf[i] * mom + damp * g;                                                \
            buf[i] = b;                                                                                       \
            g = (NESTEROV) ? g + mom * b : b;                                                                 \
        }                                                                                                     \
        p[i] = p[i] + neg_lr * g;                                                                             \
    }

/* K = maximize * 10 + decay * 5 + mode; mode 0: no momentum, 1 + first * 2 + nesterov otherwise. */
#define TB_SGD_CASE(T, K)                                                                                     \
    case K:                                                                                                   \
        TB_SGD_LOOP(T, (K) / 10, (K) / 5 % 2, (K) % 5 != 0, ((K) % 5 - 1) / 2 == 1, ((K) % 5 - 1) % 2 == 1)   \
        break;

#define TB_SGD_CASES5(T, K) \
    TB_SGD_CASE(T, K) TB_SGD_CASE(T, K + 1) TB_SGD_CASE(T, K + 2) TB_SGD_CASE(T, K + 3) TB_SGD_CASE(T, K + 4)

#define TB_SGD(NAME, T)                                                                                       \
    TB_CLONES void NAME(T **params, T **grads, T **bufs, const int64_t *sizes, const uint8_t *fresh, int64_t count,    \
              double lr, double momentum, double dampening, double weight_decay, int nesterov, int maximize) { \
        const T neg_lr = (T)(-lr), mom = (T)momentum, damp = (T)(1.0 - dampening), wd = (T)weight_decay;    \
        const int base = (maximize ? 10 : 0) + (weight_decay != 0 ? 5 : 0);                                   \
        for (int64_t t = 0; t < count; t++) {                                                                 \
            T *restrict p = params[t];                                                                        \
            const T *restrict gr = grads[t];                                                                  \
            T *restrict buf = momentum != 0 ? bufs[t] : NULL;                                                 \
            const int64_t n = sizes[t];                                                                       \
            const int mode = momentum != 0 ? 1 + (fresh[t] ? 2 : 0) + (nesterov ? 1 : 0) : 0;                 \
            switch (base + mode) {                                                                            \
                TB_SGD_CASES5(T, 0) TB_SGD_CASES5(T, 5) TB_SGD_CASES5(T, 10) TB_SGD_CASES5(T, 15)             \
            }                                                                                                 \
        }                                                                                                     \
    }

#define TB_ADAM_LOOP(T, SQRT, SELECT, MAXIMIZE, COUPLE, SHRINK, AMS)                                          \
    TB_PARALLEL_FOR(n)                                                                                        \
    for (int64_t i = 0; i < n; i++) {                                                                         \
        T g = gr[i];                                                                                          \
        if (MAXIMIZE) g = -g;                                                                                 \
        const T pi = p[i];                                                                                    \
        if (COUPLE) g = g + wd * pi;                                                                          \
        const T mi = m[i] + w1 * (g - m[i]);                                                                  \
        const T vi = v[i] * b2 + w2 * g * g;                                                                  \
        m[i] = mi;                                                                                            \
        v[i] = vi;                                                                                            \
        T u = vi;                                                                                             \
        if (AMS) {                                                                                            \
            const T old = vmax[i];                                                                            \
            u = SELECT((old > vi) | (old != old), old, vi);                                                   \
            vmax[i] = u;                                                                                      \
        }                                                                                                     \
        p[i] = ((SHRINK) ? pi * shrink : pi) + neg_step * (mi / (SQRT(u) / bc2 + e));                          \
    }

/* K = maximize * 6 + decay kind * 2 + amsgrad, decay kind 0: none, 1: coupled (Adam), 2: decoupled (AdamW). */
#define TB_ADAM_CASE(T, SQRT, SELECT, K)                                                                      \
    case K:                                                                                                   \
        TB_ADAM_LOOP(T, SQRT, SELECT, (K) / 6, (K) / 2 % 3 == 1, (K) / 2 % 3 == 2, (K) % 2)                    \
        break;

#define TB_ADAM_CASES6(T, SQRT, SELECT, K)                                                                    \
    TB_ADAM_CASE(T, SQRT, SELECT, K) TB_ADAM_CASE(T, SQRT, SELECT, K + 1) TB_ADAM_CASE(T, SQRT, SELECT, K + 2) \
    TB_ADAM_CASE(T, SQRT, SELECT, K + 3) TB_ADAM_CASE(T, SQRT, SELECT, K + 4) TB_ADAM_CASE(T, SQRT, SELECT, K + 5)

#define TB_ADAM(NAME, T, SQRT, SELECT)                                                                        \
    TB_CLONES void NAME(T **params, T **grads, T **exp_avgs, T **exp_avg_sqs, T **max_sqs, const int64_t *sizes,       \
              const double *step_sizes, const double *bc2_sqrts, int64_t count, double lr, double beta1,      \
              double beta2, double eps, double weight_decay, int decoupled, int amsgrad, int maximize) {      \
        const T w1 = (T)(1.0 - beta1), b2 = (T)beta2, w2 = (T)(1.0 - beta2), e = (T)eps;                       \
        const T wd = (T)weight_decay, shrink = (T)(1.0 - lr * weight_decay);                                   \
        const int kind = weight_decay == 0 ? 0 : decoupled ? 2 : 1;                                           \
        const int k = (maximize ? 6 : 0) + kind * 2 + (amsgrad ? 1 : 0);                                      \
        for (int64_t t = 0; t < count; t++) {                                                                 \
            T *restrict p = params[t], *restrict m = exp_avgs[t], *restrict v = exp_avg_sqs[t];               \
            T *restrict vmax = amsgrad ? max_sqs[t] : NULL;                                                   \
            const T *restrict gr = grads[t];                                                                  \
            const T neg_step = (T)(-step_sizes[t]), bc2 = (T)bc2_sqrts[t];                                    \
            const int64_t n = sizes[t];                                                                       \
            switch (k) { TB_ADAM_CASES6(T, SQRT, SELECT, 0) TB_ADAM_CASES6(T, SQRT, SELECT, 6) }              \
        }                                                                                                     \
    }

TB_SGD(tb_sgd_f32, float)
TB_SGD(tb_sgd_f64, double)
TB_ADAM(tb_adam_f32, float, sqrtf, tb_select_f32)
TB_ADAM(tb_adam_f64, double, sqrt, tb_select_f64)
