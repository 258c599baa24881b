/* SPDX-License-Identifier: MIT */
#include "threads.h"

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#ifdef _OPENMP
#include <omp.h>
#endif
#ifdef PF_OPENBLAS
#include <cblas.h> /* openblas_set_num_threads */
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

/* the BLAS's thread count (OpenBLAS's; another CBLAS keeps its own setting) */
static void blas_threads(int n)
{
#ifdef PF_OPENBLAS
	openblas_set_num_threads(n);
#else
	(void)n;
#endif
}

void threads_set(int n)
{
	count = n < 1 ? 1 : n > THREADS_MAX ? THREADS_MAX : n;
#ifdef _OPENMP
	omp_set_num_threads(count);
#endif
	blas_threads(count);
}

void threads_from_env(void)
{
	const char *s = getenv("PIPEFORMER_THREADS");
	char *end;
	long n;

	if (s == NULL || *s == '\0')
		return;
	errno = 0;
	n = strtol(s, &end, 10);
	if (end == s || *end != '\0' || errno == ERANGE || n < 1 || n > THREADS_MAX)
		usage_error("PIPEFORMER_THREADS: '%s' is not a whole number from 1 to %d", s, THREADS_MAX);
	threads_set((int)n);
}

void threads_blas_serial_begin(void)
{
	if (threads_count() > 1)
		blas_threads(1);
}

void threads_blas_serial_end(void)
{
	if (threads_count() > 1)
		blas_threads(threads_count());
}
