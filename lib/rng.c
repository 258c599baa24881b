/* SPDX-License-Identifier: MIT */
#include "rng.h"

#include <math.h>

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

void rng_seed(Rng *r, uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&seed);
	r->has_spare = 0;
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t rng_next(Rng *r)
{
	uint64_t *s = r->s, result = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

double rng_uniform(Rng *r)
{
	return (double)(rng_next(r) >> 11) * 0x1.0p-53;
}

double rng_normal(Rng *r)
{
	double u1, u2, radius;

	if (r->has_spare) {
		r->has_spare = 0;
		return r->spare;
	}
	do
		u1 = rng_uniform(r);
	while (u1 == 0.0); /* log(0) */
	u2 = rng_uniform(r);
	radius = sqrt(-2.0 * log(u1));
	r->spare = radius * sin(2.0 * M_PI * u2);
	r->has_spare = 1;
	return radius * cos(2.0 * M_PI * u2);
}

void fill_uniform(Rng *r, float *x, size_t n, double bound)
{
	for (size_t i = 0; i < n; i++)
		x[i] = (float)((2.0 * rng_uniform(r) - 1.0) * bound);
}

void fill_normal(Rng *r, float *x, size_t n, double std)
{
	for (size_t i = 0; i < n; i++)
		x[i] = (float)(rng_normal(r) * std);
}
