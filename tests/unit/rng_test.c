/* SPDX-License-Identifier: MIT */
/*
 * lib/rng's jump ahead against stepping: rng_jump(n) lands where n calls of rng_next do (which it cannot
 * unless CHARPOLY is the characteristic polynomial of a step), and params_init, whose threads each jump
 * to their part of one stream, draws the very numbers that one thread drawing in order does (with a
 * normal_ tensor between uniform ones, whose count of draws is not known in advance). Prints one line per check;
 * exits 1 when one fails. Run by tests/rng-unit.bats, with 1 and 3 threads.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "params.h"
#include "rng.h"
#include "threads.h"

static bool same_state(const Rng *a, const Rng *b)
{
	return memcmp(a->s, b->s, sizeof(a->s)) == 0;
}

/* rng_jump(n) against n calls of rng_next, for n around the powers of two the square-and-multiply meets */
static int jump_vs_steps(void)
{
	static const uint64_t ns[] = { 0, 1, 2, 3, 63, 64, 65, 255, 256, 257, 1000, 65537, 1234567 };
	int failed = 0;

	for (size_t i = 0; i < sizeof(ns) / sizeof(ns[0]); i++) {
		Rng stepped, jumped;
		rng_seed(&stepped, 5 + i);
		rng_seed(&jumped, 5 + i);
		for (uint64_t k = 0; k < ns[i]; k++)
			rng_next(&stepped);
		rng_jump(&jumped, ns[i]);
		failed |= !same_state(&stepped, &jumped);
		printf("jump %7llu = %7llu steps: %s\n", (unsigned long long)ns[i], (unsigned long long)ns[i],
		       same_state(&stepped, &jumped) ? "yes" : "NO");
	}
	return failed;
}

/* far jumps, where stepping is out of reach: jump(a) then jump(b) = jump(b) then jump(a), and = jump(a + b) */
static int far_jumps(void)
{
	const uint64_t a = 0x123456789abcdefull, b = (1ull << 63) + 12345;
	Rng ab, ba, sum;
	bool ok;

	rng_seed(&ab, 9), rng_seed(&ba, 9), rng_seed(&sum, 9);
	rng_jump(&ab, a), rng_jump(&ab, b);
	rng_jump(&ba, b), rng_jump(&ba, a);
	rng_jump(&sum, a + b);
	ok = same_state(&ab, &ba) && same_state(&ab, &sum);
	printf("jump a then b = b then a = a + b (a = 0x%llx, b = 2^63 + 12345): %s\n", (unsigned long long)a,
	       ok ? "yes" : "NO");
	return !ok;
}

/* fill_uniform's numbers from rng in order, then fill_normal's, then fill_uniform's: params_init's stream */
static void reference_fill(float *x, size_t n_uniform, size_t n_normal, uint64_t seed)
{
	Rng rng;

	rng_seed(&rng, seed);
	fill_uniform(&rng, x, n_uniform, 1.0 / sqrt(512.0));            /* INIT_LINEAR, in = 512 */
	fill_uniform(&rng, x + n_uniform, 2048, 0.25);                     /* INIT_UNIFORM */
	fill_normal(&rng, x + n_uniform + 2048, n_normal, 1.0);            /* INIT_NORMAL */
	fill_uniform(&rng, x + n_uniform + 2048 + n_normal, 333 * 7, 0.5); /* INIT_UNIFORM */
}

static int params_vs_one_stream(void)
{
	enum { ROWS = 1031, IN = 512, NORMAL = 3 };
	const size_t n_uniform = (size_t)ROWS * IN, n_all = n_uniform + 2048 + NORMAL + 333 * 7;
	float *expect = xcalloc(n_all, sizeof(float)), *w, *b, *e, *u;
	Params p = { 0 };
	size_t shape_w[2] = { ROWS, IN }, shape_b[1] = { 2048 }, shape_e[1] = { NORMAL }, shape_u[2] = { 333, 7 };
	bool ok;

	params_add(&p, &w, "w", INIT_LINEAR, 0.0, 2, shape_w);
	params_add(&p, &b, "b", INIT_UNIFORM, 0.25, 1, shape_b);
	params_add(&p, &e, "e", INIT_NORMAL, 1.0, 1, shape_e);
	params_add(&p, &u, "u", INIT_UNIFORM, 0.5, 2, shape_u);
	params_init(&p, 77);
	reference_fill(expect, n_uniform, NORMAL, 77);
	ok = memcmp(w, expect, n_uniform * sizeof(float)) == 0 &&
	     memcmp(b, expect + n_uniform, 2048 * sizeof(float)) == 0 &&
	     memcmp(e, expect + n_uniform + 2048, NORMAL * sizeof(float)) == 0 &&
	     memcmp(u, expect + n_uniform + 2048 + NORMAL, 333 * 7 * sizeof(float)) == 0;
	printf("params_init on %d threads: %zu numbers equal to one stream drawn in order: %s\n", threads_count(),
	       n_all, ok ? "yes" : "NO");
	params_free(&p);
	free(expect);
	return !ok;
}

int main(int argc, char **argv)
{
	int failed = 0;

	(void)argc;
	set_progname(argv[0]);
	threads_from_env();
	failed |= jump_vs_steps();
	failed |= far_jumps();
	failed |= params_vs_one_stream();
	return failed;
}
