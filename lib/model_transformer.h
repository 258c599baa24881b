/* SPDX-License-Identifier: MIT */
/* model_transformer: the encoder-decoder Transformer as a whole model (lib/model's Transformer half). */
#ifndef PF_MODEL_TRANSFORMER_H
#define PF_MODEL_TRANSFORMER_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "model.h"

/* S = source positions, L = output tokens, K = hypotheses, E = d_model, Vt = target vocabulary */

/*
 * m's shapes from the settings c and the archive: d_model from src_embed.weight, heads, layers, d_ff,
 * activation, norms, the embedding scale and the positional encoding (dies on a bad or contradicting
 * one); then the "encoder." and "decoder." stacks declared in m->params.
 */
void transformer_model_declare(Model *m, ModelConfig *c);

/* x[T,E] = table[ids[t]] * embed_scale + PE(offset + t)   (sections 3.4 and 3.5); scratch[E] */
void transformer_model_embed(float *x, float *scratch, const Model *m, const float *table, const size_t *ids,
			     size_t offset, size_t T);

/*
 * One search's buffers (lib/model's ModelRun): the memory, and each hypothesis' decoder key/value
 * cache; without the cache, every step decodes the whole prefix again (the same numbers, slower).
 */
typedef struct TransformerRun TransformerRun;

TransformerRun *transformer_run_new(const Model *m, size_t K, size_t max_len, bool use_cache);
void transformer_run_free(TransformerRun *r);
void transformer_run_encode(TransformerRun *r, const size_t *src_ids, size_t S);
void transformer_run_step(TransformerRun *r, float *logprobs, size_t k, const size_t *tokens, size_t len);
void transformer_run_reorder(TransformerRun *r, const size_t *parent, size_t live);
void transformer_run_rescore(TransformerRun *r, float *align, float *scores, const size_t *out, size_t L,
			     size_t layer, long head);

/*
 * align[L,S] = the cross-attention cross[N,H,L,S] of layer i: head h, or the mean over heads when
 * h < 0 (PyTorch's average_attn_weights): which source positions each output position read.
 */
void cross_attention_of(float *align, const float *cross, size_t i, long h, size_t H, size_t L, size_t S);

#endif
