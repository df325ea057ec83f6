/* im2col / col2im for 2-D convolution: parallel over column rows (im2col) and over (n, c) planes (col2im), so no
   two threads ever write the same element. Along a row of outputs only the in-bounds span is touched.
   The fused conv2d kernels split images over the threads and multiply each chunk of images' columns while they
   are still in cache, with the BLAS NumPy links (registered by torsh_backend.blas) called single-threaded. */
#include "conv.h"

#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "gemm.h"
#include "omp_loop.h"

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(__SANITIZE_ADDRESS__)
/* Short row copies stay inline loops (GCC would otherwise turn them back into memcpy calls). */
#define TB_COPY_CLONES __attribute__((target_clones("avx2", "default"), optimize("no-tree-loop-distribute-patterns")))
#else
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

/* dst[0, n) = src[0, n) for a short row: blocks of 8 elements and one last block that overlaps the one before,
   each a fixed-size copy the compiler turns into vector moves (a loop would pay its setup per row of 8-30). */
#define TB_COPY_ROW(dst, src, n)                                                                             \
    do {                                                                                                     \
        const int64_t n_ = (n);                                                                              \
        if (n_ >= 8) {                                                                                       \
            int64_t k_ = 0;                                                                                  \
            for (; k_ + 8 <= n_; k_ += 8) memcpy((dst) + k_, (src) + k_, 8 * sizeof *(dst));                 \
            if (k_ < n_) memcpy((dst) + n_ - 8, (src) + n_ - 8, 8 * sizeof *(dst));                          \
        } else if (n_ >= 4) {                                                                                \
            memcpy((dst), (src), 4 * sizeof *(dst));                                                         \
            memcpy((dst) + n_ - 4, (src) + n_ - 4, 4 * sizeof *(dst));                                       \
        } else {                                                                                             \
            for (int64_t k_ = 0; k_ < n_; k_++) (dst)[k_] = (src)[k_];                                       \
        }                                                                                                    \
    } while (0)

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

/* One image's columns (C*KH*KW, OH*OW) from its (C, H, W) planes, zero outside them, into rows ld apart. The
   in-bounds spans depend only on the kernel offset (i, j), so they are found once per offset (no division per row). */
#define TB_GATHER_IMAGE(NAME, T)                                                                             \
    static TB_COPY_CLONES void NAME(const T *img, int64_t c, int64_t h, int64_t w, const int64_t *geo, T *cols, \
                                    int64_t ld) {                                                            \
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
                    T *out = cols + ((ch * kh + i) * kw + j) * ld;                                           \
                    const T *plane = img + ch * h * w;                                                       \
                    memset(out, 0, (size_t)(y0 * ow) * sizeof(T));                                           \
                    for (int64_t y = y0; y < y1; y++) {                                                      \
                        T *restrict o = out + y * ow;                                                        \
                        const T *restrict src = plane + (y * sh + row_off) * w + col_off + x0 * sw;          \
                        for (int64_t q = 0; q < x0; q++) o[q] = 0;                                           \
                        if (sw == 1) {                                                                       \
                            TB_COPY_ROW(o + x0, src, x1 - x0);                                               \
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

/* One image's (C, H, W) planes = the sum of its columns (C*KH*KW, OH*OW; rows ld apart) at the positions they came
   from, added kernel offset by kernel offset (the same order for every pixel as tb_col2im). */
#define TB_SCATTER_IMAGE(NAME, T)                                                                            \
    static TB_COPY_CLONES void NAME(const T *cols, int64_t ld, int64_t c, int64_t h, int64_t w, const int64_t *geo, \
                                    T *img) {                                                                \
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
                    const T *src = cols + ((ch * kh + i) * kw + j) * ld;                                     \
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

/* Per-thread scratch of ``count`` elements; on failure sets *status to -1 (the caller's images are skipped). */
static void *tb_scratch(int64_t count, size_t size, int *status) {
    void *p = malloc((size_t)count * size);
    if (!p) {
        TB_PRAGMA(omp atomic write)
        *status = -1;
    }
    return p;
}

/* Each member of the team takes its share of the images in chunks whose columns fit in cache (ck x nb*len,
   several small images side by side so that one BLAS call gets a wide product) and multiplies them there with a
   single-threaded gemm; g and y move between their (image, channel, pixel) layout and the chunk's
   (channel, image * pixel) one by plain copies. */
/* Images per chunk: as many of ``count`` as keep a chunk's columns near 2^17 elements, at least one. */
static int64_t tb_chunk(int64_t ck, int64_t len, int64_t count) {
    const int64_t fit = ((int64_t)1 << 17) / (ck * len);
    return fit < 1 ? 1 : fit < count ? fit : count;
}

#define TB_CONV2D(SFX, T, GEMM)                                                                              \
    TB_GATHER_IMAGE(tb_gather_image_##SFX, T)                                                                \
    TB_SCATTER_IMAGE(tb_scatter_image_##SFX, T)                                                              \
    /* rows (o) of images [b0, b0 + nb) of g (N, O, L) side by side: gt (o, nb * len) */                     \
    static void tb_chunk_of_##SFX(const T *g, int64_t b0, int64_t nb, int64_t o, int64_t len, T *gt) {       \
        for (int64_t j = 0; j < nb; j++)                                                                     \
            for (int64_t i = 0; i < o; i++)                                                                  \
                memcpy(gt + i * nb * len + j * len, g + ((b0 + j) * o + i) * len, (size_t)len * sizeof(T));  \
    }                                                                                                        \
    int tb_conv2d_forward_##SFX(const T *x, int64_t n, int64_t c, int64_t h, int64_t w, const int64_t *geo,   \
                                const T *wt, int64_t o, const T *bias, T *y) {                               \
        const int64_t ck = c * geo[0] * geo[1], len = geo[8] * geo[9];                                       \
        int status = tb_blas_ready() ? 0 : -2;                                                               \
        TB_PRAGMA(omp parallel if (!status && tb_parallel_ok(n * ck * len)) num_threads(tb_get_num_threads())) \
        if (!status) {                                                                                       \
            TB_MY_SHARE(n, lo, hi);                                                                          \
            const int64_t most = tb_chunk(ck, len, hi - lo);                                                    \
            T *cb = tb_scratch((ck + o) * most * len, sizeof(T), &status), *ob = cb + ck * most * len;       \
            for (int64_t b0 = lo; cb && b0 < hi; b0 += most) {                                               \
                const int64_t nb = hi - b0 < most ? hi - b0 : most, wide = nb * len;                         \
                for (int64_t j = 0; j < nb; j++)                                                             \
                    tb_gather_image_##SFX(x + (b0 + j) * c * h * w, c, h, w, geo, cb + j * len, wide);       \
                GEMM(0, 0, o, wide, ck, wt, ck, cb, wide, 0, ob, wide);                                      \
                for (int64_t j = 0; j < nb; j++)                                                             \
                    for (int64_t i = 0; i < o; i++) {                                                        \
                        T *yr = y + ((b0 + j) * o + i) * len;                                                \
                        const T *src = ob + i * wide + j * len, add = bias ? bias[i] : 0;                    \
                        for (int64_t l = 0; l < len; l++) yr[l] = src[l] + add;                              \
                    }                                                                                        \
            }                                                                                                \
            free(cb);                                                                                        \
        }                                                                                                    \
        return status;                                                                                       \
    }                                                                                                        \
    int tb_conv2d_backward_weight_##SFX(const T *g, const T *x, int64_t n, int64_t c, int64_t h, int64_t w,  \
                                        const int64_t *geo, int64_t o, T *gw) {                              \
        const int64_t ck = c * geo[0] * geo[1], len = geo[8] * geo[9], team = tb_get_num_threads();          \
        T *part = calloc((size_t)(team * ck * o), sizeof(T)); /* per thread: its images' sum of gw^T (ck, o) */ \
        int status = !tb_blas_ready() ? -2 : part ? 0 : -1, used = 1;                                        \
        TB_PRAGMA(omp parallel if (!status && tb_parallel_ok(n * ck * len)) num_threads(team))               \
        if (!status) {                                                                                       \
            TB_MY_SHARE(n, lo, hi);                                                                          \
            if (tb_me == 0) used = (int)tb_parts;                                                            \
            const int64_t most = tb_chunk(ck, len, hi - lo);                                                    \
            T *cb = tb_scratch((ck + o) * most * len, sizeof(T), &status), *gt = cb + ck * most * len;       \
            for (int64_t b0 = lo; cb && b0 < hi; b0 += most) {                                               \
                const int64_t nb = hi - b0 < most ? hi - b0 : most, wide = nb * len;                         \
                for (int64_t j = 0; j < nb; j++)                                                             \
                    tb_gather_image_##SFX(x + (b0 + j) * c * h * w, c, h, w, geo, cb + j * len, wide);       \
                tb_chunk_of_##SFX(g, b0, nb, o, len, gt);                                                    \
                /* gw^T = cols @ g^T: BLAS runs this tall product faster than the wide g @ cols^T */          \
                GEMM(0, 1, ck, o, wide, cb, wide, gt, wide, 1, part + tb_me * ck * o, o);                    \
            }                                                                                                \
            free(cb);                                                                                        \
        }                                                                                                    \
        for (int64_t i = 0; !status && i < o; i++)                                                           \
            for (int64_t r = 0; r < ck; r++) {                                                               \
                T s = 0;                                                                                     \
                for (int t = 0; t < used; t++) s += part[(t * ck + r) * o + i];                              \
                gw[i * ck + r] = s;                                                                          \
            }                                                                                                \
        free(part);                                                                                          \
        return status;                                                                                       \
    }                                                                                                        \
    int tb_conv2d_backward_input_##SFX(const T *g, const T *wt, int64_t o, int64_t n, int64_t c, int64_t h,   \
                                       int64_t w, const int64_t *geo, T *dx) {                               \
        const int64_t ck = c * geo[0] * geo[1], len = geo[8] * geo[9];                                       \
        int status = tb_blas_ready() ? 0 : -2;                                                               \
        TB_PRAGMA(omp parallel if (!status && tb_parallel_ok(n * ck * len)) num_threads(tb_get_num_threads())) \
        if (!status) {                                                                                       \
            TB_MY_SHARE(n, lo, hi);                                                                          \
            const int64_t most = tb_chunk(ck, len, hi - lo);                                                    \
            T *cb = tb_scratch((ck + o) * most * len, sizeof(T), &status), *gt = cb + ck * most * len;       \
            for (int64_t b0 = lo; cb && b0 < hi; b0 += most) {                                               \
                const int64_t nb = hi - b0 < most ? hi - b0 : most, wide = nb * len;                         \
                tb_chunk_of_##SFX(g, b0, nb, o, len, gt);                                                    \
                GEMM(1, 0, ck, wide, o, wt, ck, gt, wide, 0, cb, wide);                                      \
                for (int64_t j = 0; j < nb; j++)                                                             \
                    tb_scatter_image_##SFX(cb + j * len, wide, c, h, w, geo, dx + (b0 + j) * c * h * w);     \
            }                                                                                                \
            free(cb);                                                                                        \
        }                                                                                                    \
        return status;                                                                                       \
    }

TB_CONV2D(f32, float, tb_sgemm)
TB_CONV2D(f64, double, tb_dgemm)

/* Direct stride-1 convolution: no columns at all. Each member of the team copies an image into a zero-padded
   buffer (zeroed once, since every image overwrites the same interior; rows of ceil(OW / VL) * VL + KW - 1
   elements, so every vector load stays inside it), then for each block of TB_OB output channels, pair of output
   rows and run of VL output columns keeps 2 * TB_OB vector accumulators and adds weight * (vector loads of the two
   shifted input rows) for every (c, i, j): 2 * TB_OB multiply-adds per TB_OB weight broadcasts and two loads. The
   weights are first repacked to (O blocks, C, KH, KW, TB_OB), zero padded past O. On x86-64 the kernel is also
   compiled for x86-64-v4 (one AVX-512 register per accumulator) and x86-64-v3, picked at load time. */
#define TB_OB 8

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__SANITIZE_ADDRESS__)
#define TB_DIRECT_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define TB_DIRECT_CLONES
#endif

/* One run of VL output columns at x0 in output rows oy .. oy + R - 1 of the block of TB_OB output channels at ob:
   R * TB_OB vector accumulators; each weight broadcast serves R rows, each row load TB_OB channels. */
#define TB_DIRECT_RUN(V, T, R)                                                                                      \
    do {                                                                                                            \
        V acc[R][TB_OB];                                                                                            \
        for (int r = 0; r < R; r++)                                                                                 \
            for (int k = 0; k < TB_OB; k++) acc[r][k] = (V){0} + (bias && ob + k < o ? bias[ob + k] : 0);          \
        for (int64_t ch = 0; ch < c; ch++)                                                                          \
            for (int64_t i = 0; i < kh; i++) {                                                                      \
                const T *row = xp + (ch * h2 + oy + i) * w2 + x0;                                                   \
                const T *wr = wb + ((ch * kh + i) * kw) * TB_OB;                                                    \
                for (int64_t j = 0; j < kw; j++) {                                                                  \
                    V v[R];                                                                                         \
                    for (int r = 0; r < R; r++) memcpy(&v[r], row + r * w2 + j, sizeof v[r]);                       \
                    for (int k = 0; k < TB_OB; k++) {                                                               \
                        const T wk = wr[j * TB_OB + k];                                                             \
                        for (int r = 0; r < R; r++) acc[r][k] += v[r] * wk;                                         \
                    }                                                                                               \
                }                                                                                                   \
            }                                                                                                       \
        const int64_t width = ow - x0 < VL ? ow - x0 : VL;                                                          \
        for (int r = 0; r < R; r++)                                                                                 \
            for (int k = 0; k < TB_OB && ob + k < o; k++) {                                                         \
                T *dst = y + ((ob + k) * oh + oy + r) * ow + x0;                                                    \
                if (width == VL) {                                                                                  \
                    memcpy(dst, &acc[r][k], sizeof acc[r][k]);                                                      \
                } else {                                                                                            \
                    T lanes[VL];                                                                                    \
                    memcpy(lanes, &acc[r][k], sizeof lanes);                                                        \
                    for (int64_t l = 0; l < width; l++) dst[l] = lanes[l];                                          \
                }                                                                                                   \
            }                                                                                                       \
    } while (0)

#define TB_DIRECT_IMAGE(SFX, T, BYTES)                                                                              \
    typedef T tb_vec_##SFX##_##BYTES __attribute__((vector_size(BYTES), aligned(sizeof(T))));                       \
    enum { TB_VL_##SFX##_##BYTES = BYTES / sizeof(T) };                                                             \
    static TB_DIRECT_CLONES void tb_direct_image_##SFX##_##BYTES(const T *xp, int64_t c, int64_t h2, int64_t w2,    \
                                                      const T *wp, int64_t o, int64_t kh, int64_t kw,               \
                                                      const T *bias, T *y, int64_t oh, int64_t ow) {                \
        enum { VL = TB_VL_##SFX##_##BYTES };                                                                        \
        for (int64_t ob = 0; ob < o; ob += TB_OB) {                                                                 \
            const T *wb = wp + ob * c * kh * kw;                                                                    \
            int64_t oy = 0;                                                                                         \
            for (; oy + 2 <= oh; oy += 2)                                                                           \
                for (int64_t x0 = 0; x0 < ow; x0 += VL) TB_DIRECT_RUN(tb_vec_##SFX##_##BYTES, T, 2);                \
            for (; oy < oh; oy++)                                                                                   \
                for (int64_t x0 = 0; x0 < ow; x0 += VL) TB_DIRECT_RUN(tb_vec_##SFX##_##BYTES, T, 1);                \
        }                                                                                                           \
    }

#define TB_CONV2D_DIRECT(SFX, T)                                                                                    \
    TB_DIRECT_IMAGE(SFX, T, 32)                                                                                     \
    TB_DIRECT_IMAGE(SFX, T, 64)                                                                                     \
    int tb_conv2d_direct_##SFX(const T *x, int64_t n, int64_t c, int64_t h, int64_t w, const T *wt, int64_t o,      \
                               int64_t kh, int64_t kw, int64_t ph, int64_t pw, const T *bias, T *y, int64_t oh,     \
                               int64_t ow) {                                                                        \
        const int64_t vl = ow <= 32 / (int64_t)sizeof(T) ? 32 / (int64_t)sizeof(T) : 64 / (int64_t)sizeof(T);       \
        const int64_t h2 = oh + kh - 1, w2 = (ow + vl - 1) / vl * vl + kw - 1;                                      \
        const int64_t blocks = (o + TB_OB - 1) / TB_OB;                                                             \
        int status = 0;                                                                                             \
        T *wp = calloc((size_t)(blocks * TB_OB * c * kh * kw), sizeof(T));                                          \
        if (!wp) return -1;                                                                                         \
        for (int64_t oc = 0; oc < o; oc++)                                                                          \
            for (int64_t r = 0; r < c * kh * kw; r++)                                                               \
                wp[((oc / TB_OB) * c * kh * kw + r) * TB_OB + oc % TB_OB] = wt[oc * c * kh * kw + r];               \
        TB_PRAGMA(omp parallel if (tb_parallel_ok(n * o * oh * ow * c * kh * kw)) num_threads(tb_get_num_threads())) \
        {                                                                                                           \
            TB_MY_SHARE(n, lo, hi);                                                                                 \
            T *xp = tb_scratch(c * h2 * w2, sizeof(T), &status);                                                    \
            if (xp) memset(xp, 0, (size_t)(c * h2 * w2) * sizeof(T)); /* the border stays zero; rows are copied in */ \
            for (int64_t b = lo; xp && b < hi; b++) {                                                               \
                const int64_t rows = h < h2 - ph ? h : h2 - ph, cols = w < w2 - pw ? w : w2 - pw;                   \
                for (int64_t ch = 0; cols > 0 && ch < c; ch++)                                                      \
                    for (int64_t iy = 0; iy < rows; iy++)                                                           \
                        memcpy(xp + (ch * h2 + iy + ph) * w2 + pw, x + ((b * c + ch) * h + iy) * w,                 \
                               (size_t)cols * sizeof(T));                                                           \
                if (vl == 64 / (int64_t)sizeof(T)) /* narrow outputs take half-width vectors: fewer idle lanes */   \
                    tb_direct_image_##SFX##_64(xp, c, h2, w2, wp, o, kh, kw, bias, y + b * o * oh * ow, oh, ow);    \
                else                                                                                                \
                    tb_direct_image_##SFX##_32(xp, c, h2, w2, wp, o, kh, kw, bias, y + b * o * oh * ow, oh, ow);    \
            }                                                                                                       \
            free(xp);                                                                                               \
        }                                                                                                           \
        free(wp);                                                                                                   \
        return status;                                                                                              \
    }

TB_CONV2D_DIRECT(f32, float)
TB_CONV2D_DIRECT(f64, double)

/* Direct weight gradient for stride 1 and dilation 1: gw[o][c][i][j] = the sum over images n and output positions
   (oy, ox) of g[n][o][oy][ox] * xpad[n][c][oy + i][ox + j]. Tasks (input channel, block of TB_OB output channels)
   are split over the team, so each gw element is summed by one thread in one order (deterministic for any thread
   count). Each thread goes through the images in turn (so an image's g comes from memory once, not once per task),
   pads the channel of each of its tasks and, for each kernel row i and group of TB_WJ kernel columns, keeps
   TB_OB * TB_WJ vector accumulators over the image's output positions: each load of g serves TB_WJ multiply-adds
   and each load of x TB_OB. The last group may pass kw: its extra sums are dropped. Output rows must be whole
   vectors (OW a multiple of 32 bytes' worth of elements), so no lane is ever masked. */
#define TB_WJ 3

#define TB_WEIGHT_PLANE(SFX, T, BYTES, VARIANT, ATTR, PIN)                                                          \
    static ATTR void tb_weight_plane_##SFX##_##BYTES##VARIANT(const T *g, int64_t nk, const T *xp, int64_t w2,      \
                                                      int64_t kh, int64_t kw, int64_t oh, int64_t ow, T *tot) {     \
        typedef tb_vec_##SFX##_##BYTES V;                                                                           \
        enum { VL = TB_VL_##SFX##_##BYTES };                                                                        \
        const int64_t kwp = (kw + TB_WJ - 1) / TB_WJ * TB_WJ, plane = oh * ow;                                      \
        /* output rows per tile: TB_OB rows of g in 16 KB, half of L1, stay there for every (i, j0) */             \
        const int64_t tile = 16384 / (TB_OB * ow * (int64_t)sizeof(T)) > 0 ? 16384 / (TB_OB * ow * (int64_t)sizeof(T)) \
                                                                            : 1;                                    \
        int64_t off[TB_OB]; /* plane offsets; past nk the last plane again, whose sums are dropped */               \
        for (int k = 0; k < TB_OB; k++) off[k] = (k < nk ? k : nk - 1) * plane;                                     \
        for (int64_t y0 = 0; y0 < oh; y0 += tile)                                                                   \
            for (int64_t i = 0; i < kh; i++)                                                                        \
                for (int64_t j0 = 0; j0 < kw; j0 += TB_WJ) {                                                        \
                    const int64_t y1 = y0 + tile < oh ? y0 + tile : oh;                                             \
                    V acc[TB_OB][TB_WJ];                                                                            \
                    for (int k = 0; k < TB_OB; k++)                                                                 \
                        for (int jj = 0; jj < TB_WJ; jj++) acc[k][jj] = (V){0};                                     \
                    for (int64_t x0 = 0; x0 < ow; x0 += VL) /* down each column of runs: acc stays in registers */ \
                        for (int64_t oy = y0; oy < y1; oy++) {                                                      \
                            const T *xr = xp + (oy + i) * w2 + j0 + x0, *gr = g + oy * ow + x0;                     \
                            V xv[TB_WJ];                                                                            \
                            for (int jj = 0; jj < TB_WJ; jj++) memcpy(&xv[jj], xr + jj, sizeof(V));                 \
                            for (int k = 0; k < TB_OB; k++) {                                                       \
                                V gv;                                                                               \
                                memcpy(&gv, gr + off[k], sizeof(V));                                                \
                                PIN(gv);                                                                            \
                                for (int jj = 0; jj < TB_WJ; jj++) acc[k][jj] += gv * xv[jj];                       \
                            }                                                                                       \
                        }                                                                                           \
                    V *tv = (V *)tot + (i * kwp + j0) * TB_OB; /* running vector sums; lanes are added at the end */ \
                    for (int jj = 0; jj < TB_WJ; jj++)                                                              \
                        for (int k = 0; k < TB_OB; k++) {                                                           \
                            V t;                                                                                    \
                            memcpy(&t, tv + jj * TB_OB + k, sizeof t);                                              \
                            t += acc[k][jj];                                                                        \
                            memcpy(tv + jj * TB_OB + k, &t, sizeof t);                                              \
                        }                                                                                           \
                }                                                                                                   \
    }

#define TB_NO_PIN(v) (void)0
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
/* An x86-64-v4 build of the plane kernel that keeps each loaded vector of g in a register: GCC would otherwise fold
   its load into each of the TB_WJ multiply-adds using it, and those extra loads (split ones when g is not 64-byte
   aligned) cost a third of the speed. The empty asm cannot be in the clones: their vectors may not fit a register. */
#define TB_PIN(v) __asm__("" : "+v"(v))
#define TB_WEIGHT_PLANES(SFX, T)                                                                                    \
    TB_WEIGHT_PLANE(SFX, T, 32, , TB_DIRECT_CLONES, TB_NO_PIN)                                                      \
    TB_WEIGHT_PLANE(SFX, T, 64, , TB_DIRECT_CLONES, TB_NO_PIN)                                                      \
    TB_WEIGHT_PLANE(SFX, T, 32, _v4, __attribute__((target("arch=x86-64-v4"))), TB_PIN)                            \
    TB_WEIGHT_PLANE(SFX, T, 64, _v4, __attribute__((target("arch=x86-64-v4"))), TB_PIN)
static int tb_weight_v4(void) { return __builtin_cpu_supports("x86-64-v4"); }
#define TB_WEIGHT_CALL(SFX, BYTES, ...)                                                                             \
    (v4 ? tb_weight_plane_##SFX##_##BYTES##_v4(__VA_ARGS__) : tb_weight_plane_##SFX##_##BYTES(__VA_ARGS__))
#else
#define TB_WEIGHT_PLANES(SFX, T)                                                                                    \
    TB_WEIGHT_PLANE(SFX, T, 32, , TB_DIRECT_CLONES, TB_NO_PIN)                                                      \
    TB_WEIGHT_PLANE(SFX, T, 64, , TB_DIRECT_CLONES, TB_NO_PIN)
static int tb_weight_v4(void) { return 0; }
#define TB_WEIGHT_CALL(SFX, BYTES, ...) tb_weight_plane_##SFX##_##BYTES(__VA_ARGS__)
#endif

#define TB_CONV2D_WEIGHT_DIRECT(SFX, T)                                                                             \
    TB_WEIGHT_PLANES(SFX, T)                                                                                        \
    int tb_conv2d_weight_direct_##SFX(const T *g, const T *x, int64_t n, int64_t c, int64_t h, int64_t w,           \
                                      int64_t o, int64_t kh, int64_t kw, int64_t ph, int64_t pw, T *gw, int64_t oh, \
                                      int64_t ow) {                                                                 \
        const int64_t v32 = 32 / (int64_t)sizeof(T), v64 = 64 / (int64_t)sizeof(T), vl = ow % v64 ? v32 : v64;     \
        if (ow % v32) return -3; /* rows of whole vectors only */                                                   \
        const int64_t kwp = (kw + TB_WJ - 1) / TB_WJ * TB_WJ;                                                       \
        const int v4 = tb_weight_v4();                                                                              \
        const int64_t h2 = oh + kh - 1, w2 = (ow + vl - 1) / vl * vl + kwp - 1;                                     \
        const int64_t blocks = (o + TB_OB - 1) / TB_OB, tasks = blocks * c;                                         \
        const int64_t rows = h < h2 - ph ? h : h2 - ph, cols = w < w2 - pw ? w : w2 - pw;                           \
        int status = 0;                                                                                             \
        TB_PRAGMA(omp parallel if (tb_parallel_ok(n * o * oh * ow * c * kh * kw)) num_threads(tb_get_num_threads())) \
        {                                                                                                           \
            TB_MY_SHARE(tasks, lo, hi); /* tasks: (input channel, block of output channels) */                      \
            const int64_t each = kh * kwp * TB_OB * vl; /* a task's running vector sums */                          \
            T *xp = tb_scratch(h2 * w2 + (hi - lo) * each, sizeof(T), &status), *tot = xp + h2 * w2;                \
            if (xp) memset(xp, 0, (size_t)(h2 * w2 + (hi - lo) * each) * sizeof(T)); /* borders stay zero */        \
            for (int64_t b = 0; xp && b < n; b++) /* image by image: its g is read from memory once, not per task */ \
                for (int64_t t = lo; t < hi; t++) {                                                                 \
                    const int64_t ch = t / blocks, ob = t % blocks * TB_OB;                                         \
                    const int64_t nk = o - ob < TB_OB ? o - ob : TB_OB;                                             \
                    const T *gb = g + (b * o + ob) * oh * ow;                                                       \
                    if (t == lo || ob == 0) /* a new channel: its rows of this image go into the padded plane */    \
                        for (int64_t iy = 0; cols > 0 && iy < rows; iy++)                                           \
                            memcpy(xp + (iy + ph) * w2 + pw, x + ((b * c + ch) * h + iy) * w,                       \
                                   (size_t)cols * sizeof(T));                                                       \
                    if (vl == v64)                                                                                  \
                        TB_WEIGHT_CALL(SFX, 64, gb, nk, xp, w2, kh, kw, oh, ow, tot + (t - lo) * each);             \
                    else                                                                                            \
                        TB_WEIGHT_CALL(SFX, 32, gb, nk, xp, w2, kh, kw, oh, ow, tot + (t - lo) * each);             \
                }                                                                                                   \
            for (int64_t t = lo; xp && t < hi; t++) {                                                               \
                const int64_t ch = t / blocks, ob = t % blocks * TB_OB;                                             \
                for (int64_t k = 0; k < TB_OB && ob + k < o; k++)                                                   \
                    for (int64_t i = 0; i < kh; i++)                                                                \
                        for (int64_t j = 0; j < kw; j++) {                                                          \
                            const T *lanes = tot + (t - lo) * each + ((i * kwp + j) * TB_OB + k) * vl;              \
                            T s = 0;                                                                                \
                            for (int64_t l = 0; l < vl; l++) s += lanes[l];                                         \
                            gw[(((ob + k) * c + ch) * kh + i) * kw + j] = s;                                        \
                        }                                                                                           \
            }                                                                                                       \
            free(xp);                                                                                               \
        }                                                                                                           \
        return status;                                                                                              \
    }

TB_CONV2D_WEIGHT_DIRECT(f32, float)
TB_CONV2D_WEIGHT_DIRECT(f64, double)
