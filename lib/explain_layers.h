/* SPDX-License-Identifier: MIT */
/* explain_layers: --explain of the stages linear, norm, ffn, the residual sum and posenc, on the first rows' numbers. */
#ifndef PF_EXPLAIN_LAYERS_H
#define PF_EXPLAIN_LAYERS_H

#include <stdbool.h>
#include <stddef.h>

#include "layers.h"
#include "posenc.h"

/*
 * T = rows, K = in features, M = out features (linear), E = d_model, F = d_ff. Each function shows the
 * equation, then its terms for the first `rows` rows (labels: NULL = numbered), on standard error.
 */

/* y[T,M] = x[T,K] w[M,K]^T + b[M] (b may be NULL): the row, its first outputs as dot products, the result */
void explain_linear(const float *y, const float *x, const float *w, const float *b, size_t T, size_t K, size_t M,
		    size_t rows, char *const *row_labels, char *const *out_labels);

/*
 * y[T,E] = LayerNorm(x): mean, variance, normalised row, gamma, beta, y; mean[T] and rstd[T] =
 * 1 / sqrt(var + eps) as layer_norm_forward saved them. RMSNorm: mean = NULL, beta = NULL, rstd[T] of rms_norm.
 */
void explain_norm(const float *y, const float *x, const float *mean, const float *rstd, const float *gamma,
		  const float *beta, float eps, size_t T, size_t E, size_t rows, char *const *row_labels);

/* y[T,E] = act(x W1^T + b1) W2^T + b2: pre[T,F] the hidden pre-activation, hidden[T,F] after the activation */
void explain_ffn(const float *y, const float *x, const float *pre, const float *hidden, Activation act, size_t T,
		 size_t E, size_t F, size_t rows, char *const *row_labels);

/* sum[T,E] = a + b: the residual connection, the two inputs and the sum */
void explain_residual(const float *sum, const float *a, const float *b, size_t T, size_t E, size_t rows,
		      char *const *row_labels);

/*
 * The table pe[T,E] of posenc (base, layout, rows from position offset): the formula's numbers for a few
 * positions and pairs, then section 3.5's claim PE(pos+k) = M_k PE(pos) checked on the table itself.
 */
void explain_posenc(const float *pe, size_t T, size_t E, double base, PosencLayout layout, size_t offset);

#endif
