/* Max and average pooling, forward and backward, one plane per loop iteration (planes run in parallel). */
#include "pool.h"

#include <math.h>
#include <string.h>

#include "omp_loop.h"

/* A window's first and one-past-last positions inside [0, size) along one axis, stepping by dil from start. */
static inline void tb_window(int64_t start, int64_t k, int64_t dil, int64_t size, int64_t *lo, int64_t *hi) {
    int64_t a = start, b = start + (k - 1) * dil + 1;
    if (a < 0) a += (-a + dil - 1) / dil * dil;
    if (b > size) b = size;
    *lo = a;
    *hi = b;
}

/* Average pooling's divisor for one window (PyTorch's rule: padding counts, the ceil_mode overhang does not). */
static inline int64_t tb_pool_size(int64_t y, int64_t x, const int64_t *geo, int64_t h, int64_t w, int include,
                                   int64_t divisor) {
    if (divisor > 0) return divisor;
    int64_t ys = y * geo[2] - geo[4], xs = x * geo[3] - geo[5];
    int64_t ye = ys + geo[0], xe = xs + geo[1];
    if (ye > h + geo[4]) ye = h + geo[4];
    if (xe > w + geo[5]) xe = w + geo[5];
    if (include) return (ye - ys) * (xe - xs);
    if (ys < 0) ys = 0;
    if (xs < 0) xs = 0;
    if (ye > h) ye = h;
    if (xe > w) xe = w;
    return (ye - ys) * (xe - xs);
}

/* Folds v at flat position pos into a running window maximum without a branch: NaN wins (so the last NaN keeps
   its place) and a tie keeps the earlier position. The mask is as wide as the position, so loops vectorise. */
#define TB_MAX_TAKE(best, at, v, pos)                               \
    do {                                                            \
        const __typeof__(at) take_ = ((v) > (best)) | ((v) != (v)); \
        (best) = take_ ? (v) : (best);                              \
        (at) = take_ ? (pos) : (at);                                \
    } while (0)

/* The first output column (ca) and one past the last (cb) whose windows lie wholly inside [0, size): their columns
   need no clipping, so a whole run of them is pooled at once. */
static inline void tb_interior(int64_t k, int64_t s, int64_t pad, int64_t dil, int64_t size, int64_t out,
                               int64_t *ca, int64_t *cb) {
    int64_t a = (pad + s - 1) / s, last = size - 1 - (k - 1) * dil + pad;
    int64_t b = last < 0 ? 0 : last / s + 1;
    if (a > out) a = out;
    if (b > out) b = out;
    *ca = a;
    *cb = b < a ? a : b;
}

/* One window element (row offset src, flat position pos0) folded into n consecutive interior outputs whose windows
   start `stride` apart. Positions are kept in I, an integer as wide as T, so the branchless loop vectorises (stride
   is a constant where the caller inlines it). */
#define TB_MAX_RUN(NAME, T, I)                                                                                \
    static inline void NAME(const T *restrict src, int64_t n, int64_t stride, I pos0, T *restrict best,       \
                            I *restrict at) {                                                                 \
        for (int64_t q = 0; q < n; q++) {                                                                     \
            const T v = src[q * stride];                                                                      \
            TB_MAX_TAKE(best[q], at[q], v, pos0 + (I)q * (I)stride);                                          \
        }                                                                                                     \
    }

/* Up to this many interior outputs of one row are pooled together in stack buffers. */
#define TB_MAX_CHUNK 128

/* Interior columns [c0's output, + n) of one output row (o, ix): start from each window's first element, then fold
   in the rest in row-major order, one element across a chunk of outputs at a time (the order of a window-by-window
   scan). Flat positions must fit I (the caller checks h * w). */
#define TB_MAX_ROW(NAME, RUN, T, I)                                                                           \
    static inline void NAME(const T *plane, int64_t w, int64_t y0, int64_t y1, int64_t dh, int64_t kw,        \
                            int64_t dw, int64_t sw, int64_t c0, int64_t n, T *restrict o,                     \
                            int64_t *restrict ix) {                                                           \
        T best[TB_MAX_CHUNK];                                                                                 \
        I at[TB_MAX_CHUNK];                                                                                   \
        for (int64_t q0 = 0; q0 < n; q0 += TB_MAX_CHUNK) {                                                    \
            const int64_t m = n - q0 < TB_MAX_CHUNK ? n - q0 : TB_MAX_CHUNK, first = y0 * w + c0 + q0 * sw;   \
            for (int64_t q = 0; q < m; q++) {                                                                 \
                best[q] = plane[first + q * sw];                                                              \
                at[q] = (I)(first + q * sw);                                                                  \
            }                                                                                                 \
            for (int64_t r = y0; r < y1; r += dh)                                                             \
                for (int64_t j = (r == y0); j < kw; j++) {                                                    \
                    const int64_t pos = r * w + c0 + q0 * sw + j * dw;                                        \
                    if (sw == 1)                                                                              \
                        RUN(plane + pos, m, 1, (I)pos, best, at);                                             \
                    else if (sw == 2)                                                                         \
                        RUN(plane + pos, m, 2, (I)pos, best, at);                                             \
                    else                                                                                      \
                        RUN(plane + pos, m, sw, (I)pos, best, at);                                            \
                }                                                                                             \
            for (int64_t q = 0; q < m; q++) {                                                                 \
                o[q0 + q] = best[q];                                                                          \
                ix[q0 + q] = at[q];                                                                           \
            }                                                                                                 \
        }                                                                                                     \
    }

/* A 2x2 window at stride 2 (dilation 1, both rows inside x) over n interior outputs of one row: each output's four
   values in one pass, the loop LeNet-style networks spend their pooling time in. */
#define TB_MAX_ROW22(NAME, T, I)                                                                              \
    static inline void NAME(const T *restrict plane, int64_t w, int64_t y0, int64_t c0, int64_t n,            \
                            T *restrict o, int64_t *restrict ix) {                                            \
        const T *restrict a = plane + y0 * w + c0, *restrict b = a + w;                                       \
        const I base = (I)(y0 * w + c0);                                                                      \
        for (int64_t q = 0; q < n; q++) {                                                                     \
            T best = a[2 * q];                                                                                \
            I at = base + 2 * (I)q;                                                                           \
            TB_MAX_TAKE(best, at, a[2 * q + 1], at + 1);                                                      \
            TB_MAX_TAKE(best, at, b[2 * q], base + 2 * (I)q + (I)w);                                          \
            TB_MAX_TAKE(best, at, b[2 * q + 1], base + 2 * (I)q + (I)w + 1);                                  \
            o[q] = best;                                                                                      \
            ix[q] = at;                                                                                       \
        }                                                                                                     \
    }

#define TB_MAX_POOL(NAME, ROW, ROW22, T)                                                                      \
    void NAME(const T *x, int64_t p, int64_t h, int64_t w, const int64_t *geo, T *out, int64_t *idx) {        \
        const int64_t kh = geo[0], kw = geo[1], sh = geo[2], sw = geo[3], ph = geo[4], pw = geo[5];           \
        const int64_t dh = geo[6], dw = geo[7], oh = geo[8], ow = geo[9];                                     \
        const int fast22 = kh == 2 && kw == 2 && sw == 2 && dh == 1 && dw == 1;                               \
        int64_t ca, cb;                                                                                       \
        tb_interior(kw, sw, pw, dw, w, ow, &ca, &cb);                                                         \
        TB_PARALLEL_ROWS(p * oh * ow * kh * kw)                                                               \
        for (int64_t pl = 0; pl < p; pl++) {                                                                  \
            const T *plane = x + pl * h * w;                                                                  \
            T *o = out + pl * oh * ow;                                                                        \
            int64_t *ix = idx + pl * oh * ow;                                                                 \
            for (int64_t y = 0; y < oh; y++) {                                                                \
                int64_t y0, y1;                                                                               \
                tb_window(y * sh - ph, kh, dh, h, &y0, &y1);                                                  \
                if (cb > ca && h * w <= INT32_MAX && fast22 && y1 - y0 == 2)                                  \
                    ROW22(plane, w, y0, ca * 2 - pw, cb - ca, o + y * ow + ca, ix + y * ow + ca);             \
                else if (cb > ca && h * w <= INT32_MAX)                                                       \
                    ROW(plane, w, y0, y1, dh, kw, dw, sw, ca * sw - pw, cb - ca, o + y * ow + ca,             \
                        ix + y * ow + ca);                                                                    \
                for (int64_t q = 0; q < ow; q++) {                                                            \
                    if (q == ca) q = cb;                                                                      \
                    if (q >= ow) break;                                                                       \
                    int64_t x0, x1;                                                                           \
                    tb_window(q * sw - pw, kw, dw, w, &x0, &x1);                                              \
                    T best = -INFINITY;                                                                       \
                    int64_t at = y0 * w + x0;                                                                 \
                    for (int64_t r = y0; r < y1; r += dh)                                                     \
                        for (int64_t c = x0; c < x1; c += dw) TB_MAX_TAKE(best, at, plane[r * w + c], r * w + c); \
                    o[y * ow + q] = best;                                                                     \
                    ix[y * ow + q] = at;                                                                      \
                }                                                                                             \
            }                                                                                                 \
        }                                                                                                     \
    }

#define TB_MAX_POOL_BACKWARD(NAME, T)                                                                         \
    int64_t NAME(const T *g, const int64_t *idx, int64_t p, int64_t len, int64_t hw, T *gx) {                 \
        int64_t bad = 0;                                                                                      \
        TB_PRAGMA(omp parallel for schedule(static) reduction(+ : bad) if (tb_parallel_ok(p * (len + hw)))    \
                      num_threads(tb_get_num_threads()))                                                      \
        for (int64_t pl = 0; pl < p; pl++) {                                                                  \
            T *dst = gx + pl * hw;                                                                            \
            const T *src = g + pl * len;                                                                      \
            const int64_t *ix = idx + pl * len;                                                               \
            memset(dst, 0, (size_t)hw * sizeof(T));                                                           \
            for (int64_t j = 0; j < len; j++) {                                                               \
                const int64_t at = ix[j];                                                                     \
                if (at < 0 || at >= hw) {                                                                     \
                    bad++;                                                                                    \
                    continue;                                                                                 \
                }                                                                                             \
                dst[at] += src[j];                                                                            \
            }                                                                                                 \
        }                                                                                                     \
        return bad;                                                                                           \
    }

#define TB_AVG_POOL(NAME, T)                                                                                  \
    void NAME(const T *x, int64_t p, int64_t h, int64_t w, const int64_t *geo, int count_include_pad,         \
              int64_t divisor, T *out) {                                                                      \
        const int64_t kh = geo[0], kw = geo[1], sh = geo[2], sw = geo[3], ph = geo[4], pw = geo[5];           \
        const int64_t oh = geo[8], ow = geo[9];                                                               \
        TB_PARALLEL_ROWS(p * oh * ow * kh * kw)                                                               \
        for (int64_t pl = 0; pl < p; pl++) {                                                                  \
            const T *plane = x + pl * h * w;                                                                  \
            T *o = out + pl * oh * ow;                                                                        \
            for (int64_t y = 0; y < oh; y++) {                                                                \
                int64_t y0, y1;                                                                               \
                tb_window(y * sh - ph, kh, 1, h, &y0, &y1);                                                   \
                for (int64_t q = 0; q < ow; q++) {                                                            \
                    int64_t x0, x1;                                                                           \
                    tb_window(q * sw - pw, kw, 1, w, &x0, &x1);                                               \
                    T sum = 0;                                                                                \
                    for (int64_t r = y0; r < y1; r++)                                                         \
                        for (int64_t c = x0; c < x1; c++) sum += plane[r * w + c];                            \
                    o[y * ow + q] = sum / (T)tb_pool_size(y, q, geo, h, w, count_include_pad, divisor);       \
                }                                                                                             \
            }                                                                                                 \
        }                                                                                                     \
    }

#define TB_AVG_POOL_BACKWARD(NAME, T)                                                                         \
    void NAME(const T *g, int64_t p, int64_t h, int64_t w, const int64_t *geo, int count_include_pad,         \
              int64_t divisor, T *gx) {                                                                       \
        const int64_t kh = geo[0], kw = geo[1], sh = geo[2], sw = geo[3], ph = geo[4], pw = geo[5];           \
        const int64_t oh = geo[8], ow = geo[9];                                                               \
        TB_PARALLEL_ROWS(p * oh * ow * kh * kw)                                                               \
        for (int64_t pl = 0; pl < p; pl++) {                                                                  \
            T *plane = gx + pl * h * w;                                                                       \
            const T *src = g + pl * oh * ow;                                                                  \
            memset(plane, 0, (size_t)(h * w) * sizeof(T));                                                    \
            for (int64_t y = 0; y < oh; y++) {                                                                \
                int64_t y0, y1;                                                                               \
                tb_window(y * sh - ph, kh, 1, h, &y0, &y1);                                                   \
                for (int64_t q = 0; q < ow; q++) {                                                            \
                    int64_t x0, x1;                                                                           \
                    tb_window(q * sw - pw, kw, 1, w, &x0, &x1);                                               \
                    const T v = src[y * ow + q] / (T)tb_pool_size(y, q, geo, h, w, count_include_pad, divisor); \
                    for (int64_t r = y0; r < y1; r++)                                                         \
                        for (int64_t c = x0; c < x1; c++) plane[r * w + c] += v;                              \
                }                                                                                             \
            }                                                                                                 \
        }                                                                                                     \
    }

TB_MAX_RUN(tb_max_run_f32, float, int32_t)
TB_MAX_RUN(tb_max_run_f64, double, int64_t)
TB_MAX_ROW(tb_max_row_f32, tb_max_run_f32, float, int32_t)
TB_MAX_ROW(tb_max_row_f64, tb_max_run_f64, double, int64_t)
TB_MAX_ROW22(tb_max_row22_f32, float, int32_t)
TB_MAX_ROW22(tb_max_row22_f64, double, int64_t)
TB_MAX_POOL(tb_max_pool2d_f32, tb_max_row_f32, tb_max_row22_f32, float)
TB_MAX_POOL(tb_max_pool2d_f64, tb_max_row_f64, tb_max_row22_f64, double)
TB_MAX_POOL_BACKWARD(tb_max_pool2d_backward_f32, float)
TB_MAX_POOL_BACKWARD(tb_max_pool2d_backward_f64, double)
TB_AVG_POOL(tb_avg_pool2d_f32, float)
TB_AVG_POOL(tb_avg_pool2d_f64, double)
TB_AVG_POOL_BACKWARD(tb_avg_pool2d_backward_f32, float)
TB_AVG_POOL_BACKWARD(tb_avg_pool2d_backward_f64, double)
