/* SPDX-License-Identifier: MIT */
/*
 * lib/attention's fast paths (blocked attention_forward, the tiled online softmax, the scores and
 * weighted sums by matrix products) against a plain double-precision softmax(q k^T * scale) v written
 * here, on sizes that hit every tail of the blocks (1, 7, 33, 257, 1031 queries and keys; widths 1, 7, 64),
 * with and without the causal mask. Prints one line per case with its largest difference; exits 1 when
 * one exceeds 2e-6 (the outputs are averages of N(0,1) values). Run by tests/attention-unit.bats.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "attention.h"
#include "err.h"
#include "rng.h"

/* T = query positions, S = key positions, D = query/key/value width */

/* out[T,D] = softmax(q k^T * scale, s > t blocked when causal) v, in double, one query at a time */
static void reference(float *out, const float *q, const float *k, const float *v, bool causal, double scale,
		      size_t T, size_t S, size_t D)
{
	double *w = xcalloc(S, sizeof(double));

	for (size_t t = 0; t < T; t++) {
		double max = -INFINITY, sum = 0.0;
		size_t visible = causal && t + 1 < S ? t + 1 : S;
		for (size_t s = 0; s < visible; s++) {
			w[s] = 0.0;
			for (size_t d = 0; d < D; d++)
				w[s] += (double)q[t * D + d] * k[s * D + d];
			w[s] *= scale;
			max = fmax(max, w[s]);
		}
		for (size_t s = 0; s < visible; s++)
			sum += w[s] = exp(w[s] - max);
		for (size_t d = 0; d < D; d++) {
			double o = 0.0;
			for (size_t s = 0; s < visible; s++)
				o += w[s] / sum * v[s * D + d];
			out[t * D + d] = (float)o;
		}
	}
	free(w);
}

static double max_diff(const float *a, const float *b, size_t n)
{
	double worst = 0.0;

	for (size_t i = 0; i < n; i++)
		worst = fmax(worst, fabs((double)a[i] - b[i]));
	return worst;
}

int main(int argc, char **argv)
{
	static const size_t sizes[][3] = { { 1, 1, 1 }, { 7, 33, 7 }, { 33, 7, 64 }, { 257, 1031, 7 },
					   { 1031, 257, 64 }, { 65, 1031, 33 } };
	const double tol = 2e-6;
	int failed = 0;
	Rng rng;

	(void)argc;
	set_progname(argv[0]);
	rng_seed(&rng, 7);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		size_t T = sizes[i][0], S = sizes[i][1], D = sizes[i][2];
		float *q = xcalloc(T * D, sizeof(float)), *k = xcalloc(S * D, sizeof(float));
		float *v = xcalloc(S * D, sizeof(float)), *ref = xcalloc(T * D, sizeof(float));
		float *fwd = xcalloc(T * D, sizeof(float)), *tiled = xcalloc(T * D, sizeof(float));
		float *plain = xcalloc(T * D, sizeof(float)), *w = xcalloc(T * S, sizeof(float));
		float *scratch = xcalloc(attention_forward_scratch(T, S), sizeof(float));
		Scorer scorer = { .kind = SCORE_SCALED, .temperature = 1.0f };
		float *work = xcalloc(attention_tiled_work_size(&scorer, D, D), sizeof(float));
		float scale = 1.0f / sqrtf((float)D);

		fill_normal(&rng, q, T * D, 1.0);
		fill_normal(&rng, k, S * D, 1.0);
		fill_normal(&rng, v, S * D, 1.0);
		for (int causal = 0; causal <= 1; causal++) {
			double d_fwd, d_tiled, d_plain;
			reference(ref, q, k, v, causal, scale, T, S, D);
			attention_forward(fwd, NULL, NULL, scratch, q, k, v, NULL, NULL, causal, scale, NORMALIZE_SOFTMAX, T, S,
					  D, D);
			attention_tiled(tiled, work, &scorer, q, k, v, NULL, NULL, causal, T, S, D, D, D);
			/* the plain path of attend --attn: scores, masked softmax, weighted sum */
			attention_scores(w, &scorer, q, k, NULL, T, S, D, D);
			masked_softmax(w, w, NULL, causal, T, S);
			weighted_sum(plain, w, v, T, S, D);
			d_fwd = max_diff(fwd, ref, T * D);
			d_tiled = max_diff(tiled, ref, T * D);
			d_plain = max_diff(plain, ref, T * D);
			printf("T=%zu S=%zu D=%zu%s  forward %.3g  tiled %.3g  plain %.3g  (tolerance %.3g)\n", T, S,
			       D, causal ? " causal" : "", d_fwd, d_tiled, d_plain, tol);
			failed |= !(d_fwd <= tol && d_tiled <= tol && d_plain <= tol);
		}
		free(q), free(k), free(v), free(ref), free(fwd), free(tiled), free(plain), free(w), free(scratch);
		free(work);
	}
	return failed;
}
