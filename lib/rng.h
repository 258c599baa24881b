/* SPDX-License-Identifier: MIT */
/* rng: a portable random generator (the same numbers on every machine) and PyTorch's init rules. */
#ifndef PF_RNG_H
#define PF_RNG_H

#include <stddef.h>
#include <stdint.h>

#define DEFAULT_SEED 1

/* xoshiro256** (Blackman and Vigna), seeded through splitmix64: integer arithmetic only. */
typedef struct {
	uint64_t s[4];
	double spare; /* the second normal of a Box-Muller pair */
	int has_spare;
} Rng;

void rng_seed(Rng *r, uint64_t seed);
uint64_t rng_next(Rng *r);
/*
 * r as it will be after n more rng_next calls, in 256 steps whatever n is: threads that share one stream
 * of numbers each jump to their part of it, and the numbers are the same as one thread's.
 */
void rng_jump(Rng *r, uint64_t n);
/* Uniform in [0, 1) with 53 random bits. */
double rng_uniform(Rng *r);
/* Standard normal (Box-Muller in double precision, rounded to float by the caller). */
double rng_normal(Rng *r);

/* x[n] ~ U(-bound, bound) */
void fill_uniform(Rng *r, float *x, size_t n, double bound);
/* x[n] ~ N(0, std^2) */
void fill_normal(Rng *r, float *x, size_t n, double std);

#endif
