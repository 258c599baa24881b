/* SPDX-License-Identifier: MIT */
/*
 * lib/floatfmt against the C library it replaces.
 *
 * floatfmt_test (run by tests/format.bats): float_format_shortest byte for byte against the snprintf +
 * strtof loop, and float_parse against strtof (value, end pointer, errno), on edge values (+-0, subnormals,
 * FLT_MIN, FLT_MAX, powers of two and of ten, their neighbours) and 2.15 million random bit patterns.
 *
 * floatfmt_test --exhaustive [FIRST LAST] (make exhaustive): every float32 bit pattern from FIRST to LAST
 * (default all 2^32). To finish in hours rather than a day it checks, instead of running the whole loop,
 * what makes its answer the loop's: the output is printf("%.*g", p) for the p reported, strtof reads it
 * back as v, and %.{p-1}g does not (below a power of two, where v's rounding interval is lopsided,
 * every smaller p is tried). Away from powers of two a p-digit rounding is never farther from v than a
 * shorter one, so when p - 1 digits do not read back, no fewer do. Also float_parse = strtof on the
 * output, and on %.{p-1}g. Prints one line; exits 1 at the first difference.
 */
#include <errno.h>
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "floatfmt.h"
#include "rng.h"

static float from_bits(uint32_t bits)
{
	float v;

	memcpy(&v, &bits, 4);
	return v;
}

static uint32_t to_bits(float v)
{
	uint32_t bits;

	memcpy(&bits, &v, 4);
	return bits;
}

/* float_parse(s) = strtof(s): the same bits, the same end, the same errno */
static bool parse_agrees(const char *s)
{
	char *end_ref, *end_fast;
	float ref, fast;
	int errno_ref, errno_fast;

	errno = 0;
	ref = strtof(s, &end_ref);
	errno_ref = errno;
	errno = 0;
	fast = float_parse(s, &end_fast);
	errno_fast = errno;
	if (end_ref != end_fast || errno_ref != errno_fast || (to_bits(ref) != to_bits(fast) && !(isnan(ref) && isnan(fast)))) {
		printf("float_parse(\"%s\") = %.9g (end +%td, errno %d); strtof: %.9g (end +%td, errno %d)\n", s,
		       (double)fast, end_fast - s, errno_fast, (double)ref, end_ref - s, errno_ref);
		return false;
	}
	return true;
}

/* the whole reference loop, byte for byte, and parsing of what it printed and of a few neighbours */
static bool check_full(float v)
{
	char fast[32], ref[32], other[40];

	float_format_shortest(fast, v);
	float_format_shortest_reference(ref, v);
	if (strcmp(fast, ref) != 0) {
		printf("bits 0x%08" PRIx32 ": float_format_shortest gives \"%s\", the snprintf loop \"%s\"\n", to_bits(v), fast,
		       ref);
		return false;
	}
	if (!parse_agrees(fast))
		return false;
	snprintf(other, sizeof(other), "%.6e", (double)v); /* a rounding that may not read back as v */
	if (!parse_agrees(other))
		return false;
	snprintf(other, sizeof(other), "  %.17g", (double)v * 1.0000001); /* too many digits: strtof's */
	return parse_agrees(other + 2);
}

static bool reads_back(const char *s, float v)
{
	return strtof(s, NULL) == v;
}

/* the cheaper proof of the exhaustive run (see the top of the file) */
static bool check_fast(float v, uint64_t *fallbacks)
{
	char fast[32], ref[320];
	int p;
	uint32_t bits = to_bits(v);
	bool lopsided = (bits & 0x7fffff) == 0 && (bits >> 23 & 0xff) > 1;

	float_format_shortest_p(fast, v, &p);
	if (p == 0) { /* the reference loop answered */
		++*fallbacks;
		return parse_agrees(fast);
	}
	snprintf(ref, sizeof(ref), "%.*g", p, (double)v);
	if (strcmp(fast, ref) != 0 || (p < 9 && !reads_back(fast, v))) {
		printf("bits 0x%08" PRIx32 ": \"%s\" is not %%.%dg (\"%s\") or does not read back\n", bits, fast, p, ref);
		return false;
	}
	for (int q = p - 1; q >= 1 && (q == p - 1 || lopsided); q--) {
		snprintf(ref, sizeof(ref), "%.*g", q, (double)v);
		if (reads_back(ref, v)) {
			printf("bits 0x%08" PRIx32 ": \"%s\" has %d digits but %%.%dg (\"%s\") reads back too\n", bits, fast,
			       p, q, ref);
			return false;
		}
		if (q == p - 1 && !parse_agrees(ref))
			return false;
	}
	return parse_agrees(fast);
}

/* counts v in *fallbacks when float_format_shortest left it to the reference loop; always true */
static bool count_fallback(float v, size_t *fallbacks)
{
	char buf[32];
	int p;

	float_format_shortest_p(buf, v, &p);
	*fallbacks += p == 0;
	return true;
}

static int exhaustive(uint64_t first, uint64_t last)
{
	volatile int failed = 0;
	uint64_t checked = 0, fallbacks = 0;

#pragma omp parallel for schedule(dynamic, 1) reduction(+ : checked, fallbacks)
	for (uint64_t block = first >> 16; block <= last >> 16; block++) {
		for (uint64_t b = block << 16; b < (block + 1) << 16 && !failed; b++) {
			if (b < first || b > last)
				continue;
			if (!check_fast(from_bits((uint32_t)b), &fallbacks))
				failed = 1;
			checked++;
		}
	}
	printf("exhaustive: %" PRIu64 " bit patterns 0x%08" PRIx64 " .. 0x%08" PRIx64 ": %s (%" PRIu64
	       " decided by the reference loop)\n", checked, first, last,
	       failed ? "DIFFERENCE (above)" : "all equal the snprintf + strtof reference", fallbacks);
	return failed;
}

int main(int argc, char **argv)
{
	Rng rng;
	size_t edge = 0, random = 0, exact = 0, exact_fallbacks = 0;
	static const char *strings[] = { "0", "-0", "1", "-1.5", "0.1", "1e-45", "1.4e-45", "7e-46", "1e-50", "3.4028235e38",
					 "3.4028236e38", "1e39", "inf", "-inf", "nan", "0x1p3", "+2", ".5", "5.",
					 "1e", "1e+", "--1", "1.5.2", "12345678901234567890", "0.000000000000000000001",
					 "1.17549435e-38", "1.1754942e-38", "16777217", "33554434", "0e9999", "" };

	if (argc >= 2 && strcmp(argv[1], "--exhaustive") == 0) {
		uint64_t first = argc >= 4 ? strtoull(argv[2], NULL, 0) : 0;
		uint64_t last = argc >= 4 ? strtoull(argv[3], NULL, 0) : UINT32_MAX;
		return exhaustive(first, last);
	}
	/* edge values: zeros, the smallest and largest subnormals and normals, and around every power of two
	   and of ten (the neighbours of the float nearest each) */
	for (int sign = 0; sign < 2; sign++) {
		uint32_t s = (uint32_t)sign << 31;
		const uint32_t fixed[] = { 0, 1, 2, 3, 0x7fffff, 0x800000, 0x800001, 0x7f7fffff, 0x7f7ffffe, 0x3f800000,
					   0x4b800000, 0x4b800001 };
		for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++, edge++)
			if (!check_full(from_bits(s | fixed[i])))
				return 1;
		for (uint32_t e = 0; e < 255; e++)
			for (int d = -2; d <= 2; d++, edge++)
				if (!check_full(from_bits(s | (uint32_t)((int64_t)(e << 23) + d + (e == 0 ? 2 : 0)))))
					return 1;
		for (int e = -45; e <= 38; e++) {
			uint32_t b = to_bits((sign ? -1.0f : 1.0f) * (float)pow(10.0, e));
			for (int d = -2; d <= 2; d++, edge++)
				if ((b & 0x7fffffff) + d < 0x7f800000 && !check_full(from_bits(b + (uint32_t)d)))
					return 1;
		}
	}
	for (size_t i = 0; i < sizeof(strings) / sizeof(strings[0]); i++, edge++)
		if (!parse_agrees(strings[i]))
			return 1;
	/* random bit patterns (Inf and NaN included, they are 1 in 256): 150 thousand against the
	   whole loop, two million more by the exhaustive run's cheaper proof */
	rng_seed(&rng, 12);
	for (; random < 150000; random++)
		if (!check_full(from_bits((uint32_t)(rng_next(&rng) >> 32))))
			return 1;
	for (uint64_t fallbacks = 0; random < 2150000; random++)
		if (!check_fast(from_bits((uint32_t)(rng_next(&rng) >> 32)), &fallbacks))
			return 1;
	/* exact decimals: multiples of 1/8 up to 25000 and every 997th float from 1 to 1e9, where x 10^k is
	   computed exactly and printf's and strtof's ties are common; the fast path decides all but a few of
	   them itself, as printf and strtof do (the reference loop once answered one in eight here) */
	for (uint32_t n = 1; n <= 200000; n++, exact++)
		if (!check_full((float)n / 8.0f) || !count_fallback((float)n / 8.0f, &exact_fallbacks))
			return 1;
	for (uint32_t b = 0x3f800000; b <= 0x4e6e6b28; b += 997, exact++)
		if (!check_full(from_bits(b)) || !count_fallback(from_bits(b), &exact_fallbacks))
			return 1;
	if (exact_fallbacks * 200 > exact) {
		printf("floatfmt: %zu of %zu exact decimals fell back on the snprintf + strtof loop (at most 0.5%%)\n",
		       exact_fallbacks, exact);
		return 1;
	}
	printf("floatfmt: %zu edge values, %zu random bit patterns and %zu exact decimals (%zu by the reference loop) "
	       "equal the snprintf + strtof reference\n", edge, random, exact, exact_fallbacks);
	return 0;
}
