#include "linalg.h"

#include <math.h>
#include <string.h>

void matmul_naive(float *out, const float *a, const float *b, size_t N, size_t K, size_t M)
{
	for (size_t n = 0; n < N; n++)
		for (size_t m = 0; m < M; m++) {
			double sum = 0.0;
			for (size_t k = 0; k < K; k++)
				sum += (double)a[n * K + k] * b[k * M + m];
			out[n * M + m] = (float)sum;
		}
}

void matmul(float *out, const float *a, const float *b, size_t N, size_t K, size_t M)
{
	memset(out, 0, N * M * sizeof(float));
	for (size_t n = 0; n < N; n++) {
		float *out_n = out + n * M;
		for (size_t k = 0; k < K; k++) {
			const float a_nk = a[n * K + k], *b_k = b + k * M;
			for (size_t m = 0; m < M; m++)
				out_n[m] += a_nk * b_k[m];
		}
	}
}

void linear(float *out, const float *x, const float *w, const float *bias, size_t N, size_t K, size_t M)
{
	for (size_t n = 0; n < N; n++) {
		const float *x_n = x + n * K;
		for (size_t m = 0; m < M; m++) {
			const float *w_m = w + m * K; /* row m of [out, in]: a dot product of two contiguous rows */
			float sum = 0.0f;
			for (size_t k = 0; k < K; k++)
				sum += x_n[k] * w_m[k];
			out[n * M + m] = sum + (bias ? bias[m] : 0.0f);
		}
	}
}

void softmax_rows(float *x, size_t N, size_t M)
{
	for (size_t n = 0; n < N; n++) {
		float *x_n = x + n * M;
		float max = -INFINITY;
		double sum = 0.0;
		/* pass 1: row maximum; subtracting it keeps exp() from overflowing and changes nothing else */
		for (size_t m = 0; m < M; m++)
			max = x_n[m] > max ? x_n[m] : max;
		/* pass 2: exponentials and their sum */
		for (size_t m = 0; m < M; m++) {
			x_n[m] = expf(x_n[m] - max);
			sum += x_n[m];
		}
		/* pass 3: normalise */
		for (size_t m = 0; m < M; m++)
			x_n[m] = (float)(x_n[m] / sum);
	}
}
