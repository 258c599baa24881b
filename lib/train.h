/* SPDX-License-Identifier: MIT */
/* train: a whole seq2seq model learning (Transformer or recurrent): forward keeping what backward needs, backward, Adam. */
#ifndef PF_TRAIN_H
#define PF_TRAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "corpus.h"
#include "model.h"
#include "optim.h"
#include "params.h"
#include "posenc.h"
#include "rng.h"
#include "rnn.h"
#include "transformer.h"
#include "vocab.h"

/* S = source positions, T = target positions, E = d_model, F = d_ff, Vs, Vt = vocabularies */

/* The names of Adam's state in a model archive (seq2seq_save with_state; lib/model passes over them) */
#define ADAM_M_PREFIX "adam.m."
#define ADAM_V_PREFIX "adam.v."
#define ADAM_STEP "adam.step"

/*
 * The recurrent seq2seq's shape (docs/rnn-seq2seq.md): embeddings of width E (source and target), the
 * "encoder." stack of L layers, D directions and H states, the attention decoder of Hdec states (the
 * memory width D H with init last), the score and the additive score's width Hd.
 */
typedef struct {
	RnnKind kind;
	size_t E, H, L, Hdec, Hd;
	bool bidirectional;
	ScoreKind score;
	bool init_zeros;       /* s_0 = 0; else the memory's last row */
} RecurrentShape;

/* The shape of the model: what decode --generate reads back from the archive's config. */
typedef struct {
	bool recurrent;        /* rnn: the recurrent seq2seq; else the Transformer (encoder, decoder, ...) */
	RecurrentShape rnn;
	TransformerConfig encoder, decoder; /* each with its N; E, H, F, activation, norms the same */
	size_t Vs, Vt;
	bool tie;              /* generator.weight is tgt_embed.weight (section 3.4) */
	bool scale;            /* embeddings times sqrt(d_model) (section 3.4) */
	bool sinusoidal;       /* add the sinusoidal positional encoding (section 3.5); else none */
	double base;
	PosencLayout layout;
} Seq2seqShape;

/*
 * The whole model's parameters by decode --generate's names (docs/transformer.md, docs/rnn-seq2seq.md):
 * nn.Transformer's (or the recurrent encoder's and attention decoder's) under "encoder." and "decoder.",
 * src_embed.weight, tgt_embed.weight, generator.weight (not with tie) and generator.bias; and beside them, declared in the same order, their gradients and Adam's
 * two moments (adam_m, adam_v: the same names; the archive keeps them under "adam.m." and "adam.v.").
 */
typedef struct {
	Seq2seqShape shape;
	Params params, grads, adam_m, adam_v;
	Transformer encoder, decoder, d_encoder, d_decoder;   /* pointers into params and grads */
	RnnWeights rnn_encoder, d_rnn_encoder;                /* recurrent: the same */
	AttnDecoderWeights rnn_decoder, d_rnn_decoder;
	TokenLayers io, d_io;
	long step;             /* Adam steps taken */
} Seq2seq;

/* Declare everything; the parameters still need params_init (seed) or params_load (--init). */
void seq2seq_declare(Seq2seq *m, const Seq2seqShape *shape);
/* The parameters from a loaded whole model of the same shape (train --init), by name. */
void seq2seq_copy_from(Seq2seq *m, const Model *from);
/* After the parameters are filled: gradients and moments to zero, tie the generator. */
void seq2seq_ready(Seq2seq *m);
void seq2seq_free(Seq2seq *m);

/*
 * What a batch step does besides: dropout p on the sums of embeddings and positional encodings, on each
 * sublayer's output, after the feed-forward activation and on the attention weights (where nn.Transformer
 * puts it; the recurrent seq2seq: on the source and target embeddings and on the decoder's outputs o_t
 * before the generator); label smoothing eps. Each pair runs at its own length, so nothing is padded: the
 * loss is that of a padded batch with ignore_index = <pad> and padding masks, without the padding.
 */
typedef struct {
	float dropout;
	float smoothing;
	Rng rng;               /* the dropout masks */
} TrainOptions;

typedef struct Trainer Trainer;

Trainer *trainer_new(Seq2seq *m);
void trainer_free(Trainer *t);
/*
 * The loss of a batch of pairs (src[S] with the <s>/</s> the model's config gives it, tgt[T] = <s> y_1 ..
 * y_n </s>: the decoder reads tgt[0..T-2] and is scored on predicting tgt[1..T-1]) and, with train, its
 * gradient: every gradient of m is set to d loss / d parameter,
 * loss = the mean over every target token of the batch of the smoothed cross entropy (as
 * nn.CrossEntropyLoss over a padded batch with ignore_index = pad). Without train: dropout off and
 * gradients untouched (validation). *tokens = target tokens counted; *correct = those whose argmax was
 * the gold token (NULL = not wanted).
 */
double trainer_batch(Trainer *t, const PairIds *pairs, size_t n, TrainOptions *o, bool train, size_t *tokens,
		     size_t *correct);
/*
 * Write the whole-model archive decode --generate reads (docs/transformer.md): every parameter, the
 * settings as the "config" entry (config_text: "key value" lines) and the two vocabularies; with_state,
 * also Adam's state, which train --resume continues from and decode passes over: "adam.m.<name>" and
 * "adam.v.<name>", the two moments of each parameter <name>, and "adam.step", the steps taken (text).
 * Atomic: nothing appears at path unless all of it was written.
 */
void seq2seq_save(const Seq2seq *m, const char *path, const char *config_text, const Vocab *src_vocab,
		  const Vocab *tgt_vocab, bool with_state);
/* After seq2seq_ready: Adam's moments and step count from the archive at path (train --resume). */
void seq2seq_load_state(Seq2seq *m, const char *path);

/* The global norm of every gradient (for --clip and the progress line). */
double seq2seq_grad_norm(const Seq2seq *m);
/* Multiply every gradient by f. */
void seq2seq_grad_scale(Seq2seq *m, double f);
/* One Adam step over every parameter with their gradients (m->step counts it). */
void seq2seq_adam(Seq2seq *m, const Adam *a);

#endif
