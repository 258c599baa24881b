/* SPDX-License-Identifier: MIT */
/*
 * The fast kernels of lib/linalg (the BLAS, or the C loops with make BLAS=none) against their plain
 * references, on shapes that exercise every remainder (rows not a multiple of 4, K not a multiple of 8,
 * and 1, 7, 33, 257, 1031 for the BLAS's blocks). Prints the largest
 * difference of each pair; exits 1 when one exceeds its tolerance. Run by tests/linalg.bats.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "linalg.h"
#include "threads.h"
#include "rng.h"
#include "softmax.h"

static double max_diff(const float *a, const float *b, size_t n)
{
	double worst = 0.0;

	for (size_t i = 0; i < n; i++)
		worst = fmax(worst, fabs((double)a[i] - b[i]));
	return worst;
}

/*
 * softmax_rows against softmax(x)_m = exp(x_m - max) / sum exp(x_j - max) in double, on rows of ordinary
 * values and rows near 1000 (exp(1000) overflows a float: only the max subtraction keeps them finite).
 */
static int softmax_check(Rng *rng)
{
	enum { N = 4, M = 13 };
	float x[N * M];
	double worst = 0.0;

	fill_normal(rng, x, N * M, 3.0);
	for (size_t m = 0; m < M; m++)
		x[2 * M + m] += 1000.0f, x[3 * M + m] -= 1000.0f;
	{
		float y[N * M];
		memcpy(y, x, sizeof(y));
		softmax_rows(y, N, M);
		for (size_t n = 0; n < N; n++) {
			double max = -INFINITY, sum = 0.0;
			for (size_t m = 0; m < M; m++)
				max = fmax(max, x[n * M + m]);
			for (size_t m = 0; m < M; m++)
				sum += exp((double)x[n * M + m] - max);
			for (size_t m = 0; m < M; m++) {
				double d = fabs(y[n * M + m] - exp((double)x[n * M + m] - max) / sum);
				worst = isnan(d) || d > worst ? (isnan(d) ? INFINITY : d) : worst;
			}
		}
	}
	printf("softmax_rows, rows near 0, +1000 and -1000: %.3g  (tolerance 1e-6)\n", worst);
	return worst > 1e-6;
}

int main(int argc, char **argv)
{
	static const size_t shapes[][3] = { { 1, 1, 1 }, { 3, 7, 5 }, { 4, 8, 4 }, { 5, 17, 3 }, { 9, 64, 33 },
					    { 13, 129, 7 }, { 128, 512, 64 }, { 1, 1031, 7 }, { 7, 257, 33 },
					    { 33, 7, 1031 }, { 257, 33, 257 }, { 1031, 64, 7 }, { 33, 257, 1031 } };
	int failed = 0;
	Rng rng;

	(void)argc;
	set_progname(argv[0]);
	threads_from_env(); /* as every program: the products are split over $PIPEFORMER_THREADS threads */
	rng_seed(&rng, 42);
	for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
		size_t N = shapes[i][0], K = shapes[i][1], M = shapes[i][2];
		float *x = xcalloc(N * K, sizeof(float)), *w = xcalloc(M * K, sizeof(float));
		float *b = xcalloc(M, sizeof(float)), *fast = xcalloc(N * M, sizeof(float));
		float *ref = xcalloc(N * M, sizeof(float));
		double tol = 1e-6 * sqrt((double)K) * 4; /* float rounding grows with the length of a sum */
		double d_linear, d_nobias, d_matmul;

		fill_normal(&rng, x, N * K, 1.0);
		fill_normal(&rng, w, M * K, 1.0);
		fill_normal(&rng, b, M, 1.0);
		linear(fast, x, w, b, N, K, M);
		linear_naive(ref, x, w, b, N, K, M);
		d_linear = max_diff(fast, ref, N * M);
		linear(fast, x, w, NULL, N, K, M);
		linear_naive(ref, x, w, NULL, N, K, M);
		d_nobias = max_diff(fast, ref, N * M);
		/* matmul: x[N,K] times w read as [K,M] when M*K floats are there */
		matmul(fast, x, w, N, K, M);
		matmul_naive(ref, x, w, N, K, M);
		d_matmul = max_diff(fast, ref, N * M);
		printf("N=%zu K=%zu M=%zu  linear %.3g  linear(no bias) %.3g  matmul %.3g  (tolerance %.3g)\n", N, K,
		       M, d_linear, d_nobias, d_matmul, tol);
		failed |= d_linear > tol || d_nobias > tol || d_matmul > tol;
		free(x), free(w), free(b), free(fast), free(ref);
	}
	failed |= softmax_check(&rng);
	return failed;
}
