/* SPDX-License-Identifier: MIT */
/* linalg: matrix products in PyTorch's layouts (the softmax is lib/softmax). */
#ifndef PF_LINALG_H
#define PF_LINALG_H

#include <stddef.h>

/* Shape letters: N = rows, K = inner size, M = columns (out features of a Linear). */

/* out[N,M] = a[N,K] b[K,M]   (plain triple loop: the reference the fast version is tested against) */
void matmul_naive(float *out, const float *a, const float *b, size_t N, size_t K, size_t M);
/* out[N,M] = a[N,K] b[K,M]   (cblas_sgemm when built with a BLAS; else the i-k-j loop order) */
void matmul(float *out, const float *a, const float *b, size_t N, size_t K, size_t M);
/* out[N,M] = x[N,K] w[M,K]^T + bias[M]   (torch.nn.Linear: weight is [out, in]; bias may be NULL;
 * cblas_sgemm when built with a BLAS, else dot products in eight lanes, four rows at a time) */
void linear(float *out, const float *x, const float *w, const float *bias, size_t N, size_t K, size_t M);
/*
 * The backward of linear: with out = x w^T + b and d_out = dL/d_out,
 *   d_x[N,K] += d_out[N,M] w[M,K],   d_w[M,K] += d_out^T x,   d_bias[M] += sum over n of d_out[n,:]
 * Any of d_x, d_w, d_bias may be NULL (not wanted). Accumulates, so that branches that meet simply add.
 */
void linear_backward(float *d_x, float *d_w, float *d_bias, const float *d_out, const float *x, const float *w,
		     size_t N, size_t K, size_t M);
/* The same, one dot product at a time in double: the reference linear() is tested against. */
void linear_naive(float *out, const float *x, const float *w, const float *bias, size_t N, size_t K, size_t M);

#endif
