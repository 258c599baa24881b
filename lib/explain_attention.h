/* SPDX-License-Identifier: MIT */
/* explain_attention: the --explain walkthroughs of attend, mha and the RNN attention decoder, on the actual numbers. */
#ifndef PF_EXPLAIN_ATTENTION_H
#define PF_EXPLAIN_ATTENTION_H

#include <stdbool.h>
#include <stddef.h>

#include "attention.h"
#include "mha.h"
#include "rnn.h"
#include "tensor.h"

/*
 * Every walkthrough reads the buffers the kernels filled (the named parts of their work space, the
 * weights they returned); none recomputes a step. Output on stderr through lib/explain.
 */

/* What attend gave its attention: the tensors as read (labels, shapes) and the matrices after --project and --rope. */
typedef struct {
	const Tensor *x, *keys, *values;
	const float *q, *k, *v;           /* [T,Dq], [S,Dk], [S,Dv] */
	size_t Dq, Dk, Dv;
	bool projected, rope;             /* --project, --rope */
} AttendInputs;

/*
 * After attention(): the shapes, Q, K and V, the scores (and the raw dot products, why they are scaled),
 * the mask, the softmax and the weighted sum, for the first EXPLAIN_MAX_ROWS queries. p holds at least
 * those rows (raw and masked filled); out[.,Dv] the output rows of p.
 */
void explain_attention(const AttendInputs *in, const Scorer *f, const AttentionParts *p, const float *out,
		       const Mask *mask, bool causal);

/*
 * After mha_forward: the projections and their shapes, the split into heads, the mask, each head's
 * weights and the key each query attends to most, the concatenation and the output projection, on
 * stderr. p: mha_work_parts of the work space mha_forward used; attn[H,T,S]; mask (NULL = none)
 * and causal as given to it; query[T,E]; key[S,kdim] (NULL = self-attention); out[T,E].
 * query_from and key_from say where the tensors came from ("standard input", a path).
 */
void explain_mha(const MhaWeights *w, const MhaParts *p, const float *attn, const Mask *mask, bool causal,
		 const Tensor *query, const Tensor *key, const float *out, const char *query_from, const char *key_from);

/*
 * After attn_decoder_forward: the first `steps` steps on stderr, from what the decoder kept: rec (s_{t-1},
 * e_t, c_t), align[T,S] (a_t) and out[T,H] (o_t); y[T,E] the inputs and memory[S,Dm] the encoder states,
 * for their labels and the weighted sum.
 */
void explain_attn_decoder(size_t steps, const AttnDecoderWeights *w, const AttnDecoderRecord *rec,
			  const float *align, const Tensor *y, const Tensor *memory, const float *out, size_t T, size_t S);

#endif
