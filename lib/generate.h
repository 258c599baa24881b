/* generate: decode --generate's line loop, shared by the Transformer and the recurrent seq2seq. */
#ifndef PF_GENERATE_H
#define PF_GENERATE_H

#include <stdio.h>

#include "stream.h"
#include "transformer.h"

/* S = source positions, L = output tokens, Vt = target vocabulary */

/*
 * What the loop needs of a model: its tokens (tokenisation, vocabularies, </s>), and two functions on ctx.
 * translate: the search for src_ids[S] (embed, encode, greedy or beam): *out [L] target ids, ending
 * with eos unless cut at max_len; returns L. rescore: after translate, the decoder teacher-forced
 * again on <s> out[0..L-2]: align[L,S] (which source positions each output token read) and
 * scores[L,Vt] (the log-probabilities of every step).
 */
typedef struct {
	void *ctx;
	size_t (*translate)(void *ctx, const size_t *src_ids, size_t S, const size_t **out);
	void (*rescore)(void *ctx, float *align, float *scores, const size_t *out, size_t L, size_t S);
	const ModelTokens *tok;
	const char *align_name;    /* the name of the --attn tensors */
} GenerateModel;

/*
 * Translate every line of input (path or "-"): one line of target tokens on out per line, up to </s>
 * (left out; an empty line for an empty source). attn (NULL = not wanted) receives align (L x S, rows
 * the output tokens, columns the source tokens), scores (NULL = not wanted) the log-probabilities
 * (L x Vt, columns the target vocabulary). Dies on an unreadable input or a token not in the vocabulary.
 */
void generate_stream(const char *input, FILE *out, StreamWriter *attn, StreamWriter *scores,
		     const GenerateModel *g);

#endif
