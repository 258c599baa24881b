/* SPDX-License-Identifier: MIT */
/* vecmath: the elementwise loops of the hot paths (exp, max, scale, add), vectorised, the same bits everywhere. */
#ifndef PF_VECMATH_H
#define PF_VECMATH_H

#include <stddef.h>

/*
 * PF_CLONES before a function builds it for several instruction sets (GCC's target_clones: plain x86-64,
 * AVX2, AVX-512) and picks the best the CPU has when the program starts: one binary, every x86-64. The
 * clones compute the same bits: the Makefile turns off fused multiply-add contraction, no loop here sums
 * in an order that depends on the vector width, and the compiler may not reorder float arithmetic.
 */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(PF_NO_CLONES)
#define PF_CLONES __attribute__((target_clones("default", "avx2", "avx512f")))
#else
#define PF_CLONES
#endif

/*
 * exp(x) for float x, within about 2 ulp of the exact value (Cephes' expf: x = n ln 2 + r, |r| <= ln2 / 2,
 * exp(r) by a degree-7 polynomial, times 2^n by building the float's exponent). Below -87.33 (where exp(x)
 * leaves the normal floats) it returns 0, as it does for -inf; above 88.72, +inf; NaN stays NaN. Written
 * without calls or branches so that a loop of it vectorises; lib/vecmath's loops use it.
 */
float exp_approx(float x);

/* max over x[n] (-inf when n = 0; a NaN may or may not win) */
float vec_max(const float *x, size_t n);
/* x[n] = exp_approx(x - shift) in place; returns their sum, added in double in 16 fixed lanes */
double vec_exp_shifted_sum(float *x, size_t n, float shift);
/* x[n] *= a */
void vec_scale(float *x, size_t n, float a);
/* y[n] += x[n] */
void vec_add(float *y, const float *x, size_t n);
/* y[n] += a x[n]   (a product, then a sum: two roundings, as everywhere without fmaf) */
void vec_axpy(float *y, float a, const float *x, size_t n);
/* x[n] = x > 0 ? x : 0 in place (ReLU) */
void vec_relu(float *x, size_t n);

#endif
