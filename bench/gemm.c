/* SPDX-License-Identifier: MIT */
/*
 * bench/gemm N K M [REPS]: the speed of lib/linalg's linear() on out[N,M] = x[N,K] w[M,K]^T + b,
 * the product every projection and feed-forward layer makes. Prints the best of REPS runs (default 5)
 * as "GFLOP/s seconds" (2 N K M floating-point operations per run). Built and run by make bench.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "err.h"
#include "linalg.h"
#include "opts.h"
#include "rng.h"
#include "threads.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int main(int argc, char **argv)
{
	size_t N, K, M;
	long reps;
	float *x, *w, *b, *out;
	double best = 1e30;
	Rng rng;

	set_progname(argv[0]);
	threads_from_env(); /* the threads every program uses: $PIPEFORMER_THREADS, else the online cores */
	if (argc < 4 || argc > 5)
		usage_error("usage: gemm N K M [REPS]");
	N = (size_t)parse_long(argv[1], "N", 1, 1L << 20);
	K = (size_t)parse_long(argv[2], "K", 1, 1L << 20);
	M = (size_t)parse_long(argv[3], "M", 1, 1L << 20);
	reps = argc == 5 ? parse_long(argv[4], "REPS", 1, 1000) : 5;
	x = xmalloc(xmul(xmul(N, K, "x"), sizeof(float), "x"));
	w = xmalloc(xmul(xmul(M, K, "w"), sizeof(float), "w"));
	b = xmalloc(xmul(M, sizeof(float), "b"));
	out = xmalloc(xmul(xmul(N, M, "out"), sizeof(float), "out"));
	rng_seed(&rng, 1);
	fill_normal(&rng, x, N * K, 1.0);
	fill_normal(&rng, w, M * K, 1.0);
	fill_normal(&rng, b, M, 1.0);
	/* warm-up, a tenth of a second: pages are touched and threads started (the first tens of milliseconds
	 * after OpenBLAS is loaded run up to five times slower) */
	for (double start = now(); now() - start < 0.1;)
		linear(out, x, w, b, N, K, M);
	for (long r = 0; r < reps; r++) {
		double start = now();
		linear(out, x, w, b, N, K, M);
		double t = now() - start;
		best = t < best ? t : best;
	}
	printf("%.2f %.6f\n", 2.0 * (double)N * (double)K * (double)M / best / 1e9, best);
	free(x), free(w), free(b), free(out);
	return 0;
}
