/* SPDX-License-Identifier: MIT */
#include "search.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"

/* V = vocabulary, K = beam width, L = tokens of a hypothesis */

size_t argmax(const float *x, size_t V)
{
	size_t best = 0;

	for (size_t v = 1; v < V; v++)
		best = x[v] > x[best] ? v : best;
	return best;
}

double length_penalty(size_t L, double alpha)
{
	return pow((5.0 + (double)L) / 6.0, alpha);
}

Beam *beam_new(size_t K, size_t V, size_t max_len, size_t eos, double alpha)
{
	Beam *b = xcalloc(1, sizeof(Beam));
	size_t n = xmul(K, max_len, "beam");

	b->K = K;
	b->V = V;
	b->max_len = max_len;
	b->eos = eos;
	b->alpha = alpha;
	b->tokens = xcalloc(n, sizeof(size_t));
	b->next_tokens = xcalloc(n, sizeof(size_t));
	b->fin_tokens = xcalloc(n, sizeof(size_t));
	b->logprob = xcalloc(K, sizeof(double));
	b->next_logprob = xcalloc(K, sizeof(double));
	b->fin_len = xcalloc(K, sizeof(size_t));
	b->fin_score = xcalloc(K, sizeof(double));
	b->best = xcalloc(2 * K, sizeof(size_t));
	beam_reset(b);
	return b;
}

void beam_free(Beam *b)
{
	if (!b)
		return;
	free(b->tokens);
	free(b->next_tokens);
	free(b->fin_tokens);
	free(b->logprob);
	free(b->next_logprob);
	free(b->fin_len);
	free(b->fin_score);
	free(b->best);
	free(b);
}

void beam_reset(Beam *b)
{
	b->live = 1;
	b->len = 0;
	b->logprob[0] = 0.0;
	b->finished = 0;
}

/* Set a hypothesis aside as finished: its tokens, length and length-normalised score. */
static void finish(Beam *b, const size_t *tokens, size_t len, double logprob)
{
	size_t i = b->finished++;

	memcpy(b->fin_tokens + i * b->max_len, tokens, len * sizeof(size_t));
	b->fin_len[i] = len;
	b->fin_score[i] = logprob / length_penalty(len, b->alpha);
}

size_t beam_step(Beam *b, size_t *parent, const float *logprobs)
{
	size_t K = b->K, V = b->V, n = b->live * V, want = 2 * K, found = 0, next_live = 0;

	/* pass 1: the 2K best continuations (candidate c = k * V + v) by total log-probability; at most K
	 * of them end with eos, so at least K of them can stay live */
	if (want > n)
		want = n;
	for (size_t r = 0; r < want; r++) {
		size_t best = n;
		double best_score = -INFINITY;
		for (size_t c = 0; c < n; c++) {
			double score = b->logprob[c / V] + logprobs[c];
			bool taken = false;
			for (size_t q = 0; q < r && !taken; q++)
				taken = b->best[q] == c;
			if (!taken && (best == n || score > best_score))
				best = c, best_score = score;
		}
		b->best[found++] = best;
	}
	/* pass 2: in that order, an eos continuation finishes, any other stays live, until K are live */
	for (size_t r = 0; r < found && next_live < K && b->finished < K; r++) {
		size_t c = b->best[r], k = c / V, v = c % V;
		double logprob = b->logprob[k] + logprobs[c];
		size_t *dst = b->next_tokens + next_live * b->max_len;
		memcpy(dst, b->tokens + k * b->max_len, b->len * sizeof(size_t));
		dst[b->len] = v;
		if (v == b->eos) {
			finish(b, dst, b->len + 1, logprob);
			continue;
		}
		parent[next_live] = k;
		b->next_logprob[next_live++] = logprob;
	}
	/* the new live hypotheses replace the old ones */
	memcpy(b->tokens, b->next_tokens, next_live * b->max_len * sizeof(size_t));
	memcpy(b->logprob, b->next_logprob, next_live * sizeof(double));
	b->live = next_live;
	b->len++;
	if (b->finished >= K)
		b->live = 0;
	/* at max_len the live ones are cut and ranked as they are */
	if (b->len >= b->max_len) {
		for (size_t k = 0; k < b->live && b->finished < K; k++)
			finish(b, b->tokens + k * b->max_len, b->len, b->logprob[k]);
		b->live = 0;
	}
	return b->live;
}

size_t beam_best(const Beam *b, const size_t **tokens)
{
	size_t best = 0;

	for (size_t i = 1; i < b->finished; i++)
		best = b->fin_score[i] > b->fin_score[best] ? i : best;
	*tokens = b->fin_tokens + best * b->max_len;
	return b->finished ? b->fin_len[best] : 0;
}
