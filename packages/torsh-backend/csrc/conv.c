/* im2col / col2im for 2-D convolution: parallel over column rows (im2col) and over (n, c) planes (col2im), so no
   two threads ever write the same element. Along a row of outputs only the in-bounds span is touched. */
#include "conv.h"

#include <string.h>

#include "omp_loop.h"

/* First output index o (of out) whose input position o*s + off lies in [0, size), and one past the last. */
static void tb_span(int64_t off, int64_t s, int64_t size, int64_t out, int64_t *lo, int64_t *hi) {
    int64_t a = off >= 0 ? 0 : (-off + s - 1) / s;
    int64_t b = off >= size ? 0 : (size - 1 - off) / s + 1;
    if (a > out) a = out;
    if (b > out) b = out;
    if (b < a) b = a;
    *lo = a;
    *hi = b;
}

#define TB_IM2COL(NAME, T)                                                                                   \
    void NAME(const T *x, int64_t n, int64_t c, int64_t h, int64_t w, const int64_t *geo, T *cols) {         \
        const int64_t kh = geo[0], kw = geo[1], sh = geo[2], sw = geo[3], ph = geo[4], pw = geo[5];          \
        const int64_t dh = geo[6], dw = geo[7], oh = geo[8], ow = geo[9];                                    \
        const int64_t rows = c * kh * kw, len = oh * ow;                                                     \
        TB_PARALLEL_ROWS(rows * n * len)                                                                     \
        for (int64_t r = 0; r < rows; r++) {                                                                 \
            const int64_t ch = r / (kh * kw), i = (r / kw) % kh, j = r % kw;                                 \
            const int64_t row_off = i * dh - ph, col_off = j * dw - pw;                                      \
            int64_t y0, y1, x0, x1;                                                                          \
            tb_span(row_off, sh, h, oh, &y0, &y1);                                                           \
            tb_span(col_off, sw, w, ow, &x0, &x1);                                                           \
            for (int64_t b = 0; b < n; b++) {                                                                \
                const T *plane = x + (b * c + ch) * h * w;                                                   \
                T *out = cols + r * n * len + b * len;                                                       \
                memset(out, 0, (size_t)(y0 * ow) * sizeof(T));                                               \
                for (int64_t y = y0; y < y1; y++) {                                                          \
                    T *restrict o = out + y * ow;                                                            \
                    const T *restrict src = plane + (y * sh + row_off) * w + col_off + x0 * sw;              \
                    for (int64_t q = 0; q < x0; q++) o[q] = 0;                                               \
                    if (sw == 1) {                                                                           \
                        memcpy(o + x0, src, (size_t)(x1 - x0) * sizeof(T));                                  \
                    } else {                                                                                 \
                        for (int64_t q = x0; q < x1; q++) o[q] = src[(q - x0) * sw];                         \
                    }                                                                                        \
                    for (int64_t q = x1; q < ow; q++) o[q] = 0;                                              \
                }                                                                                            \
                memset(out + y1 * ow, 0, (size_t)((oh - y1) * ow) * sizeof(T));                              \
            }                                                                                                \
        }                                                                                                    \
    }

#define TB_COL2IM(NAME, T)                                                                                   \
    void NAME(const T *cols, int64_t n, int64_t c, int64_t h, int64_t w, const int64_t *geo, T *x) {         \
        const int64_t kh = geo[0], kw = geo[1], sh = geo[2], sw = geo[3], ph = geo[4], pw = geo[5];          \
        const int64_t dh = geo[6], dw = geo[7], oh = geo[8], ow = geo[9];                                    \
        const int64_t len = oh * ow, planes = n * c;                                                         \
        TB_PARALLEL_ROWS(planes * kh * kw * len)                                                             \
        for (int64_t pl = 0; pl < planes; pl++) {                                                            \
            const int64_t b = pl / c, ch = pl % c;                                                           \
            T *plane = x + pl * h * w;                                                                       \
            memset(plane, 0, (size_t)(h * w) * sizeof(T));                                                   \
            for (int64_t i = 0; i < kh; i++) {                                                               \
                for (int64_t j = 0; j < kw; j++) {                                                           \
                    const int64_t row_off = i * dh - ph, col_off = j * dw - pw;                              \
                    int64_t y0, y1, x0, x1;                                                                  \
                    tb_span(row_off, sh, h, oh, &y0, &y1);                                                   \
                    tb_span(col_off, sw, w, ow, &x0, &x1);                                                   \
                    const T *src = cols + ((ch * kh + i) * kw + j) * n * len + b * len;                      \
                    for (int64_t y = y0; y < y1; y++) {                                                      \
                        T *restrict dst = plane + (y * sh + row_off) * w + col_off + x0 * sw;                \
                        const T *restrict s = src + y * ow + x0;                                             \
                        if (sw == 1) {                                                                       \
                            TB_PRAGMA(omp simd)                                                              \
                            for (int64_t q = 0; q < x1 - x0; q++) dst[q] += s[q];                            \
                        } else {                                                                             \
                            for (int64_t q = 0; q < x1 - x0; q++) dst[q * sw] += s[q];                       \
                        }                                                                                    \
                    }                                                                                        \
                }                                                                                            \
            }                                                                                                \
        }                                                                                                    \
    }

TB_IM2COL(tb_im2col_f32, float)
TB_IM2COL(tb_im2col_f64, double)
TB_COL2IM(tb_col2im_f32, float)
TB_COL2IM(tb_col2im_f64, double)
