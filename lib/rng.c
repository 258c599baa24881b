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

/*
 * Jumping ahead. A step of xoshiro256 is linear in the state's 256 bits over GF(2) (+ is xor, * is and):
 * s' = A s for a 256 x 256 bit matrix A, and n steps are A^n s. A's characteristic polynomial p(x), of
 * degree 256, has p(A) = 0 (Cayley-Hamilton), so A^n = q(A) with q(x) = x^n mod p(x), of degree < 256:
 * A^n s = sum of A^j s over the j whose coefficient q_j is 1, 256 steps whatever n is. Blackman and
 * Vigna's jump() is this with n = 2^128 and q written out; here q is computed for any n.
 *
 * A polynomial of degree < 256 is 256 bits, bit j the coefficient of x^j, in four words. CHARPOLY is p
 * without its x^256 term: tools/xoshiro-charpoly.py finds it (Berlekamp-Massey on one bit of the state)
 * and checks that p(A) s = 0; rng-unit.bats checks that rng_jump(n) lands where n steps do.
 */
static const uint64_t CHARPOLY[4] = { 0x9d116f2bb0f0f001ull, 0x0280002bcefd1a5eull, 0x04b4edcf26259f85ull,
				      0x0003c03c3f3ecb19ull };

/* a = a x mod p: shift up one bit; an x^256 that comes out is replaced by what it equals mod p */
static void poly_times_x(uint64_t a[4])
{
	uint64_t carry = a[3] >> 63;

	for (int w = 3; w > 0; w--)
		a[w] = (a[w] << 1) | (a[w - 1] >> 63);
	a[0] <<= 1;
	for (int w = 0; w < 4 && carry; w++)
		a[w] ^= CHARPOLY[w];
}

/* a = a b mod p, by Horner's rule over b's bits from the top: a b = (...(b_255 a) x + b_254 a) x + ... */
static void poly_mul(uint64_t a[4], const uint64_t b[4])
{
	uint64_t out[4] = { 0 };

	for (int j = 255; j >= 0; j--) {
		poly_times_x(out);
		if (b[j / 64] >> (j % 64) & 1)
			for (int w = 0; w < 4; w++)
				out[w] ^= a[w];
	}
	for (int w = 0; w < 4; w++)
		a[w] = out[w];
}

void rng_jump(Rng *r, uint64_t n)
{
	uint64_t q[4] = { 1, 0, 0, 0 }, s[4] = { 0 }; /* q = x^0 */

	/* q = x^n mod p, square and multiply over n's bits from its top one (squaring x^0 changes nothing) */
	for (int bit = n ? 63 - __builtin_clzll(n) : -1; bit >= 0; bit--) {
		poly_mul(q, q);
		if (n >> bit & 1)
			poly_times_x(q);
	}
	/* s = q(A) r = sum over q_j = 1 of A^j r */
	for (int j = 0; j < 256; j++) {
		if (q[j / 64] >> (j % 64) & 1)
			for (int w = 0; w < 4; w++)
				s[w] ^= r->s[w];
		rng_next(r);
	}
	for (int w = 0; w < 4; w++)
		r->s[w] = s[w];
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
