/* Thread-count control and a fork guard: a child of a process that used OpenMP runs kernels serially. */
#define _POSIX_C_SOURCE 200809L

#include "parallel.h"

#include <omp.h>
#include <pthread.h>

static volatile int tb_forked = 0;
static volatile int tb_threads = 0; /* 0: OpenMP's default (OMP_NUM_THREADS or the core count) */
static int tb_default_threads = 1;

static void tb_mark_forked(void) { tb_forked = 1; }

/* omp_set_num_threads only affects the calling thread, so the setting is kept here and passed to
   every parallel region through num_threads(); the default is read once, on the loading thread. */
__attribute__((constructor)) static void tb_init(void) {
    tb_default_threads = omp_get_max_threads();
    pthread_atfork(NULL, NULL, tb_mark_forked);
}

int tb_parallel_ok(int64_t n) { return !tb_forked && n >= TB_PARALLEL_MIN; }

int tb_get_num_threads(void) {
    if (tb_forked) return 1;
    return tb_threads > 0 ? tb_threads : tb_default_threads;
}

void tb_set_num_threads(int n) { tb_threads = n < 1 ? 1 : n; }
