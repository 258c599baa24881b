/* SPDX-License-Identifier: MIT */
/*
 * lib/vecmath against plain references written here:
 *   - exp_approx against exp() in double on a sweep of float bit patterns over its whole normal range, and
 *     on the edges (+-0, the under- and overflow thresholds, +-inf, NaN);
 *   - the vector loops (in whichever clone this CPU runs: plain x86-64, AVX2 or AVX-512) equal, bit for bit,
 *     a one-element-at-a-time loop in the order vecmath.h promises, on lengths that hit every tail of the
 *     vectors and of the 16 sum lanes (0, 1, 7, 16, 33, 257, 1031).
 * Prints one line per check; exits 1 when one fails. Run by tests/vecmath.bats.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "rng.h"
#include "vecmath.h"

static int failed;

static void check(int ok, const char *what)
{
	printf("%s %s\n", ok ? "ok" : "FAILED", what);
	failed |= !ok;
}

static float float_of_bits(uint32_t u)
{
	float f;
	memcpy(&f, &u, sizeof(f));
	return f;
}

/* the largest error of exp_approx in units of the exact value's float spacing, over a sweep of bit patterns */
static double worst_ulps(void)
{
	double worst = 0.0;

	/* every 101st bit pattern of [-87.33, 88.72] and of [-0, -87.33], plus the tiny ones near 0 */
	for (uint64_t u = 0; u <= 0xffffffffu; u += 101) {
		const float x = float_of_bits((uint32_t)u);
		double exact, ulp;
		if (!(x >= -87.33f && x <= 88.72f))
			continue;
		exact = exp((double)x);
		ulp = ldexp(1.0, ilogb(exact) - 23);
		worst = fmax(worst, fabs((double)exp_approx(x) - exact) / ulp);
	}
	return worst;
}

/* the sum in vecmath.h's order: lane l adds x[l], x[l + 16], ..., then the lanes pairwise 8, 4, 2, 1 */
static double lane_sum(const float *x, size_t n)
{
	double part[16] = { 0 };

	for (size_t j = 0; j < n; j++)
		part[j < n - n % 16 ? j % 16 : j - (n - n % 16)] += x[j];
	for (size_t w = 8; w > 0; w /= 2)
		for (size_t l = 0; l < w; l++)
			part[l] += part[l + w];
	return part[0];
}

int main(int argc, char **argv)
{
	static const size_t sizes[] = { 0, 1, 7, 16, 33, 257, 1031 };
	char what[128];
	double ulps;
	Rng rng;

	(void)argc;
	set_progname(argv[0]);
	ulps = worst_ulps();
	snprintf(what, sizeof(what), "exp_approx within 2 ulp of exp over its normal range (worst %.2f)", ulps);
	check(ulps <= 2.0, what);
	check(exp_approx(0.0f) == 1.0f && exp_approx(-0.0f) == 1.0f, "exp_approx(+-0) = 1");
	check(exp_approx(-INFINITY) == 0.0f && exp_approx(-87.34f) == 0.0f && exp_approx(-1e30f) == 0.0f,
	      "exp_approx is 0 below ln(FLT_MIN) and at -inf");
	check(exp_approx(-87.33f) > 0.0f && isnormal(exp_approx(-87.33f)), "exp_approx(-87.33) is a normal float");
	check(isinf(exp_approx(88.73f)) && isinf(exp_approx(INFINITY)), "exp_approx is +inf above ln(FLT_MAX)");
	check(isfinite(exp_approx(88.72f)) && exp_approx(88.72f) > 3.3e38f, "exp_approx(88.72) is finite, near FLT_MAX");
	check(isnan(exp_approx(NAN)), "exp_approx(NaN) is NaN");

	rng_seed(&rng, 3);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		const size_t n = sizes[i];
		float *x = xcalloc(n + 1, sizeof(float)), *y = xcalloc(n + 1, sizeof(float));
		float *ref = xcalloc(n + 1, sizeof(float));
		float max = -INFINITY, shift;
		double sum;
		int ok = 1;

		fill_normal(&rng, x, n, 10.0); /* exps spanning 2^-90 .. 1: their double sum depends on the order */
		fill_normal(&rng, y, n, 1.0);
		for (size_t j = 0; j < n; j++)
			max = x[j] > max ? x[j] : max;
		ok &= vec_max(x, n) == max;
		/* exp of x - max, one at a time, then the sum in the promised order */
		shift = n ? max : 0.0f;
		for (size_t j = 0; j < n; j++)
			ref[j] = exp_approx(x[j] - shift);
		sum = vec_exp_shifted_sum(x, n, shift);
		ok &= memcmp(x, ref, n * sizeof(float)) == 0 && sum == lane_sum(ref, n);
		for (size_t j = 0; j < n; j++)
			ref[j] = y[j] * 0.37f;
		vec_scale(y, n, 0.37f);
		ok &= memcmp(y, ref, n * sizeof(float)) == 0;
		for (size_t j = 0; j < n; j++)
			ref[j] = y[j] + x[j];
		vec_add(y, x, n);
		ok &= memcmp(y, ref, n * sizeof(float)) == 0;
		for (size_t j = 0; j < n; j++)
			ref[j] = y[j] + -1.7f * x[j];
		vec_axpy(y, -1.7f, x, n);
		ok &= memcmp(y, ref, n * sizeof(float)) == 0;
		for (size_t j = 0; j < n; j++)
			ref[j] = y[j] > 0.0f ? y[j] : 0.0f;
		vec_relu(y, n);
		ok &= memcmp(y, ref, n * sizeof(float)) == 0;
		snprintf(what, sizeof(what), "n=%zu: vec_max, vec_exp_shifted_sum, vec_scale, vec_add, vec_axpy, vec_relu "
			 "equal the plain loops", n);
		check(ok, what);
		free(x), free(y), free(ref);
	}
	return failed;
}
