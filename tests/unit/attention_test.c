/* SPDX-License-Identifier: MIT */
/*
 * lib/attention's three paths (attention_forward, the fused kernel mha runs; attention_scores +
 * masked_softmax + weighted_sum; the tiled online softmax) against eq. 1 written out plainly in
 * double precision: scores[t,s] = q_t . k_s * scale; blocked keys (allowed[t,s] == 0, or s > t when
 * causal) get weight 0; weights = softmax of scores + bias (an additive mask) over the visible keys; out_t = sum_s weights[t,s] v_s; a row
 * with no visible key is all zeros and is counted. The shapes exercise every remainder of the kernel's
 * blocking (Dk not a multiple of 8, Dv not a multiple of 16, S not a multiple of 4).
 * Prints one line per case and path with its largest differences; exits 1 when one exceeds its tolerance.
 * Run by tests/attention-unit.bats.
 */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "attention.h"
#include "err.h"
#include "rng.h"

/* T = query positions, S = key positions, Dk = query/key width, Dv = value width */

/* The reference: out[T,Dv], weights[T,S], scores[T,S] in double; returns the rows with no visible key. */
static size_t reference(double *out, double *weights, double *scores, const float *q, const float *k,
			const float *v, const unsigned char *allowed, const float *bias, bool causal, double scale,
			size_t T, size_t S, size_t Dk, size_t Dv)
{
	size_t empty = 0;

	for (size_t t = 0; t < T; t++) {
		double max = -INFINITY, sum = 0.0, logit[S];
		for (size_t s = 0; s < S; s++) {
			double dot = 0.0;
			for (size_t i = 0; i < Dk; i++)
				dot += (double)q[t * Dk + i] * k[s * Dk + i];
			scores[t * S + s] = dot * scale;
			logit[s] = scores[t * S + s] + (bias ? bias[t * S + s] : 0.0);
		}
		for (size_t s = 0; s < S; s++) {
			bool visible = (!allowed || allowed[t * S + s]) && !(causal && s > t);
			weights[t * S + s] = visible ? 1.0 : 0.0; /* a flag until the maximum is known */
			if (visible && logit[s] > max)
				max = logit[s];
		}
		for (size_t s = 0; s < S; s++) {
			weights[t * S + s] = weights[t * S + s] != 0.0 ? exp(logit[s] - max) : 0.0;
			sum += weights[t * S + s];
		}
		empty += sum == 0.0;
		for (size_t s = 0; s < S; s++)
			weights[t * S + s] = sum > 0.0 ? weights[t * S + s] / sum : 0.0;
		for (size_t d = 0; d < Dv; d++) {
			double acc = 0.0;
			for (size_t s = 0; s < S; s++)
				acc += weights[t * S + s] * v[s * Dv + d];
			out[t * Dv + d] = acc;
		}
	}
	return empty;
}

/* The largest |a - b| / (1 + |b|): absolute for small values, relative for large ones; NaN counts as infinite. */
static double max_diff(const float *a, const double *b, size_t n)
{
	double worst = 0.0;

	for (size_t i = 0; i < n; i++) {
		double d = fabs((double)a[i] - b[i]) / (1.0 + fabs(b[i]));
		worst = isnan(d) || d > worst ? (isnan(d) ? INFINITY : d) : worst;
	}
	return worst;
}

typedef struct {
	const char *what;
	size_t T, S, Dk, Dv;
	double q_std;        /* the spread of q: large values make exp() overflow unless the maximum is subtracted */
	double scale;        /* 0 = 1 / sqrt(Dk) */
	int mask;            /* 0 none, 1 random with row 1 fully blocked */
	bool causal;
	bool bias;           /* an additive mask of normal values (std 2) on top */
} Case;

/* One line of the report: a path's largest differences from the reference; 1 when one is too large. */
static int report(const char *what, const char *path, const Case *c, double d_out, double d_weights, double d_scores,
		  size_t blocked, size_t r_blocked)
{
	printf("%-40s %-6s T=%zu S=%zu Dk=%zu Dv=%zu  out %.3g  weights %.3g  scores %.3g  blocked rows %zu (reference %zu)\n",
	       what, path, c->T, c->S, c->Dk, c->Dv, d_out, d_weights, d_scores, blocked, r_blocked);
	return d_out > 1e-5 || d_weights > 1e-5 || d_scores > 1e-5 || blocked != r_blocked;
}

/*
 * The three paths of lib/attention against the reference: the fused attention_forward (mha's), the plain
 * attention_scores + masked_softmax + weighted_sum (attend's), and the tiled online softmax (attend's for
 * long inputs; it gives no weights or scores).
 */
static int run_case(const Case *c, Rng *rng)
{
	const size_t T = c->T, S = c->S, Dk = c->Dk, Dv = c->Dv;
	const double scale = c->scale != 0.0 ? c->scale : 1.0 / sqrt((double)Dk);
	/* the same scores as a Scorer: scaled divides by sqrt(Dk) itself; dot by the temperature 1 / scale */
	const Scorer f = { .kind = c->scale != 0.0 ? SCORE_DOT : SCORE_SCALED,
			   .temperature = c->scale != 0.0 ? (float)(1.0 / c->scale) : 1.0f };
	float *q = xcalloc(T * Dk, sizeof(float)), *k = xcalloc(S * Dk, sizeof(float));
	float *v = xcalloc(S * Dv, sizeof(float)), *out = xcalloc(T * Dv, sizeof(float));
	float *weights = xcalloc(T * S, sizeof(float)), *scores = xcalloc(T * S, sizeof(float));
	float *masked = xcalloc(T * S, sizeof(float));
	float *scratch = xcalloc(attention_forward_scratch(T, S), sizeof(float));
	float *work = xcalloc(attention_tiled_work_size(&f, Dk, Dv), sizeof(float));
	double *r_out = xcalloc(T * Dv, sizeof(double)), *r_weights = xcalloc(T * S, sizeof(double));
	double *r_scores = xcalloc(T * S, sizeof(double));
	unsigned char *allowed = NULL;
	float *bias = NULL;
	size_t blocked, r_blocked;
	int failed = 0;

	fill_normal(rng, q, T * Dk, c->q_std);
	fill_normal(rng, k, S * Dk, 1.0);
	fill_normal(rng, v, S * Dv, 1.0);
	if (c->mask) {
		allowed = xcalloc(T * S, 1);
		for (size_t i = 0; i < T * S; i++)
			allowed[i] = rng_uniform(rng) < 0.6;
		for (size_t s = 0; s < S; s++)
			allowed[1 * S + s] = 0;
	}
	if (c->bias) {
		bias = xcalloc(T * S, sizeof(float));
		fill_normal(rng, bias, T * S, 2.0);
	}
	r_blocked = reference(r_out, r_weights, r_scores, q, k, v, allowed, bias, c->causal, scale, T, S, Dk, Dv);

	blocked = attention_forward(out, weights, scores, scratch, q, k, v, allowed, bias, c->causal, (float)scale,
				    NORMALIZE_SOFTMAX, T, S, Dk, Dv);
	failed |= report(c->what, "fused", c, max_diff(out, r_out, T * Dv), max_diff(weights, r_weights, T * S),
			 max_diff(scores, r_scores, T * S), blocked, r_blocked);

	blocked = attention(out, &(AttentionParts){ .scores = scores, .weights = weights, .masked = masked }, &f, q, k, v,
			    allowed, bias, c->causal, T, S, Dk, Dk, Dv);
	failed |= report(c->what, "plain", c, max_diff(out, r_out, T * Dv), max_diff(weights, r_weights, T * S),
			 max_diff(scores, r_scores, T * S), blocked, r_blocked);

	blocked = attention_tiled(out, work, &f, q, k, v, allowed, bias, c->causal, T, S, Dk, Dk, Dv);
	failed |= report(c->what, "tiled", c, max_diff(out, r_out, T * Dv), 0.0, 0.0, blocked, r_blocked);

	free(q), free(k), free(v), free(out), free(weights), free(scores), free(masked), free(scratch), free(work);
	free(r_out), free(r_weights), free(r_scores), free(allowed), free(bias);
	return failed;
}

int main(int argc, char **argv)
{
	static const Case cases[] = {
		{ "scaled, no mask", 5, 7, 11, 19, 1.0, 0, 0, false, false },
		{ "one query, one key", 1, 1, 1, 1, 1.0, 0, 0, false, false },
		{ "every remainder of the blocking", 6, 9, 17, 37, 1.0, 0, 0, false, false },
		{ "causal, T = S", 6, 6, 8, 16, 1.0, 0, 0, true, false },
		{ "causal, fewer queries than keys", 3, 8, 5, 7, 1.0, 0, 0, true, false },
		{ "mask with a fully blocked row", 5, 7, 11, 19, 1.0, 0, 1, false, false },
		{ "mask and causal", 7, 7, 9, 20, 1.0, 0, 1, true, false },
		{ "large scores (exp overflows without max)", 4, 6, 8, 17, 100.0, 0, 0, false, false },
		{ "scale 1 (unscaled dot product)", 4, 5, 12, 3, 0.5, 1.0, 0, false, false },
		{ "several tiles of queries and keys", 70, 300, 6, 5, 1.5, 0, 0, false, false },
		{ "several tiles, mask and causal", 70, 300, 6, 5, 1.5, 0, 1, true, false },
		{ "additive mask (a bias on the scores)", 5, 7, 11, 19, 1.0, 0, 0, false, true },
		{ "additive mask, blocked pairs and causal", 7, 7, 9, 20, 1.0, 0, 1, true, true },
		{ "several tiles, additive mask and causal", 70, 300, 6, 5, 1.5, 0, 1, true, true },
	};
	int failed = 0;
	Rng rng;

	(void)argc;
	set_progname(argv[0]);
	rng_seed(&rng, 2017);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		failed |= run_case(&cases[i], &rng);
	return failed;
}
