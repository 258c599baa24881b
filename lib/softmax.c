/* SPDX-License-Identifier: MIT */
#include "softmax.h"
#include "threads.h"
#include "vecmath.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* T = rows (queries), S = columns (keys), V = vocabulary */

static bool blocked(const unsigned char *allowed_row, size_t visible, size_t s)
{
	return s >= visible || (allowed_row && !allowed_row[s]);
}

PF_CLONES bool softmax_row(float *w, const float *x, const unsigned char *allowed_row, size_t visible, size_t S)
{
	float max = -INFINITY;
	double sum = 0.0;

	if (visible > S)
		visible = S;
	/* pass 1: the maximum over the visible keys; subtracting it keeps exp() from overflowing and changes
	 * nothing else (it cancels in the division) */
	if (allowed_row == NULL)
		max = vec_max(x, visible);
	if (allowed_row || max != max) { /* a mask, or a NaN the vector maximum may have kept: one at a time */
		max = -INFINITY;
		for (size_t s = 0; s < visible; s++)
			if (!blocked(allowed_row, visible, s) && x[s] > max)
				max = x[s];
	}
	if (max == -INFINITY) { /* every key blocked: zero weights, never 0/0 */
		memset(w, 0, S * sizeof(float));
		return false;
	}
	/* pass 2: exp(x - max), 0 where blocked, and their sum in double, in order (the keys after `visible`
	 * add nothing) */
	for (size_t s = 0; s < visible; s++) {
		w[s] = blocked(allowed_row, visible, s) ? 0.0f : expf(x[s] - max);
		sum += w[s];
	}
	memset(w + visible, 0, (S - visible) * sizeof(float));
	/* pass 3: divide by the sum so that the row sums to 1 */
#pragma omp simd
	for (size_t s = 0; s < visible; s++)
		w[s] = (float)(w[s] / sum);
	return true;
}

void softmax_rows(float *x, size_t T, size_t S)
{
#pragma omp parallel for if (T > 1 && T * S >= PARALLEL_MIN_WORK)
	for (size_t t = 0; t < T; t++)
		softmax_row(x + t * S, x + t * S, NULL, S, S);
}

/* The keys row t may see at all: causal blocks s > t. */
static size_t visible_keys(bool causal, size_t t, size_t S)
{
	return causal && t + 1 < S ? t + 1 : S;
}

size_t masked_softmax(float *weights, const float *scores, const unsigned char *allowed, bool causal, size_t T,
		      size_t S)
{
	size_t blocked_rows = 0;

#pragma omp parallel for reduction(+ : blocked_rows) if (T > 1 && T * S >= PARALLEL_MIN_WORK)
	for (size_t t = 0; t < T; t++)
		blocked_rows += !softmax_row(weights + t * S, scores + t * S, allowed ? allowed + t * S : NULL,
					     visible_keys(causal, t, S), S);
	return blocked_rows;
}

const char *const normalize_names[NORMALIZE_COUNT] = { "softmax", "sigmoid", "relu", "sparsemax", "none" };

int normalize_from_name(const char *name)
{
	for (int i = 0; i < NORMALIZE_COUNT; i++)
		if (strcmp(name, normalize_names[i]) == 0)
			return i;
	return -1;
}

/* qsort's order for sparsemax: largest first */
static int descending(const void *a, const void *b)
{
	const float x = *(const float *)a, y = *(const float *)b;

	return (x < y) - (x > y);
}

bool sparsemax_row(float *w, const float *x, const unsigned char *allowed_row, size_t visible, size_t S, float *sorted,
		   float *tau_out)
{
	size_t n = 0, support = 0;
	double cumsum = 0.0, support_sum = 0.0, tau;

	/* pass 1: the visible scores, sorted largest first: z_(1) >= z_(2) >= ... >= z_(n) */
	for (size_t s = 0; s < S; s++)
		if (!blocked(allowed_row, visible, s))
			sorted[n++] = x[s];
	if (n == 0) {
		memset(w, 0, S * sizeof(float));
		return false;
	}
	qsort(sorted, n, sizeof(float), descending);
	/* pass 2: the support size k* = the largest k with 1 + k z_(k) > sum_{j<=k} z_(j) (the condition holds for
	 * k = 1 and, once false, stays false: Martins and Astudillo 2016, Algorithm 1); tied scores share it */
	for (size_t k = 1; k <= n; k++) {
		cumsum += sorted[k - 1];
		if (1.0 + (double)k * sorted[k - 1] > cumsum) {
			support = k;
			support_sum = cumsum;
		}
	}
	/* pass 3: the threshold tau = (sum of the support - 1) / k*, so that the weights max(z - tau, 0) sum to 1 */
	tau = (support_sum - 1.0) / (double)support;
	if (tau_out)
		*tau_out = (float)tau;
	for (size_t s = 0; s < S; s++)
		w[s] = blocked(allowed_row, visible, s) || x[s] <= tau ? 0.0f : (float)(x[s] - tau);
	return true;
}

bool normalize_row(float *w, const float *x, const unsigned char *allowed_row, size_t visible, size_t S, Normalize how,
		   float *scratch)
{
	bool any = false;

	if (how == NORMALIZE_SOFTMAX)
		return softmax_row(w, x, allowed_row, visible, S);
	if (how == NORMALIZE_SPARSEMAX)
		return sparsemax_row(w, x, allowed_row, visible, S, scratch, NULL);
	/* the element-wise ones: each visible score on its own, blocked keys 0 */
	for (size_t s = 0; s < S; s++) {
		if (blocked(allowed_row, visible, s)) {
			w[s] = 0.0f;
			continue;
		}
		any = true;
		w[s] = how == NORMALIZE_SIGMOID ? 1.0f / (1.0f + expf(-x[s])) :
		       how == NORMALIZE_RELU    ? (x[s] > 0.0f ? x[s] : 0.0f) :
						  x[s];
	}
	return any;
}

size_t masked_normalize(float *weights, const float *scores, const unsigned char *allowed, bool causal, Normalize how,
			size_t T, size_t S)
{
	size_t blocked_rows = 0;

	if (how == NORMALIZE_SOFTMAX)
		return masked_softmax(weights, scores, allowed, causal, T, S);
#pragma omp parallel for reduction(+ : blocked_rows) if (T > 1 && T * S >= PARALLEL_MIN_WORK)
	for (size_t t = 0; t < T; t++)
		blocked_rows += !normalize_row(weights + t * S, scores + t * S, allowed ? allowed + t * S : NULL,
					       visible_keys(causal, t, S), S, how, weights + t * S);
	return blocked_rows;
}

void mask_scores(float *masked, const float *scores, const unsigned char *allowed, bool causal, size_t T, size_t S)
{
	for (size_t t = 0; t < T; t++) {
		const unsigned char *allowed_t = allowed ? allowed + t * S : NULL;
		const size_t visible = visible_keys(causal, t, S);
		for (size_t s = 0; s < S; s++)
			masked[t * S + s] = blocked(allowed_t, visible, s) ? -INFINITY : scores[t * S + s];
	}
}

void log_softmax(float *out, const float *logits, size_t V)
{
	float max = -INFINITY;
	double sum = 0.0, log_sum;

	/* pass 1: the maximum, subtracted so that exp() cannot overflow */
	for (size_t v = 0; v < V; v++)
		max = logits[v] > max ? logits[v] : max;
	/* pass 2: log sum exp */
	for (size_t v = 0; v < V; v++)
		sum += exp((double)logits[v] - max);
	log_sum = log(sum);
	/* pass 3: logits - max - log sum */
	for (size_t v = 0; v < V; v++)
		out[v] = (float)((double)logits[v] - max - log_sum);
}

void online_softmax_init(OnlineSoftmax *o)
{
	o->max = -INFINITY;
	o->sum = 0.0;
}

bool online_softmax_block(OnlineSoftmax *o, float *x, size_t n, float *rescale)
{
	/* pass 1 over the block: its maximum */
	const float block_max = vec_max(x, n);
	float max;

	if (block_max == -INFINITY)
		return false; /* nothing visible here: the state stays as it was */
	/* a larger maximum rescales what was summed so far: exp(a - m_old) exp(m_old - m_new) = exp(a - m_new) */
	max = block_max > o->max ? block_max : o->max;
	*rescale = expf(o->max - max); /* exp(-inf) = 0 on the first visible block */
	if (*rescale != 1.0f)
		o->sum *= *rescale;
	o->max = max;
	/* pass 2: p = exp(x - max) (0 where blocked), added to the sum (lib/vecmath: vectorised) */
	o->sum += vec_exp_shifted_sum(x, n, max);
	return true;
}

void softmax_rows_backward(float *d_x, const float *d_y, const float *y, size_t T, size_t S)
{
	for (size_t t = 0; t < T; t++) {
		const float *d_y_t = d_y + t * S, *y_t = y + t * S;
		double dot = 0.0;
		/* pass 1: sum over m of d_y[m] y[m], the part every input shares */
		for (size_t m = 0; m < S; m++)
			dot += (double)d_y_t[m] * y_t[m];
		/* pass 2: each input's own part */
		for (size_t m = 0; m < S; m++)
			d_x[t * S + m] += (float)(y_t[m] * ((double)d_y_t[m] - dot));
	}
}
