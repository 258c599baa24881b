/* SPDX-License-Identifier: MIT */
#include "threads.h"

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#ifdef _OPENMP
#include <omp.h>
#endif
#ifdef PF_OPENBLAS
#include <cblas.h> /* openblas_set_num_threads, openblas_get_parallel */
/* OpenBLAS's pthread build only (weak: the serial build has none): stops its pool of threads */
extern void blas_thread_shutdown_(void) __attribute__((weak));
#endif

#include "err.h"

static int count; /* 0 until set: the online cores */

int threads_count(void)
{
	if (count == 0) {
		long cores = sysconf(_SC_NPROCESSORS_ONLN);
		count = cores < 1 ? 1 : cores > THREADS_MAX ? THREADS_MAX : (int)cores;
	}
	return count;
}

int thread_index(void)
{
#ifdef _OPENMP
	return omp_get_thread_num();
#else
	return 0;
#endif
}

bool thread_in_parallel(void)
{
#ifdef _OPENMP
	return omp_get_level() > 0;
#else
	return false;
#endif
}

/*
 * The BLAS runs on the calling thread only (OpenBLAS's setting; another CBLAS keeps its own): linalg.c
 * splits each large product over OpenMP's threads itself. Two pools of threads, OpenMP's and the BLAS's,
 * each spinning while the other works, cost a fifth to a quarter of a Transformer layer's time on two
 * cores (make bench).
 */
static void blas_serial(void)
{
#ifdef PF_OPENBLAS
	openblas_set_num_threads(1);
	/* the pthread build started its threads when it was loaded, and they spin for about a tenth of a second
	 * waiting for work that will never come: stop them (the OpenMP build shares OpenMP's threads) */
	if (blas_thread_shutdown_ && openblas_get_parallel() == 1)
		blas_thread_shutdown_();
#endif
}

void threads_set(int n)
{
	count = n < 1 ? 1 : n > THREADS_MAX ? THREADS_MAX : n;
#ifdef _OPENMP
	omp_set_num_threads(count);
#endif
	blas_serial();
}

void threads_from_env(void)
{
	const char *s = getenv("PIPEFORMER_THREADS");
	char *end;
	long n;

	blas_serial(); /* every program starts here (opts.c), --threads or not */
	if (s == NULL || *s == '\0')
		return;
	errno = 0;
	n = strtol(s, &end, 10);
	if (end == s || *end != '\0' || errno == ERANGE || n < 1 || n > THREADS_MAX)
		usage_error("PIPEFORMER_THREADS: '%s' is not a whole number from 1 to %d", s, THREADS_MAX);
	threads_set((int)n);
}
