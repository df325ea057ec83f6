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

#define TB_MAX_POOL(NAME, T)                                                                                  \
    void NAME(const T *x, int64_t p, int64_t h, int64_t w, const int64_t *geo, T *out, int64_t *idx) {        \
        const int64_t kh = geo[0], kw = geo[1], sh = geo[2], sw = geo[3], ph = geo[4], pw = geo[5];           \
        const int64_t dh = geo[6], dw = geo[7], oh = geo[8], ow = geo[9];                                     \
        TB_PARALLEL_ROWS(p * oh * ow * kh * kw)                                                               \
        for (int64_t pl = 0; pl < p; pl++) {                                                                  \
            const T *plane = x + pl * h * w;                                                                  \
            T *o = out + pl * oh * ow;                                                                        \
            int64_t *ix = idx + pl * oh * ow;                                                                 \
            for (int64_t y = 0; y < oh; y++) {                                                                \
                int64_t y0, y1;                                                                               \
                tb_window(y * sh - ph, kh, dh, h, &y0, &y1);                                                  \
                for (int64_t q = 0; q < ow; q++) {                                                            \
                    int64_t x0, x1;                                                                           \
                    tb_window(q * sw - pw, kw, dw, w, &x0, &x1);                                              \
                    T best = -INFINITY;                                                                       \
                    int64_t at = y0 * w + x0;                                                                 \
                    for (int64_t r = y0; r < y1; r += dh) {                                                   \
                        for (int64_t c = x0; c < x1; c += dw) {                                               \
                            const T v = plane[r * w + c];                                                     \
                            if (v > best || v != v) {                                                         \
                                best = v;                                                                     \
                                at = r * w + c;                                                               \
                            }                                                                                 \
                        }                                                                                     \
                    }                                                                                         \
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

TB_MAX_POOL(tb_max_pool2d_f32, float)
TB_MAX_POOL(tb_max_pool2d_f64, double)
TB_MAX_POOL_BACKWARD(tb_max_pool2d_backward_f32, float)
TB_MAX_POOL_BACKWARD(tb_max_pool2d_backward_f64, double)
TB_AVG_POOL(tb_avg_pool2d_f32, float)
TB_AVG_POOL(tb_avg_pool2d_f64, double)
TB_AVG_POOL_BACKWARD(tb_avg_pool2d_backward_f32, float)
TB_AVG_POOL_BACKWARD(tb_avg_pool2d_backward_f64, double)
