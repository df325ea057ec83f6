/* When to split a loop over OpenMP threads, how many threads to use, and fork safety for the pool. */
#ifndef TORSH_PARALLEL_H
#define TORSH_PARALLEL_H

#include <stdint.h>

/* Below this many elements a loop runs on one thread: waking the pool costs more than it saves. */
#define TB_PARALLEL_MIN 32768

/* Nonzero when a loop of n elements should run in parallel; always 0 in a forked child
   (libgomp's thread pool does not survive fork, and using it there hangs). */
int tb_parallel_ok(int64_t n);

/* Threads a parallel kernel uses: the process-wide setting, else OpenMP's default; 1 in a forked child. */
int tb_get_num_threads(void);

/* Set the process-wide thread count for later kernels, from any thread; values below 1 are treated as 1. */
void tb_set_num_threads(int n);

#endif
