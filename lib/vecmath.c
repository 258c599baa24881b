/* SPDX-License-Identifier: MIT */
#include "vecmath.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#define EXP_LO (-87.33654f) /* ln(FLT_MIN): below it exp(x) is not a normal float */
#define EXP_HI 88.72283f    /* ln(FLT_MAX) */

static inline float float_of_bits(uint32_t u)
{
	float f;
	memcpy(&f, &u, sizeof(f));
	return f;
}

static inline int32_t bits_of_float(float f)
{
	int32_t i;
	memcpy(&i, &f, sizeof(i));
	return i;
}

static inline float exp_core(float x)
{
	/* 1.5 * 2^23: adding it rounds to an integer, which lands in the low bits of the float */
	const float round_magic = 12582912.0f;
	const float xc = x < EXP_LO ? EXP_LO : x > EXP_HI ? EXP_HI : x;
	const float t = xc * 1.44269504088896341f + round_magic; /* n = round(x / ln 2) */
	const float n = t - round_magic;
	const int32_t k = bits_of_float(t) - bits_of_float(round_magic), k1 = k / 2, k2 = k - k1;
	/* r = x - n ln 2, ln 2 in two parts: n * 0.693359375 (9 bits times at most 8) is exact */
	const float r = (xc - n * 0.693359375f) - n * -2.12194440e-4f;
	float p = 1.9875691500e-4f;
	float e;

	p = p * r + 1.3981999507e-3f;
	p = p * r + 8.3334519073e-3f;
	p = p * r + 4.1665795894e-2f;
	p = p * r + 1.6666665459e-1f;
	p = p * r + 5.0000001201e-1f;
	e = (p * (r * r) + r) + 1.0f;
	/* times 2^k as 2^k1 2^k2 (|k1|, |k2| <= 64): each factor is a normal float, and e 2^k rounds once */
	e = e * float_of_bits((uint32_t)(k1 + 127) << 23) * float_of_bits((uint32_t)(k2 + 127) << 23);
	return x < EXP_LO ? 0.0f : x > EXP_HI ? INFINITY : x != x ? x : e;
}

float exp_approx(float x)
{
	return exp_core(x);
}

PF_CLONES float vec_max(const float *x, size_t n)
{
	float m = -INFINITY;

#pragma omp simd reduction(max : m)
	for (size_t j = 0; j < n; j++)
		m = x[j] > m ? x[j] : m;
	return m;
}

enum { SUM_LANES = 16 };

PF_CLONES double vec_exp_shifted_sum(float *x, size_t n, float shift)
{
	double part[SUM_LANES] = { 0 };
	size_t j = 0;

#pragma omp simd
	for (size_t i = 0; i < n; i++)
		x[i] = exp_core(x[i] - shift);
	/* lane l adds x[l], x[l + 16], ...: the same order whatever the vector width */
	for (; j + SUM_LANES <= n; j += SUM_LANES)
#pragma omp simd
		for (size_t l = 0; l < SUM_LANES; l++)
			part[l] += x[j + l];
	for (size_t l = 0; j < n; j++, l++)
		part[l] += x[j];
	for (size_t w = SUM_LANES / 2; w > 0; w /= 2)
		for (size_t l = 0; l < w; l++)
			part[l] += part[l + w];
	return part[0];
}

PF_CLONES void vec_scale(float *x, size_t n, float a)
{
#pragma omp simd
	for (size_t j = 0; j < n; j++)
		x[j] *= a;
}

PF_CLONES void vec_add(float *y, const float *x, size_t n)
{
#pragma omp simd
	for (size_t j = 0; j < n; j++)
		y[j] += x[j];
}

PF_CLONES void vec_axpy(float *y, float a, const float *x, size_t n)
{
#pragma omp simd
	for (size_t j = 0; j < n; j++)
		y[j] += a * x[j];
}

PF_CLONES void vec_relu(float *x, size_t n)
{
#pragma omp simd
	for (size_t j = 0; j < n; j++)
		x[j] = x[j] > 0.0f ? x[j] : 0.0f;
}
