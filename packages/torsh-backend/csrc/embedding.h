/* Embedding lookup (gather rows) and its weight gradient (scatter-add rows). torsh_backend.embedding checks
   every index against the table first, so these trust their input. */
#ifndef TORSH_EMBEDDING_H
#define TORSH_EMBEDDING_H

#include <stdint.h>

/* out[i, :] = w[idx[i], :] for i < n; rows of dim elements. */
void tb_embedding_f32(const float *w, const int64_t *idx, float *out, int64_t n, int64_t dim);
void tb_embedding_f64(const double *w, const int64_t *idx, double *out, int64_t n, int64_t dim);

/* gw[idx[i], :] += g[i, :] for every i with idx[i] != padding_idx (-1: none); gw must be zeroed by the caller.
   Threads own disjoint column ranges, so there are no races and the sum order is fixed. */
void tb_embedding_backward_f32(const float *g, const int64_t *idx, float *gw, int64_t n, int64_t dim,
                               int64_t padding_idx);
void tb_embedding_backward_f64(const double *g, const int64_t *idx, double *gw, int64_t n, int64_t dim,
                               int64_t padding_idx);

#endif
