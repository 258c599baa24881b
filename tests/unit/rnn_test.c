/* SPDX-License-Identifier: MIT */
/*
 * Properties of lib/rnn that the golden files do not spell out, for every cell (RNN, GRU, LSTM):
 *   1. the backward direction on x equals a forward pass, with the _reverse weights, on x reversed in time;
 *   2. the forward half of a bidirectional layer equals the unidirectional layer with the same weights;
 *   3. attn_decoder_forward equals attn_decoder_step taken T times by hand, and every a_t sums to 1;
 *   4. over_time_attention: every column of the weights sums to 1 and out = x * weights.
 * Prints one line per check with its largest difference; exits 1 when one exceeds 1e-6. Run by tests/rnn-unit.bats.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "params.h"
#include "rng.h"
#include "rnn.h"

/* T = time steps, I = input width, H = hidden size, S = encoder positions, E = target embedding width */
enum { T = 7, I = 5, H = 4, S = 6, E = 3 };

static double max_diff(const float *a, const float *b, size_t n)
{
	double worst = 0.0;

	for (size_t i = 0; i < n; i++)
		worst = fmax(worst, fabs((double)a[i] - b[i]));
	return worst;
}

static int report(const char *what, RnnKind kind, double diff)
{
	printf("%-4s %-60s %.3g\n", rnn_kind_name(kind), what, diff);
	return diff > 1e-6;
}

/* 1 and 2: a bidirectional layer against unidirectional ones sharing its weights. */
static int directions(RnnKind kind, const float *x)
{
	Params p = { 0 };
	RnnWeights bi, fwd, bwd;
	float x_rev[T * I], out_bi[T * 2 * H], out_fwd[T * H], out_bwd[T * H], half[T * H];
	float *work = xmalloc(rnn_work_size(&(RnnWeights){ .kind = kind, .H = H, .D = 2 }, T) * sizeof(float));
	int failed = 0;

	rnn_declare(&p, &bi, "", kind, I, H, 1, true);
	params_init(&p, 7);
	fwd = (RnnWeights){ .kind = kind, .I = I, .H = H, .L = 1, .D = 1, .cells = &bi.cells[0] };
	bwd = (RnnWeights){ .kind = kind, .I = I, .H = H, .L = 1, .D = 1, .cells = &bi.cells[1] };
	for (size_t t = 0; t < T; t++)
		memcpy(x_rev + t * I, x + (T - 1 - t) * I, I * sizeof(float));
	rnn_forward(out_bi, NULL, NULL, work, &bi, x, T);
	rnn_forward(out_fwd, NULL, NULL, work, &fwd, x, T);
	rnn_forward(out_bwd, NULL, NULL, work, &bwd, x_rev, T);
	for (size_t t = 0; t < T; t++) /* backward state at t = forward state of the reversed input at T-1-t */
		memcpy(half + t * H, out_bi + t * 2 * H + H, H * sizeof(float));
	for (size_t t = 0; t < T / 2; t++)
		for (size_t j = 0; j < H; j++) {
			float tmp = out_bwd[t * H + j];
			out_bwd[t * H + j] = out_bwd[(T - 1 - t) * H + j];
			out_bwd[(T - 1 - t) * H + j] = tmp;
		}
	failed |= report("backward direction = forward pass over x reversed", kind, max_diff(half, out_bwd, T * H));
	for (size_t t = 0; t < T; t++)
		memcpy(half + t * H, out_bi + t * 2 * H, H * sizeof(float));
	failed |= report("forward half of bidirectional = unidirectional", kind, max_diff(half, out_fwd, T * H));
	rnn_free(&bi);
	params_free(&p);
	free(work);
	return failed;
}

/* 3: the teacher-forced loop against the step function. */
static int decoder(RnnKind kind, ScoreKind score, const float *memory, const float *y)
{
	Params p = { 0 };
	AttnDecoderWeights w;
	const bool lstm = kind == RNN_LSTM;
	float out[T * H], align[T * S], prev[T * H], scores[T * S], contexts[T * H];
	float s[H], c[H], s_new[H], c_new[H] = { 0 }, o[H], e[S], a[S], ctx[H], by_hand[T * H], align_hand[T * S];
	AttnDecoderRecord rec = { .prev = prev, .scores = scores, .contexts = contexts };
	float *work, *step_work;
	double worst_sum = 0.0;
	int failed = 0;
	char what[96];

	attn_decoder_declare(&p, &w, "", kind, score, E, H, H, 5);
	params_init(&p, 11);
	work = xmalloc(attn_decoder_forward_work_size(&w, S) * sizeof(float));
	step_work = xmalloc(attn_decoder_work_size(&w, S) * sizeof(float));
	attn_decoder_forward(out, align, &rec, work, &w, y, memory, memory + (S - 1) * H, T, S);
	memcpy(s, memory + (S - 1) * H, sizeof(s));
	memset(c, 0, sizeof(c));
	for (size_t t = 0; t < T; t++) {
		double sum = 0.0;
		attn_decoder_step(o, s_new, lstm ? c_new : NULL, e, a, ctx, step_work, &w, s, lstm ? c : NULL,
				  y + t * E, memory, S);
		memcpy(by_hand + t * H, o, sizeof(o));
		memcpy(align_hand + t * S, a, sizeof(a));
		memcpy(s, s_new, sizeof(s));
		memcpy(c, c_new, sizeof(c));
		for (size_t j = 0; j < S; j++)
			sum += align[t * S + j];
		worst_sum = fmax(worst_sum, fabs(sum - 1.0));
	}
	snprintf(what, sizeof(what), "decoder (%s): forward = steps by hand, outputs",
		 score == SCORE_ADDITIVE ? "additive" : score == SCORE_GENERAL ? "general" : "dot");
	failed |= report(what, kind, max_diff(out, by_hand, T * H));
	failed |= report("decoder: forward = steps by hand, alignment", kind, max_diff(align, align_hand, T * S));
	failed |= report("decoder: |sum_j a_tj - 1|", kind, worst_sum);
	params_free(&p);
	free(work);
	free(step_work);
	return failed;
}

/* 4: the over-time weights are a softmax over time, per feature. */
static int over_time(Rng *rng)
{
	float x[T * H], W[T * T], b[T], out[T * H], weights[T * H], scratch[T], product[T * H];
	double worst_sum = 0.0;
	int failed = 0;

	fill_normal(rng, x, T * H, 1.0);
	fill_normal(rng, W, T * T, 1.0);
	fill_normal(rng, b, T, 1.0);
	over_time_attention(out, weights, scratch, x, W, b, T, H);
	for (size_t d = 0; d < H; d++) {
		double sum = 0.0;
		for (size_t t = 0; t < T; t++)
			sum += weights[t * H + d];
		worst_sum = fmax(worst_sum, fabs(sum - 1.0));
	}
	for (size_t i = 0; i < T * H; i++)
		product[i] = x[i] * weights[i];
	failed |= report("over-time: |sum_t a[t, d] - 1|", RNN_LSTM, worst_sum);
	failed |= report("over-time: out = x * weights", RNN_LSTM, max_diff(out, product, T * H));
	return failed;
}

int main(int argc, char **argv)
{
	static const RnnKind kinds[] = { RNN_TANH, RNN_GRU, RNN_LSTM };
	static const ScoreKind scores[] = { SCORE_ADDITIVE, SCORE_GENERAL, SCORE_DOT };
	float x[T * I], memory[S * H], y[T * E];
	int failed = 0;
	Rng rng;

	(void)argc;
	set_progname(argv[0]);
	rng_seed(&rng, 42);
	fill_normal(&rng, x, T * I, 1.0);
	fill_normal(&rng, memory, S * H, 0.5);
	fill_normal(&rng, y, T * E, 1.0);
	for (size_t k = 0; k < 3; k++) {
		failed |= directions(kinds[k], x);
		for (size_t f = 0; f < 3; f++)
			failed |= decoder(kinds[k], scores[f], memory, y);
	}
	failed |= over_time(&rng);
	return failed;
}
