/* im2col / col2im for 2-D convolution: parallel over column rows (im2col) and over (n, c) planes (col2im), so no
   two threads ever write the same element. Along a row of outputs only the in-bounds span is touched.
   The fused conv2d kernels split images over the threads and run a register-tiled GEMM on each image's columns
   while they are still in cache; on x86-64 with GCC/Clang that GEMM is also compiled for AVX2+FMA, picked at load
   time from the CPU's features (avx2 by feature, not by CPU model). */
#include "conv.h"

#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "fastexp.h"
#include "omp_loop.h"

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(__SANITIZE_ADDRESS__)
#define TB_CLONES __attribute__((target_clones("fma", "default"), optimize("fp-contract=fast")))
/* Short row copies stay inline loops (GCC would otherwise turn them back into memcpy calls). */
#define TB_COPY_CLONES __attribute__((target_clones("avx2", "default"), optimize("no-tree-loop-distribute-patterns")))
#else
#define TB_CLONES
#define TB_COPY_CLONES
#endif

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

/* dst[q * sw] += s[q] for q < n: one row of columns added back into an image row (col2im and the input gradient). */
#define TB_ADD_ROW(dst, s, n, sw)                                                                            \
    do {                                                                                                     \
        if ((sw) == 1) {                                                                                     \
            TB_PRAGMA(omp simd)                                                                              \
            for (int64_t q = 0; q < (n); q++) (dst)[q] += (s)[q];                                            \
        } else {                                                                                             \
            for (int64_t q = 0; q < (n); q++) (dst)[q * (sw)] += (s)[q];                                     \
        }                                                                                                    \
    } while (0)

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
                        TB_ADD_ROW(dst, s, x1 - x0, sw);                                                     \
                    }                                                                                        \
                }                                                                                            \
            }                                                                                                \
        }                                                                                                    \
    }

TB_IM2COL(tb_im2col_f32, float)
TB_IM2COL(tb_im2col_f64, double)
TB_COL2IM(tb_col2im_f32, float)
TB_COL2IM(tb_col2im_f64, double)

/* One image's columns (C*KH*KW, OH*OW) from its (C, H, W) planes, zero outside them. The in-bounds spans depend
   only on the kernel offset (i, j), so they are found once per offset (no division per row). */
#define TB_GATHER_IMAGE(NAME, T)                                                                             \
    static TB_COPY_CLONES void NAME(const T *img, int64_t c, int64_t h, int64_t w, const int64_t *geo, T *cols) { \
        const int64_t kh = geo[0], kw = geo[1], sh = geo[2], sw = geo[3], ph = geo[4], pw = geo[5];          \
        const int64_t dh = geo[6], dw = geo[7], oh = geo[8], ow = geo[9];                                    \
        for (int64_t i = 0; i < kh; i++) {                                                                   \
            const int64_t row_off = i * dh - ph;                                                             \
            int64_t y0, y1;                                                                                  \
            tb_span(row_off, sh, h, oh, &y0, &y1);                                                           \
            for (int64_t j = 0; j < kw; j++) {                                                               \
                const int64_t col_off = j * dw - pw;                                                         \
                int64_t x0, x1;                                                                              \
                tb_span(col_off, sw, w, ow, &x0, &x1);                                                       \
                for (int64_t ch = 0; ch < c; ch++) {                                                         \
                    T *out = cols + ((ch * kh + i) * kw + j) * oh * ow;                                      \
                    const T *plane = img + ch * h * w;                                                       \
                    memset(out, 0, (size_t)(y0 * ow) * sizeof(T));                                           \
                    for (int64_t y = y0; y < y1; y++) {                                                      \
                        T *restrict o = out + y * ow;                                                        \
                        const T *restrict src = plane + (y * sh + row_off) * w + col_off + x0 * sw;          \
                        for (int64_t q = 0; q < x0; q++) o[q] = 0;                                           \
                        if (sw == 1) {                                                                       \
                            for (int64_t q = x0; q < x1; q++) o[q] = src[q - x0];                            \
                        } else {                                                                             \
                            for (int64_t q = x0; q < x1; q++) o[q] = src[(q - x0) * sw];                     \
                        }                                                                                    \
                        for (int64_t q = x1; q < ow; q++) o[q] = 0;                                          \
                    }                                                                                        \
                    memset(out + y1 * ow, 0, (size_t)((oh - y1) * ow) * sizeof(T));                          \
                }                                                                                            \
            }                                                                                                \
        }                                                                                                    \
    }

/* One image's (C, H, W) planes = the sum of its columns (C*KH*KW, OH*OW) at the positions they came from, added
   kernel offset by kernel offset (the same order for every pixel as tb_col2im). */
#define TB_SCATTER_IMAGE(NAME, T)                                                                            \
    static TB_COPY_CLONES void NAME(const T *cols, int64_t c, int64_t h, int64_t w, const int64_t *geo, T *img) { \
        const int64_t kh = geo[0], kw = geo[1], sh = geo[2], sw = geo[3], ph = geo[4], pw = geo[5];          \
        const int64_t dh = geo[6], dw = geo[7], oh = geo[8], ow = geo[9];                                    \
        memset(img, 0, (size_t)(c * h * w) * sizeof(T));                                                    \
        for (int64_t i = 0; i < kh; i++) {                                                                   \
            const int64_t row_off = i * dh - ph;                                                             \
            int64_t y0, y1;                                                                                  \
            tb_span(row_off, sh, h, oh, &y0, &y1);                                                           \
            for (int64_t j = 0; j < kw; j++) {                                                               \
                const int64_t col_off = j * dw - pw;                                                         \
                int64_t x0, x1;                                                                              \
                tb_span(col_off, sw, w, ow, &x0, &x1);                                                       \
                for (int64_t ch = 0; ch < c; ch++) {                                                         \
                    const T *src = cols + ((ch * kh + i) * kw + j) * oh * ow;                                \
                    T *plane = img + ch * h * w;                                                             \
                    for (int64_t y = y0; y < y1; y++) {                                                      \
                        T *restrict dst = plane + (y * sh + row_off) * w + col_off + x0 * sw;                \
                        const T *restrict s = src + y * ow + x0;                                             \
                        TB_ADD_ROW(dst, s, x1 - x0, sw);                                                     \
                    }                                                                                        \
                }                                                                                            \
            }                                                                                                \
        }                                                                                                    \
    }

/* c (M, N) = a (M, K) @ b (K, N) (plus c's old values when acc), row-major with leading dimensions, in tiles of
   up to 6 rows x two 32-byte vectors held in registers (GNU vector extensions: one AVX register, or two SSE ones in
   the baseline clone). Column panels narrower than a tile are first copied into ``pack`` (K x NR, zero padded; may
   be NULL when N is a multiple of NR), so every multiply is a full vector one and nothing past b's rows is read. */
#define TB_GEMM(NAME, T)                                                                                     \
    typedef T NAME##_v __attribute__((vector_size(32), aligned(sizeof(T))));                                 \
    enum { NAME##_VL = 32 / sizeof(T), NAME##_NR = 64 / sizeof(T) };                                        \
    TB_ALWAYS_INLINE static inline void NAME##_tile(int mr, int64_t k, const T *a, int64_t lda, const T *b,  \
                                                    int64_t ldb, T *c, int64_t ldc, int acc, int nb) {       \
        NAME##_v t0[6], t1[6];                                                                               \
        for (int i = 0; i < mr; i++) t0[i] = t1[i] = (NAME##_v){0};                                          \
        for (int64_t p = 0; p < k; p++) {                                                                    \
            NAME##_v b0, b1;                                                                                 \
            memcpy(&b0, b + p * ldb, sizeof b0);                                                             \
            memcpy(&b1, b + p * ldb + NAME##_VL, sizeof b1);                                                 \
            for (int i = 0; i < mr; i++) {                                                                   \
                const T av = a[i * lda + p];                                                                 \
                t0[i] += av * b0;                                                                            \
                t1[i] += av * b1;                                                                            \
            }                                                                                                \
        }                                                                                                    \
        for (int i = 0; i < mr; i++) {                                                                       \
            T *ci = c + i * ldc;                                                                             \
            if (nb == NAME##_NR) {                                                                           \
                NAME##_v c0, c1;                                                                             \
                memcpy(&c0, ci, sizeof c0);                                                                  \
                memcpy(&c1, ci + NAME##_VL, sizeof c1);                                                      \
                c0 = acc ? c0 + t0[i] : t0[i];                                                               \
                c1 = acc ? c1 + t1[i] : t1[i];                                                               \
                memcpy(ci, &c0, sizeof c0);                                                                  \
                memcpy(ci + NAME##_VL, &c1, sizeof c1);                                                      \
            } else {                                                                                         \
                T row[64 / sizeof(T)];                                                                       \
                memcpy(row, &t0[i], sizeof t0[i]);                                                           \
                memcpy(row + NAME##_VL, &t1[i], sizeof t1[i]);                                               \
                for (int j = 0; j < nb; j++) ci[j] = acc ? ci[j] + row[j] : row[j];                          \
            }                                                                                                \
        }                                                                                                    \
    }                                                                                                        \
    static TB_CLONES void NAME(int64_t m, int64_t n, int64_t k, const T *a, int64_t lda, const T *b, int64_t ldb, \
                               T *c, int64_t ldc, int acc, T *pack) {                                        \
        for (int64_t j0 = 0; j0 < n; j0 += NAME##_NR) {                                                      \
            const int nb = n - j0 < NAME##_NR ? (int)(n - j0) : NAME##_NR;                                   \
            const T *bp = b + j0;                                                                            \
            int64_t ld = ldb;                                                                                \
            if (nb < NAME##_NR) {                                                                            \
                for (int64_t p = 0; p < k; p++) {                                                            \
                    for (int j = 0; j < NAME##_NR; j++) pack[p * NAME##_NR + j] = j < nb ? bp[p * ldb + j] : 0; \
                }                                                                                            \
                bp = pack;                                                                                   \
                ld = NAME##_NR;                                                                              \
            }                                                                                                \
            int64_t i0 = 0;                                                                                  \
            for (; i0 + 6 <= m; i0 += 6) NAME##_tile(6, k, a + i0 * lda, lda, bp, ld, c + i0 * ldc + j0, ldc, acc, nb); \
            if (m - i0 >= 4) {                                                                               \
                NAME##_tile(4, k, a + i0 * lda, lda, bp, ld, c + i0 * ldc + j0, ldc, acc, nb);               \
                i0 += 4;                                                                                     \
            }                                                                                                \
            if (m - i0 >= 2) {                                                                               \
                NAME##_tile(2, k, a + i0 * lda, lda, bp, ld, c + i0 * ldc + j0, ldc, acc, nb);               \
                i0 += 2;                                                                                     \
            }                                                                                                \
            if (m > i0) NAME##_tile(1, k, a + i0 * lda, lda, bp, ld, c + i0 * ldc + j0, ldc, acc, nb);       \
        }                                                                                                    \
    }

/* Images [lo, hi) of n for this member of the team (a static split, no worksharing construct). */
#define TB_MY_IMAGES(n, lo, hi)                                                                              \
    const int64_t tb_parts = omp_get_num_threads(), tb_me = omp_get_thread_num();                            \
    const int64_t lo = (n) * tb_me / tb_parts, hi = (n) * (tb_me + 1) / tb_parts

/* Per-thread scratch of ``count`` elements; on failure sets *status to -1 (the caller's images are skipped). */
static void *tb_scratch(int64_t count, size_t size, int *status) {
    void *p = malloc((size_t)count * size);
    if (!p) {
        TB_PRAGMA(omp atomic write)
        *status = -1;
    }
    return p;
}

#define TB_PANEL(SFX, k) ((k) * (int64_t)tb_gemm_##SFX##_NR)

#define TB_CONV2D(SFX, T)                                                                                    \
    TB_GATHER_IMAGE(tb_gather_image_##SFX, T)                                                                \
    TB_SCATTER_IMAGE(tb_scatter_image_##SFX, T)                                                              \
    int tb_conv2d_forward_##SFX(const T *x, int64_t n, int64_t c, int64_t h, int64_t w, const int64_t *geo,   \
                                const T *wt, int64_t o, const T *bias, T *y) {                               \
        const int64_t ck = c * geo[0] * geo[1], len = geo[8] * geo[9];                                       \
        int status = 0;                                                                                      \
        TB_PRAGMA(omp parallel if (tb_parallel_ok(n * ck * len)) num_threads(tb_get_num_threads()))          \
        {                                                                                                    \
            TB_MY_IMAGES(n, lo, hi);                                                                         \
            T *cb = tb_scratch(ck * len + TB_PANEL(SFX, ck), sizeof(T), &status);                            \
            for (int64_t b = lo; cb && b < hi; b++) {                                                        \
                T *yb = y + b * o * len;                                                                     \
                tb_gather_image_##SFX(x + b * c * h * w, c, h, w, geo, cb);                                  \
                for (int64_t i = 0; i < o; i++)                                                              \
                    for (int64_t l = 0; l < len; l++) yb[i * len + l] = bias ? bias[i] : 0;                  \
                tb_gemm_##SFX(o, len, ck, wt, ck, cb, len, yb, len, 1, cb + ck * len);                       \
            }                                                                                                \
            free(cb);                                                                                        \
        }                                                                                                    \
        return status;                                                                                       \
    }                                                                                                        \
    int tb_conv2d_backward_weight_##SFX(const T *g, const T *x, int64_t n, int64_t c, int64_t h, int64_t w,  \
                                        const int64_t *geo, int64_t o, T *gw) {                              \
        const int64_t nr = tb_gemm_##SFX##_NR, op = (o + nr - 1) / nr * nr; /* o padded to whole panels */   \
        const int64_t ck = c * geo[0] * geo[1], len = geo[8] * geo[9], most = tb_get_num_threads();          \
        T *part = calloc((size_t)(most * ck * op), sizeof(T)); /* per thread: gw transposed (ck, op) */      \
        int status = part ? 0 : -1, used = 1;                                                                \
        if (part) {                                                                                          \
            TB_PRAGMA(omp parallel if (tb_parallel_ok(n * ck * len)) num_threads(most))                      \
            {                                                                                                \
                TB_MY_IMAGES(n, lo, hi);                                                                     \
                if (tb_me == 0) used = (int)tb_parts;                                                        \
                T *cb = calloc((size_t)(ck * len + len * op), sizeof(T)); /* g^T's padding stays zero */     \
                if (!cb) {                                                                                   \
                    TB_PRAGMA(omp atomic write)                                                              \
                    status = -1;                                                                             \
                }                                                                                            \
                T *gt = cb + ck * len;                                                                       \
                for (int64_t b = lo; cb && b < hi; b++) {                                                    \
                    const T *gb = g + b * o * len;                                                           \
                    tb_gather_image_##SFX(x + b * c * h * w, c, h, w, geo, cb);                              \
                    for (int64_t i = 0; i < o; i++)                                                          \
                        for (int64_t l = 0; l < len; l++) gt[l * op + i] = gb[i * len + l];                  \
                    tb_gemm_##SFX(ck, op, len, cb, len, gt, op, part + tb_me * ck * op, op, 1, NULL);        \
                }                                                                                            \
                free(cb);                                                                                    \
            }                                                                                                \
            for (int64_t i = 0; i < o; i++)                                                                  \
                for (int64_t r = 0; r < ck; r++) {                                                           \
                    T s = 0;                                                                                 \
                    for (int t = 0; t < used; t++) s += part[(t * ck + r) * op + i];                         \
                    gw[i * ck + r] = s;                                                                      \
                }                                                                                            \
            free(part);                                                                                      \
        }                                                                                                    \
        return status;                                                                                       \
    }                                                                                                        \
    int tb_conv2d_backward_input_##SFX(const T *g, const T *wt_t, int64_t o, int64_t n, int64_t c, int64_t h, \
                                       int64_t w, const int64_t *geo, T *dx) {                               \
        const int64_t ck = c * geo[0] * geo[1], len = geo[8] * geo[9];                                       \
        int status = 0;                                                                                      \
        TB_PRAGMA(omp parallel if (tb_parallel_ok(n * ck * len)) num_threads(tb_get_num_threads()))          \
        {                                                                                                    \
            TB_MY_IMAGES(n, lo, hi);                                                                         \
            T *buf = tb_scratch(ck * len + TB_PANEL(SFX, o), sizeof(T), &status);                            \
            for (int64_t b = lo; buf && b < hi; b++) {                                                       \
                tb_gemm_##SFX(ck, len, o, wt_t, o, g + b * o * len, len, buf, len, 0, buf + ck * len);       \
                tb_scatter_image_##SFX(buf, c, h, w, geo, dx + b * c * h * w);                               \
            }                                                                                                \
            free(buf);                                                                                       \
        }                                                                                                    \
        return status;                                                                                       \
    }

TB_GEMM(tb_gemm_f32, float)
TB_GEMM(tb_gemm_f64, double)
TB_CONV2D(f32, float)
TB_CONV2D(f64, double)
