/* SPDX-License-Identifier: MIT */
/* threads: how many threads the kernels use (--threads N, else $PIPEFORMER_THREADS, else every online core). */
#ifndef PF_THREADS_H
#define PF_THREADS_H

#include <stdbool.h>

/*
 * The kernels split their work (heads, query blocks, rows) into pieces whose size never depends on
 * the number of threads, and each piece is computed the same way by whichever thread takes it: the
 * output is the same, bit for bit, for any number of threads. Matrix products are split the same way, by
 * blocks of output columns or rows (linalg.c), never by their sums.
 */

/* The number in use: threads_set's, else $PIPEFORMER_THREADS, else the online cores. */
int threads_count(void);
/* Inside a parallel loop, which of its threads runs this: 0 .. threads_count() - 1 (0 outside). */
int thread_index(void);
/*
 * Whether this runs inside a parallel loop (any: one whose if() was false, or that has one thread, too, so
 * that the answer never depends on the number of threads). Its pieces then stay on their thread: a team
 * started inside a team has one thread and costs a futex call for nothing.
 */
bool thread_in_parallel(void);
/* Use n threads (n >= 1) in OpenMP's loops; the BLAS itself always runs on the thread that calls it. */
void threads_set(int n);
/* threads_set from $PIPEFORMER_THREADS when it is set; a value that is not 1 to THREADS_MAX is a usage error. */
void threads_from_env(void);
#define THREADS_MAX 1024

/* Loops smaller than this (in multiply-adds or elements) stay on one thread: starting threads costs more. */
#define PARALLEL_MIN_WORK 32768

#endif
