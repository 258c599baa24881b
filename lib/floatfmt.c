/* SPDX-License-Identifier: MIT */
#include "floatfmt.h"

#include <errno.h>
#include <float.h>
#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef unsigned __int128 u128;
typedef __int128 i128;

int float_format_shortest_reference(char *buf, float v)
{
	if (v == 0.0f)
		return sprintf(buf, signbit(v) ? "-0" : "0");
	/* nine significant digits always read back exactly; stop at the first that does */
	for (int p = 1; p < 9; p++) {
		int n = sprintf(buf, "%.*g", p, (double)v);
		if (strtof(buf, NULL) == v)
			return n;
	}
	return sprintf(buf, "%.9g", (double)v);
}

/* ---- powers of ten ----------------------------------------------------------------------- */

/*
 * 10^k ~ pow10_mant[k] * 2^pow10_exp[k] with the mantissa in [2^63, 2^64), rounded down: a relative
 * error below 2^-63. k from POW10_MIN to POW10_MAX covers every float (its decimal exponent is -45 .. 38,
 * and k brings it to nine digits). Built once from exact integers: 5^k, or 2^n / 5^-k by long division.
 */
enum { POW10_MIN = -32, POW10_MAX = 55 };
static uint64_t pow10_mant[POW10_MAX - POW10_MIN + 1];
static int pow10_exp[POW10_MAX - POW10_MIN + 1];
static pthread_once_t pow10_once = PTHREAD_ONCE_INIT;

static int bit_length(u128 x)
{
	int n = 0;

	while (x)
		x >>= 1, n++;
	return n;
}

static void pow10_build(void)
{
	for (int k = POW10_MIN; k <= POW10_MAX; k++) {
		u128 five = 1;
		int j = k < 0 ? -k : k, L;
		for (int i = 0; i < j; i++)
			five *= 5; /* 5^55 < 2^128 */
		L = bit_length(five);
		if (k >= 0) { /* 10^k = 5^k 2^k */
			pow10_mant[k - POW10_MIN] = (uint64_t)(L > 64 ? five >> (L - 64) : five << (64 - L));
			pow10_exp[k - POW10_MIN] = k + L - 64;
		} else { /* 10^k = 2^-n (2^n / 5^j) with n = 63 + L, so that the quotient has 64 bits */
			int n = 63 + L;
			u128 r = 1, q = 0;
			for (int i = 0; i < n; i++) { /* long division of 2^n by 5^j, one bit at a time */
				r <<= 1;
				q <<= 1;
				if (r >= five)
					r -= five, q |= 1;
			}
			pow10_mant[k - POW10_MIN] = (uint64_t)q;
			pow10_exp[k - POW10_MIN] = k - n;
		}
	}
}

/* ---- printing ---------------------------------------------------------------------------- */

static const uint64_t ten[10] = { 1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000 };

/* x / 10^j, 0 <= j <= 8, with constant divisors (a multiplication each, not a division) */
static inline uint64_t div_pow10(uint64_t x, int j)
{
	switch (j) {
	case 0: return x;
	case 1: return x / 10;
	case 2: return x / 100;
	case 3: return x / 1000;
	case 4: return x / 10000;
	case 5: return x / 100000;
	case 6: return x / 1000000;
	case 7: return x / 10000000;
	default: return x / 100000000;
	}
}

/* printf's %.{p}g of the p-digit number digits * 10^(exp10 - p + 1): the exponent form when exp10 < -4 or
   exp10 >= p, else the plain one; trailing zeros of the fraction dropped */
static int format_g(char *buf, bool negative, uint64_t digits, int p, int exp10)
{
	static const char pairs[201] = "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
				       "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
				       "8081828384858687888990919293949596979899";
	char d[10], *o = buf;
	int n = p, at = p - 1;
	uint32_t left = (uint32_t)digits; /* p <= 9 digits: below 2^32 */

	for (; at >= 1; at -= 2, left /= 100) { /* two digits per division */
		const uint32_t r = left % 100;
		d[at - 1] = pairs[2 * r];
		d[at] = pairs[2 * r + 1];
	}
	if (at == 0)
		d[0] = (char)('0' + left);
	while (n > 1 && d[n - 1] == '0')
		n--;
	if (negative)
		*o++ = '-';
	if (exp10 < -4 || exp10 >= p) {
		int e = exp10 < 0 ? -exp10 : exp10;
		*o++ = d[0];
		if (n > 1) {
			*o++ = '.';
			memcpy(o, d + 1, (size_t)n - 1);
			o += n - 1;
		}
		*o++ = 'e';
		*o++ = exp10 < 0 ? '-' : '+';
		if (e >= 100)
			*o++ = (char)('0' + e / 100);
		*o++ = (char)('0' + e / 10 % 10);
		*o++ = (char)('0' + e % 10);
	} else if (exp10 >= 0) {
		for (int i = 0; i <= exp10; i++)
			*o++ = i < n ? d[i] : '0';
		if (n > exp10 + 1) {
			*o++ = '.';
			memcpy(o, d + exp10 + 1, (size_t)(n - exp10 - 1));
			o += n - exp10 - 1;
		}
	} else {
		*o++ = '0';
		*o++ = '.';
		for (int i = 0; i < -exp10 - 1; i++)
			*o++ = '0';
		memcpy(o, d, (size_t)n);
		o += n;
	}
	*o = '\0';
	return (int)(o - buf);
}

/*
 * The loop of float_format_shortest_reference, decided on integers. With |v| = m 2^e (m < 2^24) and k
 * chosen so that x = |v| 10^k has nine digits before the point, P = m * 10^k's mantissa is x in fixed
 * point with s fraction bits, off by less than 2^24 of its last units. For p = 1, 2, ...:
 *   1. %.{p}g rounds x to a multiple of u = 10^(9-p): compare the remainder with u / 2;
 *   2. strtof reads that back as v when it lies within v's rounding interval, v +- half a gap between
 *      floats (the gap below a power of two is half the one above it).
 * When a comparison is closer than EPS units, the approximation cannot decide it (and an exact tie needs
 * the even-digit rules of printf and strtof): then the answer is the reference loop's.
 */
#define EPS ((i128)1 << 26)

/*
 * Whether P is x itself (10^k is an exact 64-bit mantissa for 0 <= k <= 27, 5^27 < 2^64): then ties are
 * decided exactly, as printf and strtof decide them, instead of handed to the reference; and whether v's
 * significand is even (strtof's choice on a tie).
 */
typedef struct {
	bool exact, even;
} Exactness;

/*
 * *digits = x rounded to p significant digits (x = x_int + F / 2^s, nine digits before the point);
 * returns 1 when strtof reads them back as v (always, for p = 9), 0 when not, -1 when too close to call.
 */
static int try_digits(uint64_t *digits, uint64_t x_int, u128 F, u128 P, int s, int p, u128 half_gap_up,
		      u128 half_gap_down, const Exactness *x)
{
	const uint64_t u = ten[9 - p];
	uint64_t q = div_pow10(x_int, 9 - p);
	i128 rest = (i128)((((u128)(x_int - q * u)) << s) | F), half = (i128)((u128)u << (s - 1)), dist, bound;

	/* 1. round x to p digits, as printf does (an exact tie: to the even digit) */
	if (x->exact && rest == half)
		q += q & 1;
	else if (!x->exact && rest - half <= EPS && half - rest <= EPS)
		return -1;
	else
		q += rest > half;
	*digits = q;
	if (p == 9)
		return 1;
	/* 2. does strtof read q * u back as v, i.e. is it within v's rounding interval? (exactly on its edge:
	 * strtof rounds to the float with the even significand) */
	dist = (i128)((u128)(q * u) << s) - (i128)P;
	bound = (i128)(dist >= 0 ? half_gap_up : half_gap_down);
	if (dist < 0)
		dist = -dist;
	if (x->exact)
		return dist < bound || (dist == bound && x->even);
	if (dist - bound <= EPS && bound - dist <= EPS)
		return -1;
	return dist < bound;
}

/* float_format_shortest, and *precision = the p it printed with (0 when the reference loop answered) */
int float_format_shortest_p(char *buf, float v, int *precision)
{
	uint32_t bits;
	int expfield, e, gap_exp, k, s = 0, p, r, exp10;
	uint64_t m, frac, x_int = 0, d = 0;
	u128 P = 0, F = 0, half_gap_up, half_gap_down;
	bool negative, lopsided;
	Exactness exactness;

	*precision = 0;
	memcpy(&bits, &v, 4);
	negative = bits >> 31;
	expfield = (int)(bits >> 23 & 0xff);
	frac = bits & 0x7fffff;
	if (expfield == 0xff) /* Inf, NaN */
		return float_format_shortest_reference(buf, v);
	if (expfield == 0 && frac == 0)
		return sprintf(buf, negative ? "-0" : "0");
	pthread_once(&pow10_once, pow10_build);
	if (expfield == 0) /* subnormal: gaps of 2^-149 */
		m = frac, e = gap_exp = -149;
	else
		m = frac | 1u << 23, e = gap_exp = expfield - 150;
	while (m < 1u << 23) /* subnormals too: 24 significant bits, the gap stays 2^gap_exp */
		m <<= 1, e--;
	/* |v| in [2^(e+23), 2^(e+24)): its decimal exponent is floor((e + 23) log10 2) or one more */
	k = 8 - ((e + 23) * 1233 >> 12); /* 1233 / 4096 ~ log10 2; off by one at worst, corrected below */
	for (int tries = 0;; tries++) {
		if (tries == 3 || k < POW10_MIN || k > POW10_MAX)
			return float_format_shortest_reference(buf, v);
		s = -(e + pow10_exp[k - POW10_MIN]);
		if (s < 32 || s > 90)
			return float_format_shortest_reference(buf, v);
		P = (u128)m * pow10_mant[k - POW10_MIN];
		x_int = (uint64_t)(P >> s);
		F = P & (((u128)1 << s) - 1);
		if (x_int < ten[8])
			k++;
		else if (x_int >= ten[9])
			k--;
		else
			break;
	}
	/* half the gap to the next float above, in the units of P; below a power of two, half that */
	half_gap_up = ((u128)pow10_mant[k - POW10_MIN] << (gap_exp - e)) >> 1;
	lopsided = frac == 0 && expfield > 1;
	exactness.exact = k >= 0 && k <= 27;
	exactness.even = (bits & 1) == 0;
	half_gap_down = lopsided ? half_gap_up >> 1 : half_gap_up;
	/*
	 * Which p. Where v's rounding interval is symmetric, a p-digit rounding is never farther from v than
	 * a shorter one, so once p digits read back, so do more: try p = 8, 7, ... down to the first that
	 * fails (computed numbers mostly need 8 or 9 digits: two or three tries). Below a power of two the
	 * interval is lopsided, and only the reference's own order, p = 1, 2, ..., is sure.
	 */
	if (lopsided) {
		for (p = 1; p <= 9; p++)
			if ((r = try_digits(&d, x_int, F, P, s, p, half_gap_up, half_gap_down, &exactness)) != 0)
				break;
	} else if ((r = try_digits(&d, x_int, F, P, s, 8, half_gap_up, half_gap_down, &exactness)) == 0) {
		p = 9;
		r = try_digits(&d, x_int, F, P, s, 9, half_gap_up, half_gap_down, &exactness);
	} else {
		for (p = 8; r == 1 && p > 1; p--) {
			uint64_t shorter;
			r = try_digits(&shorter, x_int, F, P, s, p - 1, half_gap_up, half_gap_down, &exactness);
			if (r == 1)
				d = shorter;
		}
		p += r == 0; /* p - 1 digits did not read back: p did */
		r = r < 0 ? -1 : 1;
	}
	if (r < 0) /* too close to call */
		return float_format_shortest_reference(buf, v);
	exp10 = 8 - k;
	if (d == ten[p]) /* rounded up to the next power of ten: 9.99 -> 10 */
		d = ten[p - 1], exp10++;
	*precision = p;
	return format_g(buf, negative, d, p, exp10);
}

int float_format_shortest(char *buf, float v)
{
	int p;

	return float_format_shortest_p(buf, v, &p);
}

/* ---- parsing ----------------------------------------------------------------------------- */

static const double exact_pow10[23] = { 1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
					1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22 };

/*
 * w 10^exp with w < 10^15 and |exp| <= 22 is one correctly rounded double operation (both operands are
 * exact doubles). Rounding that double to float rounds twice, which differs from rounding once only when
 * the double lands exactly halfway between two floats: that case, and results outside the normal float
 * range (where strtof sets errno), go to strtof.
 */
float float_parse(const char *s, char **end)
{
	const char *p = s;
	uint64_t w = 0;
	int digits = 0, exp10 = 0;
	bool negative = false, any = false;
	double d;
	float f;
	uint64_t dbits;

	if (*p == '-')
		negative = true, p++;
	while (*p == '0')
		p++, any = true;
	for (; *p >= '0' && *p <= '9'; p++, any = true) {
		if (digits == 15)
			return strtof(s, end);
		w = w * 10 + (uint64_t)(*p - '0'), digits++;
	}
	if (*p == '.') {
		p++;
		if (digits == 0)
			for (; *p == '0'; p++, any = true)
				exp10--;
		for (; *p >= '0' && *p <= '9'; p++, any = true) {
			if (digits == 15)
				return strtof(s, end);
			w = w * 10 + (uint64_t)(*p - '0'), digits++, exp10--;
		}
	}
	if (!any)
		return strtof(s, end);
	if (*p == 'e' || *p == 'E') {
		const char *q = p + 1;
		bool exp_negative = false;
		int x = 0;
		if (*q == '-' || *q == '+')
			exp_negative = *q == '-', q++;
		if (*q < '0' || *q > '9')
			return strtof(s, end);
		for (; *q >= '0' && *q <= '9'; q++)
			if ((x = x * 10 + (*q - '0')) > 1000)
				return strtof(s, end);
		exp10 += exp_negative ? -x : x;
		p = q;
	}
	if ((*p >= '0' && *p <= '9') || *p == '.' || *p == 'x' || *p == 'X')
		return strtof(s, end);
	if (w == 0) {
		if (end)
			*end = (char *)p;
		return negative ? -0.0f : 0.0f;
	}
	if (exp10 < -22 || exp10 > 22)
		return strtof(s, end);
	d = exp10 < 0 ? (double)w / exact_pow10[-exp10] : (double)w * exact_pow10[exp10];
	memcpy(&dbits, &d, 8);
	/* halfway between two floats: the 29 bits below a float's mantissa are 1 followed by zeros */
	if ((dbits & 0x1fffffff) == 0x10000000 || d < FLT_MIN || d > FLT_MAX)
		return strtof(s, end);
	f = (float)d;
	if (end)
		*end = (char *)p;
	return negative ? -f : f;
}
