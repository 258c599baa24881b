/* SPDX-License-Identifier: MIT */
/* model: a whole model from one archive (Transformer or RNN seq2seq): one handle to encode, step and rescore. */
#ifndef PF_MODEL_H
#define PF_MODEL_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "npz.h"
#include "params.h"
#include "posenc.h"
#include "rnn.h"
#include "transformer.h"
#include "vocab.h"

/* S = source positions, L = output tokens, K = hypotheses, E = source embedding width, Et = target
 * embedding width, H = the decoder's output width, Vs, Vt = source and target vocabularies */

/*
 * A whole model's tokens: how a source line becomes ids, the two vocabularies, and the target's <s>
 * and </s>, which start and end generation.
 */
typedef struct {
	TokenizeOptions src_tok;        /* bos, eos, chars */
	Vocab *src_vocab, *tgt_vocab;
	size_t Vs, Vt;                  /* their sizes */
	size_t bos, eos;                /* the target's <s> and </s> ids */
} ModelTokens;

/*
 * The layers of a whole model between tokens and vectors (section 3.4), the same for the Transformer
 * and the recurrent seq2seq: the source and target embeddings, and the generator, the linear layer
 * whose log softmax gives the next token's log-probabilities. With tie there is no generator.weight:
 * the generator projects with tgt_embed (Et = H).
 */
typedef struct {
	float *src_embed;               /* [Vs, E]  "src_embed.weight" */
	float *tgt_embed;               /* [Vt, Et] "tgt_embed.weight" */
	float *generator_weight;        /* [Vt, H]  "generator.weight" (tgt_embed with tie) */
	float *generator_bias;          /* [Vt]     "generator.bias" */
} TokenLayers;

/* The Transformer's own parts (Vaswani et al. 2017, figure 1): "encoder." and "decoder." as nn.Transformer. */
typedef struct {
	Transformer encoder, decoder;
	float embed_scale;              /* sqrt(E) when the embeddings are scaled (section 3.4), else 1 */
	bool sinusoidal;                /* add the sinusoidal positional encoding (section 3.5) */
	double base;
	PosencLayout layout;
} ModelTransformer;

/* The recurrent seq2seq's (docs/rnn-seq2seq.md): "encoder." nn.RNN / GRU / LSTM, "decoder." the attention decoder. */
typedef struct {
	RnnWeights encoder;             /* memory width Dm = D * H */
	AttnDecoderWeights decoder;     /* state width decoder.H */
	bool init_zeros;                /* s_0 = 0, else the memory's last row */
} ModelRnn;

/*
 * A whole model: the parameters of one .npz, its settings in the "config" entry (keys in
 * docs/transformer.md and docs/rnn-seq2seq.md), its vocabularies in "src_vocab" and "tgt_vocab".
 */
typedef struct {
	char *path;
	Npz *archive;                   /* open from model_open until model_read */
	bool recurrent;                 /* arch rnn, gru or lstm; else the Transformer */
	RnnKind kind;                   /* recurrent only */
	size_t E, Et, H;                /* source and target embedding widths, the decoder's output width */
	bool tie;                       /* the generator projects with tgt_embed (section 3.4) */
	ModelTokens tok;
	TokenLayers io;
	ModelTransformer transformer;   /* !recurrent */
	ModelRnn rnn;                   /* recurrent */
	Params params;
} Model;

/*
 * Open the archive at path (once, for everything that follows) and merge its "config" entry into c,
 * which holds the command line's settings: a contradiction, an unknown key or a bad line dies naming
 * both places. Afterwards the architecture is known (m->recurrent, m->kind).
 */
Model *model_open(const char *path, ModelConfig *c);
/*
 * Finish loading from the open archive: the shapes from c, the vocabularies from the archive's entries
 * (else src_vocab_path, tgt_vocab_path), then every parameter; closes the archive. Dies on settings
 * that do not fit the architecture or the parameters, missing or unused entries.
 */
void model_read(Model *m, ModelConfig *c, const char *src_vocab_path, const char *tgt_vocab_path);
/* model_open and model_read at once. */
Model *model_load(const char *path, ModelConfig *c, const char *src_vocab_path, const char *tgt_vocab_path);
void model_free(Model *m);
/* Die on a setting of the Transformer in c: a recurrent model of arch does not have it. */
void model_refuse_transformer_keys(const ModelConfig *c, const char *arch);
/* "transformer", "rnn", "gru" or "lstm". */
const char *model_arch_name(const Model *m);

/* ---- running it: one search's buffers and the steps a search takes ---------------------------- */

/*
 * The state of one search over K hypotheses: the encoded source (the memory) and each hypothesis'
 * decoder state (the Transformer's key/value caches, the RNN's s and c). use_cache: the Transformer
 * caches keys and values; without, every step decodes the whole prefix again (the same numbers).
 */
typedef struct ModelRun ModelRun;

ModelRun *model_run_new(const Model *m, size_t K, size_t max_len, bool use_cache);
void model_run_free(ModelRun *r);
/* Embed and encode src_ids[S] once; hypothesis 0 starts from the decoder's initial state. */
void model_encode(ModelRun *r, const size_t *src_ids, size_t S);
/*
 * logprobs[Vt] = log softmax(generator(decoder output)) of the next token of hypothesis k, whose
 * tokens so far are tokens[len] (its input is the last of them, <s> when len = 0).
 */
void model_decode_step(ModelRun *r, float *logprobs, size_t k, const size_t *tokens, size_t len);
/* After a search step: hypothesis k (k < live) continues the state of old hypothesis parent[k]. */
void model_reorder(ModelRun *r, const size_t *parent, size_t live);
/*
 * After model_encode: the decoder teacher-forced on <s> out[0..L-2]. scores[L,Vt] (NULL = not wanted)
 * the log-probabilities of every step; align[L,S] (NULL = not wanted) which source positions each
 * output position read: the RNN's alignment, or the Transformer's cross-attention of decoder layer
 * `layer`, head `head` (the mean over heads when head < 0).
 */
void model_rescore(ModelRun *r, float *align, float *scores, const size_t *out, size_t L, size_t layer,
		   long head);
/* The name of that alignment: "cross-attention" or "alignment". */
const char *model_align_name(const Model *m);

/* logprobs[Vt] = log softmax(W_gen o + b_gen), o [H] a decoder output */
void model_project(float *logprobs, const Model *m, const float *o);

#endif
