/* SPDX-License-Identifier: MIT */
/*
 * The fast kernels of lib/linalg (the BLAS, or the C loops with make BLAS=none) against their plain
 * references, on shapes that exercise every remainder (rows not a multiple of 4, K not a multiple of 8,
 * and 1, 7, 33, 257, 1031 for the BLAS's blocks and the blocks linalg cuts products into for the threads),
 * linear_backward too. Prints the largest
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

/* d_x += d_out w, d_w += d_out^T x, d_bias += column sums of d_out: one sum at a time, in double */
static void linear_backward_naive(float *d_x, float *d_w, float *d_bias, const float *d_out, const float *x,
				  const float *w, size_t N, size_t K, size_t M)
{
	for (size_t n = 0; n < N; n++)
		for (size_t k = 0; k < K; k++) {
			double sum = d_x[n * K + k];
			for (size_t m = 0; m < M; m++)
				sum += (double)d_out[n * M + m] * w[m * K + k];
			d_x[n * K + k] = (float)sum;
		}
	for (size_t m = 0; m < M; m++) {
		double bias_sum = d_bias[m];
		for (size_t k = 0; k < K; k++) {
			double sum = d_w[m * K + k];
			for (size_t n = 0; n < N; n++)
				sum += (double)d_out[n * M + m] * x[n * K + k];
			d_w[m * K + k] = (float)sum;
		}
		for (size_t n = 0; n < N; n++)
			bias_sum += d_out[n * M + m];
		d_bias[m] = (float)bias_sum;
	}
}

/*
 * linear_backward against linear_backward_naive, both adding to the same random gradients (they
 * accumulate); returns the largest difference of d_x, d_w and d_bias
 */
static double backward_check(Rng *rng, const float *x, const float *w, size_t N, size_t K, size_t M)
{
	float *d_out = xcalloc(N * M, sizeof(float)), *d[2][3];
	const size_t n[3] = { N * K, M * K, M };
	double worst = 0.0;

	fill_normal(rng, d_out, N * M, 1.0);
	for (int j = 0; j < 3; j++) {
		d[0][j] = xcalloc(n[j], sizeof(float)), d[1][j] = xcalloc(n[j], sizeof(float));
		fill_normal(rng, d[0][j], n[j], 1.0);
		memcpy(d[1][j], d[0][j], n[j] * sizeof(float));
	}
	linear_backward(d[0][0], d[0][1], d[0][2], d_out, x, w, N, K, M);
	linear_backward_naive(d[1][0], d[1][1], d[1][2], d_out, x, w, N, K, M);
	for (int j = 0; j < 3; j++) {
		worst = fmax(worst, max_diff(d[0][j], d[1][j], n[j]));
		free(d[0][j]), free(d[1][j]);
	}
	free(d_out);
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
					    { 33, 7, 1031 }, { 257, 33, 257 }, { 1031, 64, 7 }, { 33, 257, 1031 }, { 257, 64, 257 } };
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
		/* d_w sums over N, d_x over M; without a BLAS the sums run in one float: the error grows with n */
		double tol_backward = 4e-6 + 4e-7 * (double)(N > M ? N : M);
		double d_linear, d_nobias, d_matmul, d_backward;

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
		d_backward = backward_check(&rng, x, w, N, K, M);
		printf("N=%zu K=%zu M=%zu  linear %.3g  linear(no bias) %.3g  matmul %.3g  (tolerance %.3g)  "
		       "linear_backward %.3g  (tolerance %.3g)\n", N, K, M, d_linear, d_nobias, d_matmul, tol, d_backward,
		       tol_backward);
		failed |= d_linear > tol || d_nobias > tol || d_matmul > tol || d_backward > tol_backward;
		free(x), free(w), free(b), free(fast), free(ref);
	}
	failed |= softmax_check(&rng);
	return failed;
}
