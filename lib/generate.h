/* SPDX-License-Identifier: MIT */
/* generate: the one greedy / beam search driver over a whole model (lib/model), and decode --generate's line loop. */
#ifndef PF_GENERATE_H
#define PF_GENERATE_H

#include <stdbool.h>
#include <stdio.h>

#include "model.h"
#include "stream.h"

/* S = source positions, L = output tokens, K = hypotheses, Vt = target vocabulary */

typedef struct {
	size_t beam;         /* K hypotheses; 1 = greedy */
	size_t max_len;      /* at most this many output tokens, </s> included */
	double alpha;        /* the length penalty's exponent (lib/search); 0 = none */
	bool use_cache;      /* the Transformer's key/value cache; false: the whole prefix every step */
	long attn_layer;     /* the Transformer's alignment: cross-attention of this decoder layer; < 0 = the last */
	long attn_head;      /* and of this head; < 0 = the mean over heads */
} GenerateOptions;

/*
 * Generation (the prediction loop): encode the source once, then from <s> run the decoder one step
 * per hypothesis, project to the target vocabulary, pick the next tokens (greedy, or beam search with
 * K hypotheses), and move each hypothesis' decoder state to its continuation, until </s> or max_len
 * tokens. A usage error when attn_layer or attn_head is not in the model.
 */
typedef struct Generator Generator;

Generator *generator_new(const Model *m, const GenerateOptions *o);
void generator_free(Generator *g);
/* The output for src_ids[S]: *out [L] target ids, ending with eos unless cut at max_len; returns L. */
size_t generate(Generator *g, const size_t *src_ids, size_t S, const size_t **out);
/*
 * After generate: the decoder teacher-forced again on <s> out[0..L-2]: align[L,S] (which source
 * positions each output token read) and scores[L,Vt] (the log-probabilities of every step); NULL = not wanted.
 */
void generator_rescore(Generator *g, float *align, float *scores, const size_t *out, size_t L);

/*
 * Translate every line of input (path or "-"): one line of target tokens on out per line, up to </s>
 * (left out; an empty line for an empty source). attn (NULL = not wanted) receives align (L x S, rows
 * the output tokens, columns the source tokens), scores (NULL = not wanted) the log-probabilities
 * (L x Vt, columns the target vocabulary). Dies on an unreadable input or a token not in the vocabulary.
 */
void generate_stream(const char *input, FILE *out, StreamWriter *attn, StreamWriter *scores, Generator *g);

#endif
