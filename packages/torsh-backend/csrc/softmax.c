/* Softmax rows: max, exp and sum in one pass over the shifted row, then a scaling pass; rows in parallel.
   float32 uses the vectorisable tb_expf_nonpositive (every argument is shifted by the row max, so it is <= 0, or
   NaN); sums are accumulated in the row's type by several lanes. */
#include "softmax.h"

#include <math.h>
#include <omp.h>
#include <stdlib.h>

#include "fastexp.h"
#include "omp_loop.h"

static inline double tb_exp_f64(double x) { return exp(x); }

/* Compiled for x86-64-v4 (AVX-512), x86-64-v3 (AVX2+FMA) and the SSE2 baseline, picked at load time. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__SANITIZE_ADDRESS__)
#define TB_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define TB_CLONES
#endif

#define TB_SOFTMAX(NAME, T, EXP, LOG)                                                  \
    TB_CLONES void NAME(const T *x, T *y, int64_t rows, int64_t cols, int take_log) {  \
        TB_PARALLEL_ROWS(rows * cols)                                                  \
        for (int64_t r = 0; r < rows; r++) {                                           \
            const T *xr = x + r * cols;                                                \
            T *yr = y + r * cols;                                                      \
            T m = -INFINITY;                                                           \
            _Pragma("omp simd reduction(max : m)")                                     \
            for (int64_t c = 0; c < cols; c++) m = xr[c] > m ? xr[c] : m;              \
            if (!isfinite(m)) { /* all -inf, or an inf: NaN, as PyTorch */             \
                for (int64_t c = 0; c < cols; c++) yr[c] = NAN;                        \
                continue;                                                              \
            }                                                                          \
            T s = 0;                                                                   \
            if (take_log) {                                                                 \
                _Pragma("omp simd reduction(+ : s)")                                   \
                for (int64_t c = 0; c < cols; c++) s += EXP(xr[c] - m);                \
                T shift = m + LOG(s);                                                  \
                _Pragma("omp simd")                                                    \
                for (int64_t c = 0; c < cols; c++) yr[c] = xr[c] - shift;              \
            } else {                                                                   \
                _Pragma("omp simd reduction(+ : s)")                                   \
                for (int64_t c = 0; c < cols; c++) {                                   \
                    T e = EXP(xr[c] - m);                                              \
                    yr[c] = e;                                                         \
                    s += e;                                                            \
                }                                                                      \
                T inv = (T)1 / s;                                                      \
                if (s == 0 || !isfinite(s)) inv = NAN;                                 \
                _Pragma("omp simd")                                                    \
                for (int64_t c = 0; c < cols; c++) yr[c] *= inv;                       \
            }                                                                          \
        }                                                                              \
    }

#define TB_SOFTMAX_BACKWARD(NAME, T, EXP)                                                     \
    TB_CLONES void NAME(const T *y, const T *g, T *dx, int64_t rows, int64_t cols, int take_log) { \
        TB_PARALLEL_ROWS(rows * cols)                                                         \
        for (int64_t r = 0; r < rows; r++) {                                                  \
            const T *yr = y + r * cols, *gr = g + r * cols;                                   \
            T *dr = dx + r * cols;                                                            \
            T s = 0;                                                                          \
            if (take_log) {                                                                        \
                _Pragma("omp simd reduction(+ : s)")                                          \
                for (int64_t c = 0; c < cols; c++) s += gr[c];                                \
                _Pragma("omp simd")                                                           \
                for (int64_t c = 0; c < cols; c++) dr[c] = gr[c] - EXP(yr[c]) * s;            \
            } else {                                                                          \
                _Pragma("omp simd reduction(+ : s)")                                          \
                for (int64_t c = 0; c < cols; c++) s += gr[c] * yr[c];                        \
                _Pragma("omp simd")                                                           \
                for (int64_t c = 0; c < cols; c++) dr[c] = yr[c] * (gr[c] - s);               \
            }                                                                                 \
        }                                                                                     \
    }

#define TB_EXP_SCALE_ROWS(NAME, T, EXP)                                                  \
    TB_CLONES void NAME(const T *logp, const T *scale, T *dx, int64_t rows, int64_t cols) { \
        TB_PARALLEL_ROWS(rows * cols)                                                    \
        for (int64_t r = 0; r < rows; r++) {                                             \
            const T *lr = logp + r * cols;                                               \
            T *dr = dx + r * cols, k = scale[r];                                         \
            _Pragma("omp simd")                                                          \
            for (int64_t c = 0; c < cols; c++) dr[c] = EXP(lr[c]) * k;                   \
        }                                                                                \
    }

/* The same along an axis that is not the last: x is (outer, len, inner). With at least as many slices as threads,
   a slice is one thread's, taken in blocks of up to TB_BLOCK inner positions whose running max and sum sit in small
   arrays, so every pass reads whole contiguous runs of inner elements (no transposed copy). With fewer slices the
   team splits each slice's rows (the _rows helpers). Splitting its columns instead left two cores writing
   neighbouring pieces of every row: on (1000, 128) that ran twice as slow as one core. */
#define TB_BLOCK 64

/* k[c] = the sum of the team's partial column sums part[t * inner + c], in thread order (the _rows helpers). */
#define TB_SUM_PARTS(T, k, part, parts, inner)                                        \
    for (int64_t c_ = 0; c_ < (inner); c_++) {                                        \
        T v_ = 0;                                                                     \
        for (int64_t t_ = 0; t_ < (parts); t_++) v_ += (part)[t_ * (inner) + c_];     \
        (k)[c_] = v_;                                                                 \
    }

/* The passes over rows [l0, l1) of a w-wide run of a slice (row stride inner): column maxima into m, exponentials
   (written unless take_log) summed into s, then the scaling by k (1 / sum, or for log_softmax max + log sum). They
   are inlined into _block with a constant w (TB_BLOCK, or one cache line of elements) wherever the run allows, so
   that the block's running max and sum stay in registers, and into _rows over whole rows. */
#define TB_SOFTMAX_INNER(NAME, T, EXP, LOG)                                                              \
    TB_ALWAYS_INLINE static inline void NAME##_max(const T *xo, int64_t inner, int64_t l0, int64_t l1,    \
                                                   int64_t w, T *m) {                                     \
        for (int64_t l = l0; l < l1; l++) {                                                                \
            const T *xr = xo + l * inner;                                                                  \
            _Pragma("omp simd")                                                                            \
            for (int64_t c = 0; c < w; c++) m[c] = xr[c] > m[c] ? xr[c] : m[c];                            \
        }                                                                                                  \
    }                                                                                                      \
    TB_ALWAYS_INLINE static inline void NAME##_exp_sum(const T *xo, T *yo, int64_t inner, int64_t l0,     \
                                                       int64_t l1, int64_t w, const T *m, T *s,           \
                                                       int take_log) {                                    \
        for (int64_t l = l0; l < l1; l++) {                                                                \
            const T *xr = xo + l * inner;                                                                  \
            T *yr = yo + l * inner;                                                                        \
            if (take_log) {                                                                                \
                _Pragma("omp simd")                                                                        \
                for (int64_t c = 0; c < w; c++) s[c] += EXP(xr[c] - m[c]);                                 \
            } else {                                                                                       \
                _Pragma("omp simd")                                                                        \
                for (int64_t c = 0; c < w; c++) {                                                          \
                    yr[c] = EXP(xr[c] - m[c]);                                                             \
                    s[c] += yr[c];                                                                         \
                }                                                                                          \
            }                                                                                              \
        }                                                                                                  \
    }                                                                                                      \
    /* k = what _scale applies, from the (NaN-marked) maxima and the sums; k may be s */                    \
    TB_ALWAYS_INLINE static inline void NAME##_finish(const T *m, const T *s, T *k, int64_t w,            \
                                                      int take_log) {                                     \
        for (int64_t c = 0; c < w; c++)                                                                    \
            k[c] = take_log ? m[c] + LOG(s[c]) : (s[c] == 0 || !isfinite(s[c])) ? NAN : (T)1 / s[c];       \
    }                                                                                                      \
    TB_ALWAYS_INLINE static inline void NAME##_scale(const T *xo, T *yo, int64_t inner, int64_t l0,       \
                                                     int64_t l1, int64_t w, const T *k, int take_log) {   \
        for (int64_t l = l0; l < l1; l++) {                                                                \
            const T *xr = xo + l * inner;                                                                  \
            T *yr = yo + l * inner;                                                                        \
            if (take_log) {                                                                                \
                _Pragma("omp simd")                                                                        \
                for (int64_t c = 0; c < w; c++) yr[c] = xr[c] - k[c];                                      \
            } else {                                                                                       \
                _Pragma("omp simd")                                                                        \
                for (int64_t c = 0; c < w; c++) yr[c] *= k[c];                                             \
            }                                                                                              \
        }                                                                                                  \
    }                                                                                                      \
    TB_ALWAYS_INLINE static inline void NAME##_block(const T *xo, T *yo, int64_t len, int64_t inner,      \
                                                     int64_t w, int take_log) {                           \
        T m[TB_BLOCK], s[TB_BLOCK];                                                                        \
        for (int64_t c = 0; c < w; c++) m[c] = -INFINITY, s[c] = 0;                                        \
        NAME##_max(xo, inner, 0, len, w, m);                                                               \
        for (int64_t c = 0; c < w; c++) m[c] = isfinite(m[c]) ? m[c] : NAN; /* NaN, as rows */            \
        NAME##_exp_sum(xo, yo, inner, 0, len, w, m, s, take_log);                                          \
        NAME##_finish(m, s, s, w, take_log);                                                               \
        NAME##_scale(xo, yo, inner, 0, len, w, s, take_log);                                               \
    }                                                                                                      \
    /* rows [lo, hi) of each slice per thread: column maxima, then sums (in a shared (team, inner) scratch), each   \
       combined by every thread in the same order after a barrier; -1 when the scratch cannot be had */            \
    static TB_CLONES int NAME##_rows(const T *x, T *y, int64_t outer, int64_t len, int64_t inner, int take_log,  \
                                     int64_t team) {                                                          \
        T *scratch = malloc((size_t)(4 * team * inner) * sizeof(T));                                       \
        if (!scratch) return -1;                                                                           \
        TB_PRAGMA(omp parallel num_threads(team))                                                          \
        {                                                                                                  \
            TB_MY_SHARE(len, lo, hi);                                                                      \
            T *pm = scratch, *ps = scratch + team * inner, *m = pm + tb_me * inner, *s = ps + tb_me * inner;     \
            T *mm = scratch + (2 * team + 2 * tb_me) * inner, *k = mm + inner; /* this thread's combined ones */ \
            for (int64_t o = 0; o < outer; o++) {                                                          \
                const T *xo = x + o * len * inner;                                                         \
                T *yo = y + o * len * inner;                                                               \
                for (int64_t c = 0; c < inner; c++) m[c] = -INFINITY, s[c] = 0;                            \
                NAME##_max(xo, inner, lo, hi, inner, m);                                                   \
                TB_PRAGMA(omp barrier)                                                                     \
                for (int64_t c = 0; c < inner; c++) {                                                      \
                    T v = -INFINITY;                                                                       \
                    for (int64_t t = 0; t < tb_parts; t++) v = pm[t * inner + c] > v ? pm[t * inner + c] : v; \
                    mm[c] = isfinite(v) ? v : NAN; /* NaN, as rows */                                      \
                }                                                                                          \
                NAME##_exp_sum(xo, yo, inner, lo, hi, inner, mm, s, take_log);                             \
                TB_PRAGMA(omp barrier)                                                                     \
                TB_SUM_PARTS(T, k, ps, tb_parts, inner);                                                   \
                NAME##_finish(mm, k, k, inner, take_log);                                                  \
                NAME##_scale(xo, yo, inner, lo, hi, inner, k, take_log);                                   \
                TB_PRAGMA(omp barrier) /* the scratch is reused by the next slice */                       \
            }                                                                                              \
        }                                                                                                  \
        free(scratch);                                                                                     \
        return 0;                                                                                          \
    }                                                                                                      \
    TB_CLONES void NAME(const T *x, T *y, int64_t outer, int64_t len, int64_t inner, int take_log) {    \
        const int64_t team = tb_parallel_ok(outer * len * inner) ? tb_get_num_threads() : 1;               \
        if (outer < team && NAME##_rows(x, y, outer, len, inner, take_log, team) == 0) return;            \
        TB_PRAGMA(omp parallel for schedule(static) num_threads(team))                                     \
        for (int64_t t = 0; t < outer; t++)                                                                \
            for (int64_t c0 = 0, w; c0 < inner; c0 += w) { /* constant widths where possible */            \
                const int64_t off = t * len * inner + c0, line = 64 / (int64_t)sizeof(T);                  \
                w = inner - c0 >= TB_BLOCK ? TB_BLOCK : inner - c0 >= line ? line : inner - c0;            \
                if (w == TB_BLOCK)                                                                         \
                    NAME##_block(x + off, y + off, len, inner, TB_BLOCK, take_log);                        \
                else if (w == line)                                                                        \
                    NAME##_block(x + off, y + off, len, inner, 64 / (int64_t)sizeof(T), take_log);         \
                else                                                                                       \
                    NAME##_block(x + off, y + off, len, inner, w, take_log);                               \
            }                                                                                              \
    }

/* The backward's passes over rows [l0, l1): s = the column sums of g * y (of g for log_softmax), then dx. */
#define TB_SOFTMAX_INNER_BACKWARD(NAME, T, EXP)                                                          \
    TB_ALWAYS_INLINE static inline void NAME##_dot(const T *yo, const T *go, int64_t inner, int64_t l0,   \
                                                   int64_t l1, int64_t w, T *s, int take_log) {           \
        for (int64_t l = l0; l < l1; l++) {                                                                \
            const T *yr = yo + l * inner, *gr = go + l * inner;                                            \
            if (take_log) {                                                                                \
                _Pragma("omp simd")                                                                        \
                for (int64_t c = 0; c < w; c++) s[c] += gr[c];                                             \
            } else {                                                                                       \
                _Pragma("omp simd")                                                                        \
                for (int64_t c = 0; c < w; c++) s[c] += gr[c] * yr[c];                                     \
            }                                                                                              \
        }                                                                                                  \
    }                                                                                                      \
    TB_ALWAYS_INLINE static inline void NAME##_grad(const T *yo, const T *go, T *dxo, int64_t inner,      \
                                                    int64_t l0, int64_t l1, int64_t w, const T *s,        \
                                                    int take_log) {                                       \
        for (int64_t l = l0; l < l1; l++) {                                                                \
            const T *yr = yo + l * inner, *gr = go + l * inner;                                            \
            T *dr = dxo + l * inner;                                                                       \
            if (take_log) {                                                                                \
                _Pragma("omp simd")                                                                        \
                for (int64_t c = 0; c < w; c++) dr[c] = gr[c] - EXP(yr[c]) * s[c];                         \
            } else {                                                                                       \
                _Pragma("omp simd")                                                                        \
                for (int64_t c = 0; c < w; c++) dr[c] = yr[c] * (gr[c] - s[c]);                            \
            }                                                                                              \
        }                                                                                                  \
    }                                                                                                      \
    /* rows [lo, hi) of each slice per thread, as the forward's _rows: column sums, combined after a barrier */  \
    static TB_CLONES int NAME##_rows(const T *y, const T *g, T *dx, int64_t outer, int64_t len, int64_t inner, \
                                     int take_log, int64_t team) {                                            \
        T *scratch = malloc((size_t)(2 * team * inner) * sizeof(T));                                       \
        if (!scratch) return -1;                                                                           \
        TB_PRAGMA(omp parallel num_threads(team))                                                          \
        {                                                                                                  \
            TB_MY_SHARE(len, lo, hi);                                                                      \
            T *s = scratch + tb_me * inner, *k = scratch + (team + tb_me) * inner;                               \
            for (int64_t o = 0; o < outer; o++) {                                                          \
                const int64_t off = o * len * inner;                                                       \
                for (int64_t c = 0; c < inner; c++) s[c] = 0;                                              \
                NAME##_dot(y + off, g + off, inner, lo, hi, inner, s, take_log);                           \
                TB_PRAGMA(omp barrier)                                                                     \
                TB_SUM_PARTS(T, k, scratch, tb_parts, inner);                                              \
                NAME##_grad(y + off, g + off, dx + off, inner, lo, hi, inner, k, take_log);                \
                TB_PRAGMA(omp barrier) /* the scratch is reused by the next slice */                       \
            }                                                                                              \
        }                                                                                                  \
        free(scratch);                                                                                     \
        return 0;                                                                                          \
    }                                                                                                      \
    TB_CLONES void NAME(const T *y, const T *g, T *dx, int64_t outer, int64_t len, int64_t inner,        \
                        int take_log) {                                                                  \
        const int64_t team = tb_parallel_ok(outer * len * inner) ? tb_get_num_threads() : 1;               \
        if (outer < team && NAME##_rows(y, g, dx, outer, len, inner, take_log, team) == 0) return;        \
        TB_PRAGMA(omp parallel for schedule(static) num_threads(team))                                     \
        for (int64_t t = 0; t < outer; t++)                                                                \
            for (int64_t c0 = 0; c0 < inner; c0 += TB_BLOCK) { /* no running state to keep in registers */ \
                const int64_t off = t * len * inner + c0, w = inner - c0 < TB_BLOCK ? inner - c0 : TB_BLOCK; \
                T s[TB_BLOCK] = {0};                                                                       \
                NAME##_dot(y + off, g + off, inner, 0, len, w, s, take_log);                               \
                NAME##_grad(y + off, g + off, dx + off, inner, 0, len, w, s, take_log);                    \
            }                                                                                              \
    }

/* Cross entropy of logits rows against class indices, without storing log-probabilities: per row the max and
   the sum of exponentials give lse = log sum exp x; loss = lse - x[t] (0 for an ignored row). The backward
   recomputes exp(x - lse) in its one pass. */
#define TB_CROSS_ENTROPY(NAME, BACKWARD, T, EXP, LOG)                                                     \
    TB_CLONES void NAME(const T *x, const int64_t *t, T *lse, T *loss, int64_t rows, int64_t cols,        \
                        int64_t ignore) {                                                                  \
        TB_PARALLEL_ROWS(rows * cols)                                                                      \
        for (int64_t r = 0; r < rows; r++) {                                                               \
            const T *xr = x + r * cols;                                                                    \
            T m = -INFINITY, s = 0;                                                                        \
            _Pragma("omp simd reduction(max : m)")                                                         \
            for (int64_t c = 0; c < cols; c++) m = xr[c] > m ? xr[c] : m;                                  \
            const T shift = isfinite(m) ? m : NAN; /* an all -inf or +inf row: NaN, as PyTorch */          \
            _Pragma("omp simd reduction(+ : s)")                                                           \
            for (int64_t c = 0; c < cols; c++) s += EXP(xr[c] - shift);                                    \
            lse[r] = shift + LOG(s);                                                                       \
            loss[r] = t[r] == ignore ? 0 : lse[r] - xr[t[r]];                                              \
        }                                                                                                  \
    }                                                                                                      \
    TB_CLONES void BACKWARD(const T *x, const int64_t *t, const T *lse, const T *scale, T *dx, int64_t rows, \
                            int64_t cols, int64_t ignore) {                                                \
        TB_PARALLEL_ROWS(rows * cols)                                                                      \
        for (int64_t r = 0; r < rows; r++) {                                                               \
            const T *xr = x + r * cols, l = lse[r], k = t[r] == ignore ? 0 : scale[r];                     \
            T *dr = dx + r * cols;                                                                         \
            _Pragma("omp simd")                                                                            \
            for (int64_t c = 0; c < cols; c++) dr[c] = EXP(xr[c] - l) * k;                                 \
            if (t[r] != ignore) dr[t[r]] -= k;                                                             \
        }                                                                                                  \
    }

TB_SOFTMAX(tb_softmax_f32, float, tb_expf_nonpositive, logf)
TB_SOFTMAX(tb_softmax_f64, double, tb_exp_f64, log)
TB_SOFTMAX_BACKWARD(tb_softmax_backward_f32, float, tb_expf_nonpositive)
TB_SOFTMAX_BACKWARD(tb_softmax_backward_f64, double, tb_exp_f64)
TB_EXP_SCALE_ROWS(tb_exp_scale_rows_f32, float, tb_expf_nonpositive)
TB_EXP_SCALE_ROWS(tb_exp_scale_rows_f64, double, tb_exp_f64)
TB_SOFTMAX_INNER(tb_softmax_inner_f32, float, tb_expf_nonpositive, logf)
TB_SOFTMAX_INNER(tb_softmax_inner_f64, double, tb_exp_f64, log)
TB_SOFTMAX_INNER_BACKWARD(tb_softmax_inner_backward_f32, float, tb_expf_nonpositive)
TB_SOFTMAX_INNER_BACKWARD(tb_softmax_inner_backward_f64, double, tb_exp_f64)
TB_CROSS_ENTROPY(tb_cross_entropy_f32, tb_cross_entropy_backward_f32, float, tb_expf_nonpositive, logf)
TB_CROSS_ENTROPY(tb_cross_entropy_f64, tb_cross_entropy_backward_f64, double, tb_exp_f64, log)
