/* Fused SGD and Adam/AdamW updates. Built with -std=c99, so no product is contracted into an FMA: every
   operation rounds exactly where the reference's separate NumPy ops round (-fno-math-errno lets sqrt vectorise;
   it is still correctly rounded). */
#include "optim.h"

#include <math.h>
#include <stddef.h>

#include "omp_loop.h"

/* Runtime CPU-feature dispatch: an AVX2 build of each kernel beside the portable one, picked at load time. */
#define TB_CLONES __attribute__((target_clones("avx2", "default")))

/* The loops below branch only on loop-invariant flags written as selects, and each conditional store (the momentum
   buffer, the AMSGrad maximum) gets its own copy of the loop, so every loop vectorises. */
#define TB_SGD_LOOP(T, USE_BUF)                                                                               \
    TB_PARALLEL_FOR(n)                                                                                        \
    for (int64_t i = 0; i < n; i++) {                                                                         \
        T g = maximize ? -gr[i] : gr[i];                                                                      \
        g = decay ? g + wd * p[i] : g;                                                                        \
        if (USE_BUF) {                                                                                        \
            const T b = first ? g : buf[i] * mom + damp * g;                                                  \
            buf[i] = b;                                                                                       \
            g = nesterov ? g + mom * b : b;                                                                   \
        }                                                                                                     \
        p[i] = p[i] + neg_lr * g;                                                                             \
    }

#define TB_SGD(NAME, T)                                                                                       \
    TB_CLONES void NAME(T **params, T **grads, T **bufs, const int64_t *sizes, const uint8_t *fresh, int64_t count,    \
              double lr, double momentum, double dampening, double weight_decay, int nesterov, int maximize) { \
        const T neg_lr = (T)(-lr), mom = (T)momentum, damp = (T)(1.0 - dampening), wd = (T)weight_decay;    \
        const int decay = weight_decay != 0;                                                                  \
        for (int64_t t = 0; t < count; t++) {                                                                 \
            T *restrict p = params[t];                                                                        \
            const T *restrict gr = grads[t];                                                                  \
            const int64_t n = sizes[t];                                                                       \
            if (momentum != 0) {                                                                              \
                T *restrict buf = bufs[t];                                                                    \
                const int first = fresh[t];                                                                   \
                TB_SGD_LOOP(T, 1)                                                                             \
            } else {                                                                                          \
                T *restrict buf = NULL;                                                                       \
                const int first = 0;                                                                          \
                TB_SGD_LOOP(T, 0)                                                                             \
            }                                                                                                 \
        }                                                                                                     \
    }

#define TB_ADAM_LOOP(T, SQRT, AMS)                                                                            \
    TB_PARALLEL_FOR(n)                                                                                        \
    for (int64_t i = 0; i < n; i++) {                                                                         \
        T g = maximize ? -gr[i] : gr[i];                                                                      \
        const T pi = p[i];                                                                                    \
        g = couple ? g + wd * pi : g;                                                                         \
        const T mi = m[i] + w1 * (g - m[i]);                                                                  \
        const T vi = v[i] * b2 + w2 * g * g;                                                                  \
        m[i] = mi;                                                                                            \
        v[i] = vi;                                                                                            \
        T u = vi;                                                                                             \
        if (AMS) {                                                                                            \
            const T old = vmax[i];                                                                            \
            u = (old > vi || old != old) ? old : vi;                                                          \
            vmax[i] = u;                                                                                      \
        }                                                                                                     \
        p[i] = (shrink_p ? pi * shrink : pi) + neg_step * (mi / (SQRT(u) / bc2 + e));                          \
    }

#define TB_ADAM(NAME, T, SQRT)                                                                                \
    TB_CLONES void NAME(T **params, T **grads, T **exp_avgs, T **exp_avg_sqs, T **max_sqs, const int64_t *sizes,       \
              const double *step_sizes, const double *bc2_sqrts, int64_t count, double lr, double beta1,      \
              double beta2, double eps, double weight_decay, int decoupled, int amsgrad, int maximize) {      \
        const T w1 = (T)(1.0 - beta1), b2 = (T)beta2, w2 = (T)(1.0 - beta2), e = (T)eps;                       \
        const T wd = (T)weight_decay, shrink = (T)(1.0 - lr * weight_decay);                                   \
        const int couple = weight_decay != 0 && !decoupled, shrink_p = weight_decay != 0 && decoupled;        \
        for (int64_t t = 0; t < count; t++) {                                                                 \
            T *restrict p = params[t], *restrict m = exp_avgs[t], *restrict v = exp_avg_sqs[t];               \
            const T *restrict gr = grads[t];                                                                  \
            const T neg_step = (T)(-step_sizes[t]), bc2 = (T)bc2_sqrts[t];                                    \
            const int64_t n = sizes[t];                                                                       \
            if (amsgrad) {                                                                                    \
                T *restrict vmax = max_sqs[t];                                                                \
                TB_ADAM_LOOP(T, SQRT, 1)                                                                      \
            } else {                                                                                          \
                T *restrict vmax = NULL;                                                                      \
                TB_ADAM_LOOP(T, SQRT, 0)                                                                      \
            }                                                                                                 \
        }                                                                                                     \
    }

TB_SGD(tb_sgd_f32, float)
TB_SGD(tb_sgd_f64, double)
TB_ADAM(tb_adam_f32, float, sqrtf)
TB_ADAM(tb_adam_f64, double, sqrt)
