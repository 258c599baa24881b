/* SPDX-License-Identifier: MIT */
/* model_rnn: the recurrent seq2seq (RNN / GRU / LSTM with an attention decoder) as a whole model (lib/model). */
#ifndef PF_MODEL_RNN_H
#define PF_MODEL_RNN_H

#include <stddef.h>

#include "config.h"
#include "model.h"

/* S = source positions, L = output tokens, K = hypotheses, H = decoder state width, Dm = memory width */

/*
 * m's shapes from the settings c (keys: arch hidden encoder_layers bidirectional decoder_hidden score
 * attn_hidden init tie) and the embeddings' widths, then the "encoder." recurrent stack and the
 * "decoder." attention decoder declared in m->params. Dies on a Transformer key or a bad combination.
 */
void rnn_model_declare(Model *m, ModelConfig *c);

/* One search's buffers (lib/model's ModelRun): the memory and the K hypotheses' states s (and c). */
typedef struct RnnRun RnnRun;

RnnRun *rnn_run_new(const Model *m, size_t K);
void rnn_run_free(RnnRun *r);
void rnn_run_encode(RnnRun *r, const size_t *src_ids, size_t S);
void rnn_run_step(RnnRun *r, float *logprobs, size_t k, const size_t *tokens, size_t len);
void rnn_run_reorder(RnnRun *r, const size_t *parent, size_t live);
void rnn_run_rescore(RnnRun *r, float *align, float *scores, const size_t *out, size_t L);

#endif
