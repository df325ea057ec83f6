/* Normalisation kernels: rows (layer/RMS norm) or channels (batch norm) in parallel, statistics in two passes
   (mean, then centred squares): a row's in its own type over the vector lanes (as PyTorch), a channel's (N x
   spatial elements) in double; layer norm's parameter gradients summed in per-thread partials. */
#include "norm.h"

#include <math.h>
#include <omp.h>
#include <stdlib.h>

#include "omp_loop.h"

/* Compiled for x86-64-v4 (AVX-512), x86-64-v3 (AVX2+FMA) and the SSE2 baseline, picked at load time. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__SANITIZE_ADDRESS__)
#define TB_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define TB_CLONES
#endif

#define TB_LAYER_NORM(NAME, T, SQRT)                                                                           \
    TB_CLONES void NAME(const T *x, const T *w, const T *b, T *y, T *mean, T *rstd, int64_t rows, int64_t cols, \
              double eps, int rms) {                                                                            \
        TB_PARALLEL_ROWS(rows * cols)                                                                           \
        for (int64_t r = 0; r < rows; r++) {                                                                    \
            const T *xr = x + r * cols;                                                                         \
            T *yr = y + r * cols;                                                                               \
            T mu = 0, ss = 0; /* in the row's type, over the vector lanes: a row is short */                  \
            if (!rms) {                                                                                         \
                _Pragma("omp simd reduction(+ : mu)")                                                           \
                for (int64_t c = 0; c < cols; c++) mu += xr[c];                                                 \
                mu /= (T)cols;                                                                                  \
            }                                                                                                   \
            _Pragma("omp simd reduction(+ : ss)")                                                               \
            for (int64_t c = 0; c < cols; c++) ss += (xr[c] - mu) * (xr[c] - mu);                               \
            T m = mu, rs = (T)1 / SQRT(ss / (T)cols + (T)eps); /* in the row's type too, as PyTorch */          \
            if (!rms) mean[r] = m;                                                                              \
            rstd[r] = rs;                                                                                       \
            if (w && b) { /* the affine case in its own loop: NULL tests inside one would block vectorisation */ \
                _Pragma("omp simd")                                                                             \
                for (int64_t c = 0; c < cols; c++) yr[c] = (xr[c] - m) * rs * w[c] + b[c];                      \
            } else {                                                                                            \
                _Pragma("omp simd")                                                                             \
                for (int64_t c = 0; c < cols; c++) {                                                            \
                    T v = (xr[c] - m) * rs;                                                                     \
                    if (w) v *= w[c];                                                                           \
                    if (b) v += b[c];                                                                           \
                    yr[c] = v;                                                                                  \
                }                                                                                               \
            }                                                                                                   \
        }                                                                                                       \
    }

/* dx = rstd * (gw - mean(gw) - xhat * mean(gw * xhat)) with gw = g * w (no mean(gw) term for RMS norm). The
   parameter gradients are summed in the same pass over the rows, into per-thread partial sums added up at the
   end in thread order (a fixed order for a given thread count). Returns 0, or -1 when those ran out of memory. */
#define TB_LAYER_NORM_BACKWARD(NAME, T)                                                                         \
    TB_CLONES int NAME(const T *x, const T *w, const T *mean, const T *rstd, const T *g, T *dx, T *dw, T *db,   \
                       int64_t rows, int64_t cols, int rms) {                                                   \
        const int team = tb_parallel_ok(rows * cols) ? tb_get_num_threads() : 1;                                \
        const int64_t stride = 2 * cols + 64 / (int64_t)sizeof(T); /* a cache line apart: no line is shared */  \
        T *part = dw || db ? calloc((size_t)(team * stride), sizeof(T)) : NULL; /* (thread, dw|db, col) */     \
        if ((dw || db) && !part) return -1;                                                                     \
        TB_PRAGMA(omp parallel for schedule(static) num_threads(team))                                          \
        for (int64_t r = 0; r < rows; r++) {                                                                    \
            const T *xr = x + r * cols, *gr = g + r * cols;                                                     \
            const T m = rms ? 0 : mean[r], rs = rstd[r];                                                        \
            if (part) {                                                                                         \
                T *pw = part + omp_get_thread_num() * stride, *pb = pw + cols;                                  \
                _Pragma("omp simd")                                                                             \
                for (int64_t c = 0; c < cols; c++) {                                                            \
                    pw[c] += gr[c] * ((xr[c] - m) * rs);                                                        \
                    pb[c] += gr[c];                                                                             \
                }                                                                                               \
            }                                                                                                   \
            if (!dx) continue;                                                                                  \
            T *dr = dx + r * cols;                                                                              \
            T sg = 0, sgx = 0; /* in the row's type over the vector lanes, as the forward's statistics */       \
            if (w) { /* a loop per case: a NULL-or-not pointer inside the loop blocks vectorisation */         \
                _Pragma("omp simd reduction(+ : sg, sgx)")                                                      \
                for (int64_t c = 0; c < cols; c++) {                                                            \
                    T gw = gr[c] * w[c];                                                                        \
                    sg += gw;                                                                                   \
                    sgx += gw * ((xr[c] - m) * rs);                                                             \
                }                                                                                               \
            } else {                                                                                            \
                _Pragma("omp simd reduction(+ : sg, sgx)")                                                      \
                for (int64_t c = 0; c < cols; c++) {                                                            \
                    sg += gr[c];                                                                                \
                    sgx += gr[c] * ((xr[c] - m) * rs);                                                          \
                }                                                                                               \
            }                                                                                                   \
            T a = rms ? 0 : sg / (T)cols, k = sgx / (T)cols;                                                    \
            if (w) {                                                                                            \
                _Pragma("omp simd")                                                                             \
                for (int64_t c = 0; c < cols; c++) dr[c] = rs * (gr[c] * w[c] - a - (xr[c] - m) * rs * k);      \
            } else {                                                                                            \
                _Pragma("omp simd")                                                                             \
                for (int64_t c = 0; c < cols; c++) dr[c] = rs * (gr[c] - a - (xr[c] - m) * rs * k);             \
            }                                                                                                   \
        }                                                                                                       \
        for (int64_t c = 0; part && c < cols; c++) {                                                            \
            T sw = 0, sb = 0;                                                                                   \
            for (int t = 0; t < team; t++) {                                                                    \
                sw += part[t * stride + c];                                                                     \
                sb += part[t * stride + cols + c];                                                              \
            }                                                                                                   \
            if (dw) dw[c] = sw;                                                                                 \
            if (db) db[c] = sb;                                                                                 \
        }                                                                                                       \
        free(part);                                                                                             \
        return 0;                                                                                               \
    }

#define TB_BATCH_NORM_STATS(NAME, T)                                                                           \
    TB_CLONES void NAME(const T *x, T *mean, T *var, int64_t n, int64_t c, int64_t s) {                         \
        TB_PARALLEL_ROWS(n * c * s)                                                                             \
        for (int64_t ch = 0; ch < c; ch++) {                                                                    \
            double mu = 0, ss = 0;                                                                              \
            for (int64_t i = 0; i < n; i++) {                                                                   \
                const T *xp = x + (i * c + ch) * s;                                                             \
                _Pragma("omp simd reduction(+ : mu)")                                                           \
                for (int64_t k = 0; k < s; k++) mu += xp[k];                                                    \
            }                                                                                                   \
            mu /= (double)(n * s);                                                                              \
            for (int64_t i = 0; i < n; i++) {                                                                   \
                const T *xp = x + (i * c + ch) * s;                                                             \
                _Pragma("omp simd reduction(+ : ss)")                                                           \
                for (int64_t k = 0; k < s; k++) ss += ((double)xp[k] - mu) * ((double)xp[k] - mu);              \
            }                                                                                                   \
            mean[ch] = (T)mu;                                                                                   \
            var[ch] = (T)(ss / (double)(n * s));                                                                \
        }                                                                                                       \
    }

#define TB_CHANNEL_AFFINE(NAME, T)                                                                             \
    TB_CLONES void NAME(const T *x, const T *scale, const T *shift, T *y, int64_t n, int64_t c, int64_t s) {    \
        TB_PARALLEL_ROWS(n * c * s)                                                                             \
        for (int64_t j = 0; j < n * c; j++) {                                                                   \
            const T *xp = x + j * s;                                                                            \
            T *yp = y + j * s, a = scale[j % c], b = shift[j % c];                                              \
            _Pragma("omp simd")                                                                                 \
            for (int64_t k = 0; k < s; k++) yp[k] = xp[k] * a + b;                                              \
        }                                                                                                       \
    }

#define TB_BATCH_NORM_BACKWARD(NAME, T)                                                                        \
    TB_CLONES void NAME(const T *x, const T *w, const T *mean, const T *rstd, const T *g, T *dx, T *dw, T *db, int64_t n, \
              int64_t c, int64_t s) {                                                                           \
        TB_PARALLEL_ROWS(n * c * s)                                                                             \
        for (int64_t ch = 0; ch < c; ch++) {                                                                    \
            T m = mean[ch], rs = rstd[ch];                                                                      \
            T sg = 0, sgx = 0; /* in the row's type over the vector lanes, as the forward's statistics */       \
            for (int64_t i = 0; i < n; i++) {                                                                   \
                const T *xp = x + (i * c + ch) * s, *gp = g + (i * c + ch) * s;                                 \
                _Pragma("omp simd reduction(+ : sg, sgx)")                                                      \
                for (int64_t k = 0; k < s; k++) {                                                               \
                    sg += gp[k];                                                                                \
                    sgx += gp[k] * ((xp[k] - m) * rs);                                                          \
                }                                                                                               \
            }                                                                                                   \
            dw[ch] = (T)sgx;                                                                                    \
            db[ch] = (T)sg;                                                                                     \
            if (!dx) continue;                                                                                  \
            T wk = w ? w[ch] * rs : rs, a = (T)(sg / (double)(n * s)), b = (T)(sgx / (double)(n * s));          \
            for (int64_t i = 0; i < n; i++) {                                                                   \
                const T *xp = x + (i * c + ch) * s, *gp = g + (i * c + ch) * s;                                 \
                T *dp = dx + (i * c + ch) * s;                                                                  \
                _Pragma("omp simd")                                                                             \
                for (int64_t k = 0; k < s; k++) dp[k] = wk * (gp[k] - a - (xp[k] - m) * rs * b);                \
            }                                                                                                   \
        }                                                                                                       \
    }

TB_LAYER_NORM(tb_layer_norm_f32, float, sqrtf)
TB_LAYER_NORM(tb_layer_norm_f64, double, sqrt)
TB_LAYER_NORM_BACKWARD(tb_layer_norm_backward_f32, float)
TB_LAYER_NORM_BACKWARD(tb_layer_norm_backward_f64, double)
TB_BATCH_NORM_STATS(tb_batch_norm_stats_f32, float)
TB_BATCH_NORM_STATS(tb_batch_norm_stats_f64, double)
TB_CHANNEL_AFFINE(tb_channel_affine_f32, float)
TB_CHANNEL_AFFINE(tb_channel_affine_f64, double)
TB_BATCH_NORM_BACKWARD(tb_batch_norm_backward_f32, float)
TB_BATCH_NORM_BACKWARD(tb_batch_norm_backward_f64, double)
