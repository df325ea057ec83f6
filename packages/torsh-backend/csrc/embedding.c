/* Embedding kernels: the lookup copies rows in parallel; the backward splits the embedding dim over threads. */
#include "embedding.h"

#include <string.h>

#include "omp_loop.h"

#define TB_EMBEDDING(NAME, T)                                                             \
    void NAME(const T *w, const int64_t *idx, T *out, int64_t n, int64_t dim) {           \
        TB_PARALLEL_ROWS(n * dim)                                                         \
        for (int64_t i = 0; i < n; i++) memcpy(out + i * dim, w + idx[i] * dim, (size_t)dim * sizeof(T)); \
    }

#define TB_EMBEDDING_BACKWARD(NAME, T)                                                                     \
    void NAME(const T *g, const int64_t *idx, T *gw, int64_t n, int64_t dim, int64_t padding_idx) {        \
        int64_t parts = tb_parallel_ok(n * dim) && dim >= 32 ? tb_get_num_threads() : 1;                   \
        TB_PRAGMA(omp parallel for schedule(static) num_threads(parts))                                    \
        for (int64_t p = 0; p < parts; p++) {                                                              \
            int64_t lo = dim * p / parts, hi = dim * (p + 1) / parts;                                      \
            for (int64_t i = 0; i < n; i++) {                                                              \
                if (idx[i] == padding_idx) continue;                                                       \
                const T *gr = g + i * dim;                                                                 \
                T *wr = gw + idx[i] * dim;                                                                 \
                _Pragma("omp simd")                                                                        \
                for (int64_t c = lo; c < hi; c++) wr[c] += gr[c];                                          \
            }                                                                                              \
        }                                                                                                  \
    }

TB_EMBEDDING(tb_embedding_f32, float)
TB_EMBEDDING(tb_embedding_f64, double)
TB_EMBEDDING_BACKWARD(tb_embedding_backward_f32, float)
TB_EMBEDDING_BACKWARD(tb_embedding_backward_f64, double)
