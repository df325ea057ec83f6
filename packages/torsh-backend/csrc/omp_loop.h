/* Pragmas shared by the kernels: every parallel region uses the configured team size and stays
   serial for short loops and in forked children (see parallel.h). Internal: not exposed to Python. */
#ifndef TORSH_OMP_LOOP_H
#define TORSH_OMP_LOOP_H

#include <omp.h>

#include "parallel.h"

#define TB_STR(x) #x
#define TB_PRAGMA(x) _Pragma(TB_STR(x))

/* Before a `for` over n independent elements: split it statically over the team, vectorised. */
#define TB_PARALLEL_FOR(n) \
    TB_PRAGMA(omp parallel for simd schedule(static) if (tb_parallel_ok(n)) num_threads(tb_get_num_threads()))

/* Before a `for` over rows whose bodies are themselves loops (no simd at this level). */
#define TB_PARALLEL_ROWS(n) \
    TB_PRAGMA(omp parallel for schedule(static) if (tb_parallel_ok(n)) num_threads(tb_get_num_threads()))

/* Before a block that every team member runs, adding its partial result into VAR. */
#define TB_PARALLEL_SUM(var) TB_PRAGMA(omp parallel reduction(+ : var) num_threads(tb_get_num_threads()))

/* Inside a parallel region: this member's static share [lo, hi) of n items (images, rows, tasks), with no
   worksharing construct; also names tb_parts (the team size) and tb_me (this member's number). */
#define TB_MY_SHARE(n, lo, hi)                                                                               \
    const int64_t tb_parts = omp_get_num_threads(), tb_me = omp_get_thread_num();                            \
    const int64_t lo = (n) * tb_me / tb_parts, hi = (n) * (tb_me + 1) / tb_parts

#endif
