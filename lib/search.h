/* SPDX-License-Identifier: MIT */
/* search: choosing an output sequence from next-token log-probabilities: greedy and beam search. */
#ifndef PF_SEARCH_H
#define PF_SEARCH_H

#include <stdbool.h>
#include <stddef.h>

/* V = vocabulary, K = beam width, L = tokens of a hypothesis */

/* The index of the largest x[v]; the first one on a tie (what torch.argmax gives on CPU). */
size_t argmax(const float *x, size_t V);

/*
 * The length penalty of Wu et al. 2016 (GNMT), lp(L) = ((5 + L) / 6)^alpha: beam search ranks finished
 * hypotheses by log P(y) / lp(|y|), so that longer outputs are not punished merely for having more
 * factors below 1. alpha = 0 ranks by log P(y) itself.
 */
double length_penalty(size_t L, double alpha);

/*
 * Beam search (the decoder keeps K hypotheses instead of one): each step extends every live
 * hypothesis by every token, keeps the K best continuations by total log-probability, and sets
 * aside those that end with eos. It ends when K hypotheses have finished or they reach max_len
 * tokens. K = 1 is greedy search: the best next token each step.
 */
typedef struct {
	size_t K, V, max_len, eos;
	double alpha;
	size_t live;           /* live hypotheses, at most K; all have len tokens */
	size_t len;
	size_t *tokens;        /* [K, max_len] live hypotheses */
	double *logprob;       /* [K] their total log-probabilities */
	size_t finished;       /* finished hypotheses, at most K */
	size_t *fin_tokens;    /* [K, max_len], ending with eos (or cut at max_len) */
	size_t *fin_len;       /* [K] */
	double *fin_score;     /* [K] log P / lp(len) */
	size_t *next_tokens;   /* [K, max_len] work space of a step */
	double *next_logprob;  /* [K] */
	size_t *best;          /* [2K] candidate indices of a step */
} Beam;

Beam *beam_new(size_t K, size_t V, size_t max_len, size_t eos, double alpha);
void beam_free(Beam *b);
/* Start a new sequence: one live hypothesis, empty, log-probability 0. */
void beam_reset(Beam *b);
/*
 * One step: logprobs[live, V] are the next-token log-probabilities of each live hypothesis. Afterwards
 * live hypothesis k is old hypothesis parent[k] plus one token (the caller moves its decoder state the
 * same way). Returns the number of live hypotheses; 0 when the search is over.
 */
size_t beam_step(Beam *b, size_t *parent, const float *logprobs);
/* The best finished hypothesis: *tokens [L] (ending with eos unless cut at max_len); returns L. */
size_t beam_best(const Beam *b, const size_t **tokens);

#endif
