/* SPDX-License-Identifier: MIT */
#include "train.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "layers.h"
#include "linalg.h"
#include "loss.h"
#include "mha.h"
#include "npz.h"
#include "search.h"
#include "vocab.h"

/* S = source positions, T = target positions (the decoder's input: the target without its last
 * token), E = d_model, H = heads, F = d_ff, N = layers, Vs, Vt = vocabularies, C = capacity (the
 * longest S or T so far: every buffer is sized for C positions and used for the current S or T) */

/* ---- the parameters, their gradients and Adam's moments ------------------------------------ */

/* src_embed [Vs,E], tgt_embed [Vt,Et], generator [Vt,Ho] (the decoder's output width): token_layers_load's
 * names and initialisations */
static void token_layers_declare(Params *p, TokenLayers *t, const Seq2seqShape *sh, size_t E, size_t Et, size_t Ho)
{
	size_t a[2] = { sh->Vs, E }, b[2] = { sh->Vt, Et }, g[2] = { sh->Vt, Ho }, c[1] = { sh->Vt };

	params_add(p, &t->src_embed, "src_embed.weight", INIT_NORMAL, 1.0, 2, a);
	params_add(p, &t->tgt_embed, "tgt_embed.weight", INIT_NORMAL, 1.0, 2, b);
	if (!sh->tie)
		params_add(p, &t->generator_weight, "generator.weight", INIT_LINEAR, 0.0, 2, g);
	params_add(p, &t->generator_bias, "generator.bias", INIT_UNIFORM, 1.0 / sqrt((double)Ho), 1, c);
}

/* One table of every parameter: the Transformer's or the recurrent seq2seq's, then the token layers */
static void declare_all(Params *p, Transformer *enc, Transformer *dec, RnnWeights *renc, AttnDecoderWeights *rdec,
			TokenLayers *io, const Seq2seqShape *sh)
{
	const RecurrentShape *r = &sh->rnn;

	if (sh->recurrent) {
		size_t Dm = (r->bidirectional ? 2 : 1) * r->H;
		rnn_declare(p, renc, "encoder.", r->kind, r->E, r->H, r->L, r->bidirectional);
		attn_decoder_declare(p, rdec, "decoder.", r->kind, r->score, r->E, Dm, r->Hdec, r->Hd);
		token_layers_declare(p, io, sh, r->E, r->E, r->Hdec);
	} else {
		transformer_declare(p, enc, &sh->encoder, false, "encoder.");
		transformer_declare(p, dec, &sh->decoder, true, "decoder.");
		token_layers_declare(p, io, sh, sh->encoder.E, sh->encoder.E, sh->encoder.E);
	}
}

/* what declare_all allocated besides the table (the Transformer's layers, the recurrent stack's cells) */
static void free_structs(Transformer *enc, Transformer *dec, RnnWeights *renc, bool recurrent)
{
	if (recurrent)
		rnn_free(renc);
	else
		transformer_free(enc), transformer_free(dec);
}

void seq2seq_declare(Seq2seq *m, const Seq2seqShape *shape)
{
	Transformer enc, dec;
	RnnWeights renc;
	AttnDecoderWeights rdec;
	TokenLayers io;

	memset(m, 0, sizeof(*m));
	m->shape = *shape;
	declare_all(&m->params, &m->encoder, &m->decoder, &m->rnn_encoder, &m->rnn_decoder, &m->io, shape);
	declare_all(&m->grads, &m->d_encoder, &m->d_decoder, &m->d_rnn_encoder, &m->d_rnn_decoder, &m->d_io, shape);
	/* the moments need no struct of pointers: Adam walks the tables side by side */
	declare_all(&m->adam_m, &enc, &dec, &renc, &rdec, &io, shape);
	free_structs(&enc, &dec, &renc, shape->recurrent);
	declare_all(&m->adam_v, &enc, &dec, &renc, &rdec, &io, shape);
	free_structs(&enc, &dec, &renc, shape->recurrent);
	for (size_t i = 0; i < m->adam_m.count; i++)
		m->adam_m.items[i].slot = m->adam_v.items[i].slot = NULL;
}

void seq2seq_copy_from(Seq2seq *m, const Model *from)
{
	for (size_t i = 0; i < m->params.count; i++) {
		Param *q = &m->params.items[i];
		const Tensor *t = NULL;
		for (size_t j = 0; j < from->params.count && !t; j++)
			if (strcmp(from->params.items[j].name, q->name) == 0)
				t = from->params.items[j].tensor;
		if (!t || t->size != q->tensor->size)
			die("%s: parameter %s: %s", from->path, q->name, t ? "another shape than the settings give" : "missing");
		memcpy(q->tensor->data, t->data, t->size * sizeof(float));
	}
}

void seq2seq_ready(Seq2seq *m)
{
	params_zero(&m->grads);
	if (!m->adam_m.items[0].tensor) { /* a run that does not resume starts its moments at zero */
		params_zero(&m->adam_m);
		params_zero(&m->adam_v);
	}
	if (m->shape.tie) {
		m->io.generator_weight = m->io.tgt_embed;
		m->d_io.generator_weight = m->d_io.tgt_embed; /* both uses' gradients add up in one table */
	}
}

void seq2seq_free(Seq2seq *m)
{
	free_structs(&m->encoder, &m->decoder, &m->rnn_encoder, m->shape.recurrent);
	free_structs(&m->d_encoder, &m->d_decoder, &m->d_rnn_encoder, m->shape.recurrent);
	params_free(&m->params), params_free(&m->grads), params_free(&m->adam_m), params_free(&m->adam_v);
}

/* One token per line, as vocab_save writes a vocabulary file */
static char *vocab_text(const Vocab *v)
{
	size_t n = 1, at = 0;
	char *text;

	for (size_t i = 0; i < v->count; i++)
		n += strlen(v->tokens[i]) + 1;
	text = xmalloc(n);
	for (size_t i = 0; i < v->count; i++) {
		size_t len = strlen(v->tokens[i]);
		memcpy(text + at, v->tokens[i], len);
		text[at + len] = '\n';
		at += len + 1;
	}
	text[at] = '\0';
	return text;
}

void seq2seq_save(const Seq2seq *m, const char *path, const char *config_text, const Vocab *src_vocab,
		  const Vocab *tgt_vocab, bool with_state)
{
	NpzWriter *w = npz_create(path);
	char *src = vocab_text(src_vocab), *tgt = vocab_text(tgt_vocab), name[512];

	for (size_t i = 0; i < m->params.count; i++)
		npz_add(w, m->params.items[i].name, m->params.items[i].tensor);
	for (size_t i = 0; i < m->params.count && with_state; i++) {
		snprintf(name, sizeof(name), "%s%s", ADAM_M_PREFIX, m->params.items[i].name);
		npz_add(w, name, m->adam_m.items[i].tensor);
		snprintf(name, sizeof(name), "%s%s", ADAM_V_PREFIX, m->params.items[i].name);
		npz_add(w, name, m->adam_v.items[i].tensor);
	}
	if (with_state) {
		snprintf(name, sizeof(name), "%ld\n", m->step);
		npz_add_text(w, ADAM_STEP, name);
	}
	npz_add_text(w, "config", config_text);
	npz_add_text(w, "src_vocab", src);
	npz_add_text(w, "tgt_vocab", tgt);
	npz_commit(w);
	free(src), free(tgt);
}

/* dst[n] = the entry name of z, or die saying why a resumed run needs it */
static void read_state(Npz *z, const char *name, float *dst, size_t n)
{
	Tensor *t = npz_read(z, name);

	if (!t)
		die("%s: no %s: the archive has no Adam state to resume (written with --weights-only, or not by train; "
		    "--init starts from its weights with fresh moments)", npz_path(z), name);
	if (t->size != n)
		die("%s: %s has %zu values, its parameter %zu", npz_path(z), name, t->size, n);
	memcpy(dst, t->data, n * sizeof(float));
	tensor_free(t);
}

void seq2seq_load_state(Seq2seq *m, const char *path)
{
	Npz *z = npz_open(path);
	char name[512], *text, *end;

	for (size_t i = 0; i < m->params.count; i++) {
		const Tensor *p = m->params.items[i].tensor;
		snprintf(name, sizeof(name), "%s%s", ADAM_M_PREFIX, m->params.items[i].name);
		read_state(z, name, m->adam_m.items[i].tensor->data, p->size);
		snprintf(name, sizeof(name), "%s%s", ADAM_V_PREFIX, m->params.items[i].name);
		read_state(z, name, m->adam_v.items[i].tensor->data, p->size);
	}
	if (!(text = npz_read_text(z, ADAM_STEP)))
		die("%s: no %s: the archive has no Adam state to resume", path, ADAM_STEP);
	m->step = strtol(text, &end, 10);
	if (end == text || m->step < 1 || (*end && *end != '\n'))
		die("%s: %s: '%s' is not a step count", path, ADAM_STEP, text);
	free(text);
	npz_close(z);
}

double seq2seq_grad_norm(const Seq2seq *m)
{
	double sum = 0.0;

	for (size_t i = 0; i < m->grads.count; i++)
		sum += grad_sum_squares(m->grads.items[i].tensor->data, m->grads.items[i].tensor->size);
	return sqrt(sum);
}

void seq2seq_grad_scale(Seq2seq *m, double f)
{
	for (size_t i = 0; i < m->grads.count; i++)
		grad_scale(m->grads.items[i].tensor->data, f, m->grads.items[i].tensor->size);
}

void seq2seq_adam(Seq2seq *m, const Adam *a)
{
	m->step++;
	for (size_t i = 0; i < m->params.count; i++) {
		Tensor *p = m->params.items[i].tensor;
		adam_update(p->data, m->adam_m.items[i].tensor->data, m->adam_v.items[i].tensor->data,
			    m->grads.items[i].tensor->data, a, m->step, p->size);
	}
}

/* ---- what the forward pass keeps ------------------------------------------------------------ */

/* One sublayer, x_out = LayerNorm(x + drop(f(x))) (post-norm) or x + drop(f(LayerNorm(x))) (pre-norm) */
typedef struct {
	float *x;                 /* [T,E] the residual stream entering the sublayer */
	float *in;                /* [T,E] pre-norm: LayerNorm(x), which f reads (post-norm: f reads x) */
	float *f;                 /* [T,E] f's output, after dropout */
	float *sum;               /* [T,E] post-norm: x + f, LayerNorm's input */
	float *mean, *rstd;       /* [T] that LayerNorm's statistics */
	float *drop;              /* [T,E] the dropout mask of f's output */
	float *mha_work;          /* attention: mha_work_size(T, S), the projections and heads */
	float *attn;              /* attention: [H,T,S] the weights */
	float *drop_attn;         /* attention: [H,T,S] the dropout mask of the weights */
	float *pre, *hidden;      /* feed-forward: [T,F] before and after the activation (and dropout) */
	float *drop_hidden;       /* feed-forward: [T,F] the dropout mask after the activation */
} Sublayer;

typedef enum { SUB_SELF, SUB_CROSS, SUB_FFN } SublayerKind;

/* One stack's run: its sublayers in order, the embedding's dropout and the final norm. */
typedef struct {
	Sublayer *sub;            /* [N * 2] encoder, [N * 3] decoder */
	float *drop_embed;        /* [C,E] the dropout mask of embedding + positional encoding */
	float *out;               /* [C,E] the stack's output (after the final norm) */
	float *final_in;          /* [C,E] the final norm's input */
	float *final_mean, *final_rstd; /* [C] */
} StackRun;

/* The recurrent seq2seq's forward record and backward work, each sized for C positions */
typedef struct {
	float *x, *d_x;           /* [C,E] the source embeddings and their gradient */
	float *memory, *d_memory; /* [C,Dm] */
	float *enc_work;          /* rnn_work_size(C) */
	float *trace;             /* rnn_trace_size(C): what rnn_backward reads */
	float *d_enc_work;        /* rnn_backward_work_size(C) */
	float *y, *d_y;           /* [C,E] the target embeddings (the decoder's inputs) */
	float *o, *d_o;           /* [C,Hdec] the decoder's outputs o_t */
	float *o_drop;            /* [C,Hdec] o_t after dropout, the generator's input */
	float *drop_x, *drop_y, *drop_o; /* the dropout masks of x, y and o */
	float *dec_work;          /* attn_decoder_forward_work_size(C) */
	float *d_dec_work;        /* attn_decoder_backward_work_size(C) */
	AttnDecoderRecord rec;    /* [C, ...] each */
	float *s0, *d_s0;         /* [Hdec] */
} RnnRunBuffers;

struct Trainer {
	Seq2seq *m;
	size_t C;                 /* positions the buffers hold */
	StackRun enc, dec;
	float *pe;                /* [C,E] the positional encoding */
	float *x;                 /* [C,E] the residual stream */
	float *logits, *logprobs; /* [C,Vt] */
	size_t *gold;             /* [C] */
	/* the backward pass' work */
	float *d_x, *d_memory, *d_f, *d_in, *d_tmp; /* [C,E] */
	float *d_pre;             /* [C,F] */
	float *d_mha;             /* mha_backward_work_size(C, C) */
	float *d_logits;          /* [C,Vt] */
	RnnRunBuffers *rnn;       /* the recurrent seq2seq's (the stacks above stay empty then) */
};

static float *grow(float *p, size_t a, size_t b)
{
	return xrealloc(p, xmul(xmul(a, b, "training buffers"), sizeof(float), "training buffers"));
}

static void stack_reserve(StackRun *r, const Transformer *st, size_t C)
{
	size_t E = st->cfg.E, F = st->cfg.F, H = st->cfg.H, n = st->cfg.N * (st->decoder ? 3 : 2);

	if (!r->sub)
		r->sub = xcalloc(n ? n : 1, sizeof(Sublayer));
	for (size_t i = 0; i < n; i++) {
		Sublayer *s = &r->sub[i];
		s->x = grow(s->x, C, E), s->in = grow(s->in, C, E), s->f = grow(s->f, C, E);
		s->sum = grow(s->sum, C, E), s->drop = grow(s->drop, C, E);
		s->mean = grow(s->mean, C, 1), s->rstd = grow(s->rstd, C, 1);
		s->mha_work = grow(s->mha_work, mha_work_size(&st->layer[0].self_attn, C, C), 1);
		s->attn = grow(s->attn, xmul(H, C, "attention"), C);
		s->drop_attn = grow(s->drop_attn, xmul(H, C, "attention"), C);
		s->pre = grow(s->pre, C, F), s->hidden = grow(s->hidden, C, F), s->drop_hidden = grow(s->drop_hidden, C, F);
	}
	r->drop_embed = grow(r->drop_embed, C, E);
	r->out = grow(r->out, C, E), r->final_in = grow(r->final_in, C, E);
	r->final_mean = grow(r->final_mean, C, 1), r->final_rstd = grow(r->final_rstd, C, 1);
}

static void stack_free(StackRun *r, const Transformer *st)
{
	size_t n = st->cfg.N * (st->decoder ? 3 : 2);

	for (size_t i = 0; i < n && r->sub; i++) {
		Sublayer *s = &r->sub[i];
		free(s->x), free(s->in), free(s->f), free(s->sum), free(s->drop), free(s->mean), free(s->rstd);
		free(s->mha_work), free(s->attn), free(s->drop_attn), free(s->pre), free(s->hidden), free(s->drop_hidden);
	}
	free(r->sub), free(r->drop_embed), free(r->out), free(r->final_in), free(r->final_mean), free(r->final_rstd);
}

static void rnn_reserve(RnnRunBuffers *b, const Seq2seq *m, size_t C)
{
	const RecurrentShape *r = &m->shape.rnn;
	const size_t E = r->E, H = r->Hdec, Dm = (r->bidirectional ? 2 : 1) * r->H;
	const size_t G2H = 2 * rnn_gates(r->kind) * H;
	AttnDecoderRecord *rec = &b->rec;

	b->x = grow(b->x, C, E), b->d_x = grow(b->d_x, C, E), b->drop_x = grow(b->drop_x, C, E);
	b->memory = grow(b->memory, C, Dm), b->d_memory = grow(b->d_memory, C, Dm);
	b->enc_work = grow(b->enc_work, rnn_work_size(&m->rnn_encoder, C), 1);
	b->trace = grow(b->trace, rnn_trace_size(&m->rnn_encoder, C), 1);
	b->d_enc_work = grow(b->d_enc_work, rnn_backward_work_size(&m->rnn_encoder, C), 1);
	b->y = grow(b->y, C, E), b->d_y = grow(b->d_y, C, E), b->drop_y = grow(b->drop_y, C, E);
	b->o = grow(b->o, C, H), b->d_o = grow(b->d_o, C, H), b->o_drop = grow(b->o_drop, C, H);
	b->drop_o = grow(b->drop_o, C, H);
	b->dec_work = grow(b->dec_work, attn_decoder_forward_work_size(&m->rnn_decoder, C), 1);
	b->d_dec_work = grow(b->d_dec_work, attn_decoder_backward_work_size(&m->rnn_decoder, C), 1);
	rec->prev = grow(rec->prev, C, H), rec->scores = grow(rec->scores, C, C);
	rec->contexts = grow(rec->contexts, C, Dm), rec->weights = grow(rec->weights, C, C);
	rec->states = grow(rec->states, C, H), rec->gates = grow(rec->gates, C, G2H);
	rec->cell_prev = grow(rec->cell_prev, C, H);
	b->s0 = grow(b->s0, H, 1), b->d_s0 = grow(b->d_s0, H, 1);
}

static void rnn_buffers_free(RnnRunBuffers *b)
{
	AttnDecoderRecord *rec = &b->rec;

	free(b->x), free(b->d_x), free(b->drop_x), free(b->memory), free(b->d_memory), free(b->enc_work);
	free(b->trace), free(b->d_enc_work), free(b->y), free(b->d_y), free(b->drop_y), free(b->o), free(b->d_o);
	free(b->o_drop), free(b->drop_o), free(b->dec_work), free(b->d_dec_work);
	free(rec->prev), free(rec->scores), free(rec->contexts), free(rec->weights), free(rec->states);
	free(rec->gates), free(rec->cell_prev), free(b->s0), free(b->d_s0);
	free(b);
}

/* Every buffer large enough for C positions of source and target. */
static void reserve(Trainer *t, size_t C)
{
	Seq2seq *m = t->m;
	size_t E = m->shape.encoder.E, F = m->shape.encoder.F > m->shape.decoder.F ? m->shape.encoder.F
											: m->shape.decoder.F;
	size_t Vt = m->shape.Vt;

	if (C <= t->C)
		return;
	t->C = C;
	t->logits = grow(t->logits, C, Vt), t->logprobs = grow(t->logprobs, C, Vt), t->d_logits = grow(t->d_logits, C, Vt);
	t->gold = xrealloc(t->gold, xmul(C, sizeof(size_t), "training buffers"));
	if (m->shape.recurrent) {
		if (!t->rnn)
			t->rnn = xcalloc(1, sizeof(RnnRunBuffers));
		rnn_reserve(t->rnn, m, C);
		return;
	}
	stack_reserve(&t->enc, &m->encoder, C);
	stack_reserve(&t->dec, &m->decoder, C);
	t->pe = grow(t->pe, C, E);
	if (m->shape.sinusoidal)
		posenc_table(t->pe, 0, m->shape.base, m->shape.layout, C, E);
	else
		memset(t->pe, 0, C * E * sizeof(float));
	t->x = grow(t->x, C, E);
	t->d_x = grow(t->d_x, C, E), t->d_memory = grow(t->d_memory, C, E), t->d_f = grow(t->d_f, C, E);
	t->d_in = grow(t->d_in, C, E), t->d_tmp = grow(t->d_tmp, C, E);
	t->d_pre = grow(t->d_pre, C, F);
	t->d_mha = grow(t->d_mha, mha_backward_work_size(&m->encoder.layer[0].self_attn, C, C), 1);
}

Trainer *trainer_new(Seq2seq *m)
{
	Trainer *t = xcalloc(1, sizeof(Trainer));

	t->m = m;
	reserve(t, 16);
	return t;
}

void trainer_free(Trainer *t)
{
	if (!t)
		return;
	if (t->rnn)
		rnn_buffers_free(t->rnn);
	else
		stack_free(&t->enc, &t->m->encoder), stack_free(&t->dec, &t->m->decoder);
	free(t->pe), free(t->x), free(t->logits), free(t->logprobs), free(t->d_logits), free(t->gold);
	free(t->d_x), free(t->d_memory), free(t->d_f), free(t->d_in), free(t->d_tmp), free(t->d_pre), free(t->d_mha);
	free(t);
}

/* ---- forward ---------------------------------------------------------------------------------- */

/* The LayerNorm around sublayer i of layer L: norm1, norm2, then norm3 (the decoder's feed-forward) */
static void sublayer_norm(const TransformerLayer *L, size_t i, const float **gamma, const float **beta)
{
	*gamma = i == 0 ? L->norm1_weight : i == 1 ? L->norm2_weight : L->norm3_weight;
	*beta = i == 0 ? L->norm1_bias : i == 1 ? L->norm2_bias : L->norm3_bias;
}

static SublayerKind sublayer_kind(const Transformer *st, size_t i)
{
	if (i == 0)
		return SUB_SELF;
	return st->decoder && i == 1 ? SUB_CROSS : SUB_FFN;
}

/* x[T,E] = the sublayer's output from its input x (in place); memory[S,E] for cross-attention */
static void sublayer_forward(Sublayer *s, const Transformer *st, size_t layer, size_t i, float *x,
			     const float *memory, const TrainOptions *o, bool train, Rng *rng, size_t T, size_t S)
{
	const TransformerConfig *cfg = &st->cfg;
	const TransformerLayer *L = &st->layer[layer];
	size_t E = cfg->E, TE = T * E;
	const float *gamma, *beta, *in = s->x;
	bool drop = train && o->dropout > 0.0f;

	sublayer_norm(L, i, &gamma, &beta);
	memcpy(s->x, x, TE * sizeof(float));
	if (cfg->norm_first) {
		layer_norm_forward(s->in, s->mean, s->rstd, s->x, gamma, beta, cfg->eps, T, E);
		in = s->in;
	}
	switch (sublayer_kind(st, i)) {
	case SUB_SELF: /* the decoder's is causal: position t sees 0..t */
		if (drop) /* nn.MultiheadAttention's own dropout, on the weights */
			dropout_mask(s->drop_attn, rng, o->dropout, cfg->H * T * T);
		mha_forward_train(s->f, s->attn, drop ? s->drop_attn : NULL, s->mha_work, &L->self_attn, in, in, in,
				  NULL, st->decoder, T, T);
		break;
	case SUB_CROSS:
		if (drop)
			dropout_mask(s->drop_attn, rng, o->dropout, cfg->H * T * S);
		mha_forward_train(s->f, s->attn, drop ? s->drop_attn : NULL, s->mha_work, &L->cross_attn, in, memory,
				  memory, NULL, false, T, S);
		break;
	case SUB_FFN:
		if (drop)
			dropout_mask(s->drop_hidden, rng, o->dropout, T * cfg->F);
		feed_forward_train(s->f, s->pre, s->hidden, in, L->linear1_weight, L->linear1_bias, L->linear2_weight,
				   L->linear2_bias, drop ? s->drop_hidden : NULL, cfg->activation, T, E, cfg->F);
		break;
	}
	if (drop) {
		dropout_mask(s->drop, rng, o->dropout, TE);
		dropout_apply(s->f, s->drop, TE);
	}
	if (cfg->norm_first) { /* x + f */
		for (size_t j = 0; j < TE; j++)
			x[j] = s->x[j] + s->f[j];
	} else { /* LayerNorm(x + f) */
		for (size_t j = 0; j < TE; j++)
			s->sum[j] = s->x[j] + s->f[j];
		layer_norm_forward(x, s->mean, s->rstd, s->sum, gamma, beta, cfg->eps, T, E);
	}
}

/* r->out[T,E] = the stack over x = embed(ids) * scale + PE (dropout on the sum); memory for the decoder */
static void stack_forward(Trainer *t, StackRun *r, const Transformer *st, const float *table, const size_t *ids,
			  const float *memory, const TrainOptions *o, bool train, Rng *rng, size_t T, size_t S)
{
	const Seq2seqShape *sh = &t->m->shape;
	size_t E = st->cfg.E, per = st->decoder ? 3 : 2;
	float *x = t->x;

	embedding_forward(x, table, ids, sh->scale ? embedding_scale(E) : 1.0f, T, E);
	posenc_add(x, t->pe, T, E);
	if (train && o->dropout > 0.0f) {
		dropout_mask(r->drop_embed, rng, o->dropout, T * E);
		dropout_apply(x, r->drop_embed, T * E);
	}
	for (size_t layer = 0; layer < st->cfg.N; layer++)
		for (size_t i = 0; i < per; i++)
			sublayer_forward(&r->sub[layer * per + i], st, layer, i, x, memory, o, train, rng, T, S);
	if (st->cfg.final_norm) {
		memcpy(r->final_in, x, T * E * sizeof(float));
		layer_norm_forward(r->out, r->final_mean, r->final_rstd, r->final_in, st->norm_weight, st->norm_bias,
				   st->cfg.eps, T, E);
	} else {
		memcpy(r->out, x, T * E * sizeof(float));
	}
}

/* ---- backward --------------------------------------------------------------------------------- */

/* d_x[T,E]: in, the gradient of the sublayer's output; out, that of its input. d_memory[S,E] += (cross) */
static void sublayer_backward(Trainer *t, Sublayer *s, const Transformer *st, const Transformer *g, size_t layer,
			      size_t i, float *d_x, const float *memory, float *d_memory, bool dropped, size_t T,
			      size_t S)
{
	const TransformerConfig *cfg = &st->cfg;
	const TransformerLayer *L = &st->layer[layer], *dL = &g->layer[layer];
	size_t E = cfg->E, TE = T * E;
	const float *gamma, *beta, *in = cfg->norm_first ? s->in : s->x;
	float *d_f = t->d_f, *d_in = t->d_in, *d_gamma, *d_beta;

	sublayer_norm(L, i, &gamma, &beta);
	sublayer_norm(dL, i, (const float **)&d_gamma, (const float **)&d_beta);
	if (cfg->norm_first) { /* out = x + f: both get d_out */
		memcpy(d_f, d_x, TE * sizeof(float));
	} else { /* out = LayerNorm(x + f): x and f both get d_sum */
		memset(d_f, 0, TE * sizeof(float));
		layer_norm_backward(d_f, d_gamma, d_beta, d_x, s->sum, s->mean, s->rstd, gamma, T, E);
		memcpy(d_x, d_f, TE * sizeof(float));
	}
	if (dropped)
		dropout_apply(d_f, s->drop, TE);
	memset(d_in, 0, TE * sizeof(float));
	switch (sublayer_kind(st, i)) {
	case SUB_SELF: /* query, key and value are all `in`: their three gradients add */
		mha_backward(d_in, d_in, d_in, &dL->self_attn, t->d_mha, d_f, s->mha_work, s->attn,
			     dropped ? s->drop_attn : NULL, &L->self_attn, in, in, in, T, T);
		break;
	case SUB_CROSS:
		mha_backward(d_in, d_memory, d_memory, &dL->cross_attn, t->d_mha, d_f, s->mha_work, s->attn,
			     dropped ? s->drop_attn : NULL, &L->cross_attn, in, memory, memory, T, S);
		break;
	case SUB_FFN:
		feed_forward_backward(d_in, dL->linear1_weight, dL->linear1_bias, dL->linear2_weight, dL->linear2_bias,
				      t->d_pre, d_f, in, s->pre, s->hidden, L->linear1_weight, L->linear2_weight,
				      dropped ? s->drop_hidden : NULL, cfg->activation, T, E, cfg->F);
		break;
	}
	if (cfg->norm_first) /* f read LayerNorm(x) */
		layer_norm_backward(d_x, d_gamma, d_beta, d_in, s->x, s->mean, s->rstd, gamma, T, E);
	else
		residual_add(d_x, d_in, TE);
}

/* From d_out[T,E] (the gradient of r->out, overwritten) down to the embedding table's gradient. */
static void stack_backward(Trainer *t, StackRun *r, const Transformer *st, const Transformer *g, float *d_table,
			   const size_t *ids, float *d_out, const float *memory, float *d_memory, bool dropped, size_t T,
			   size_t S)
{
	const Seq2seqShape *sh = &t->m->shape;
	size_t E = st->cfg.E, per = st->decoder ? 3 : 2, TE = T * E;
	float *d_x = d_out;

	if (st->cfg.final_norm) {
		memset(t->d_tmp, 0, TE * sizeof(float));
		layer_norm_backward(t->d_tmp, g->norm_weight, g->norm_bias, d_out, r->final_in, r->final_mean,
				    r->final_rstd, st->norm_weight, T, E);
		memcpy(d_x, t->d_tmp, TE * sizeof(float));
	}
	for (size_t layer = st->cfg.N; layer-- > 0;)
		for (size_t i = per; i-- > 0;)
			sublayer_backward(t, &r->sub[layer * per + i], st, g, layer, i, d_x, memory, d_memory, dropped, T,
					  S);
	if (dropped)
		dropout_apply(d_x, r->drop_embed, TE);
	/* the positional encoding is a constant: nothing to learn there */
	embedding_backward(d_table, d_x, ids, sh->scale ? embedding_scale(E) : 1.0f, T, E);
}

/* ---- one pair, one batch ---------------------------------------------------------------------- */

/* The generator on out[T,H] (the decoder's outputs) and the summed loss of predicting tgt[1..T];
 * *correct += the tokens whose argmax was gold (correct NULL = not wanted) */
static double generator_loss(Trainer *t, const float *out, const size_t *tgt, const TrainOptions *o, size_t T,
			     size_t H, size_t *correct)
{
	const Seq2seq *m = t->m;
	const size_t Vt = m->shape.Vt;
	size_t count;
	double loss;

	linear(t->logits, out, m->io.generator_weight, m->io.generator_bias, T, H, Vt);
	memcpy(t->gold, tgt + 1, T * sizeof(size_t));
	loss = cross_entropy_forward(t->logprobs, &count, t->logits, t->gold, LOSS_IGNORE_NONE, o->smoothing, T, Vt);
	for (size_t j = 0; j < T && correct; j++)
		*correct += argmax(t->logits + j * Vt, Vt) == t->gold[j];
	return loss;
}

/* Its backward, each token's loss weighing d_loss: d_out[T,H] = the gradient of out, and the generator's */
static void generator_backward(Trainer *t, float *d_out, const float *out, const TrainOptions *o, float d_loss,
			       size_t T, size_t H)
{
	Seq2seq *m = t->m;
	const size_t Vt = m->shape.Vt;

	memset(t->d_logits, 0, T * Vt * sizeof(float));
	cross_entropy_backward(t->d_logits, t->logprobs, t->gold, LOSS_IGNORE_NONE, o->smoothing, d_loss, T, Vt);
	memset(d_out, 0, T * H * sizeof(float));
	linear_backward(d_out, m->d_io.generator_weight, m->d_io.generator_bias, t->d_logits, out,
			m->io.generator_weight, T, H, Vt);
}

/* Forward (and with d_loss > 0, backward) of one pair; returns the summed loss of its tokens. */
static double pair_step(Trainer *t, const PairIds *p, const TrainOptions *o, bool train, Rng *rng, float d_loss,
			size_t *correct)
{
	Seq2seq *m = t->m;
	size_t E = m->shape.encoder.E, S = p->S, T = p->T - 1;
	bool dropped = train && o->dropout > 0.0f;
	double loss;

	/* the encoder, then the decoder on tgt[0..T-1] with the memory */
	stack_forward(t, &t->enc, &m->encoder, m->io.src_embed, p->src, NULL, o, train, rng, S, S);
	stack_forward(t, &t->dec, &m->decoder, m->io.tgt_embed, p->tgt, t->enc.out, o, train, rng, T, S);
	loss = generator_loss(t, t->dec.out, p->tgt, o, T, E, correct);
	if (!train)
		return loss;

	generator_backward(t, t->d_x, t->dec.out, o, d_loss, T, E);
	memset(t->d_memory, 0, S * E * sizeof(float));
	stack_backward(t, &t->dec, &m->decoder, &m->d_decoder, m->d_io.tgt_embed, p->tgt, t->d_x, t->enc.out,
		       t->d_memory, dropped, T, S);
	stack_backward(t, &t->enc, &m->encoder, &m->d_encoder, m->d_io.src_embed, p->src, t->d_memory, NULL, NULL,
		       dropped, S, S);
	return loss;
}

/* x[n] *= a fresh dropout mask (kept in mask for the backward pass) when dropped */
static void drop_maybe(float *x, float *mask, Rng *rng, float p, bool dropped, size_t n)
{
	if (!dropped)
		return;
	dropout_mask(mask, rng, p, n);
	dropout_apply(x, mask, n);
}

/*
 * pair_step of the recurrent seq2seq (docs/rnn-seq2seq.md): memory = encoder(src_embed[src]), the
 * attention decoder teacher-forced on tgt[0..T-1] from s_0 (the memory's last row, or 0), the generator.
 * Backward in the reverse order; s_0's gradient joins the memory's last row's.
 */
static double rnn_pair_step(Trainer *t, const PairIds *p, const TrainOptions *o, bool train, Rng *rng,
			    float d_loss, size_t *correct)
{
	Seq2seq *m = t->m;
	RnnRunBuffers *b = t->rnn;
	const RecurrentShape *r = &m->shape.rnn;
	const size_t E = r->E, H = r->Hdec, Dm = (r->bidirectional ? 2 : 1) * r->H;
	const size_t S = p->S, T = p->T - 1;
	const bool dropped = train && o->dropout > 0.0f;
	RnnTrace trace;
	double loss;

	/* the encoder: memory[S,Dm] from the source embeddings (unscaled, no positions: the recurrence orders them) */
	rnn_trace_parts(&trace, b->trace, &m->rnn_encoder, S);
	embedding_forward(b->x, m->io.src_embed, p->src, 1.0f, S, E);
	drop_maybe(b->x, b->drop_x, rng, o->dropout, dropped, S * E);
	rnn_forward_train(b->memory, &trace, b->enc_work, &m->rnn_encoder, b->x, S);
	/* the decoder from s_0 on the target's embeddings y_0..y_{T-1}, then the generator */
	if (r->init_zeros)
		memset(b->s0, 0, H * sizeof(float));
	else
		memcpy(b->s0, b->memory + (S - 1) * Dm, H * sizeof(float));
	embedding_forward(b->y, m->io.tgt_embed, p->tgt, 1.0f, T, E);
	drop_maybe(b->y, b->drop_y, rng, o->dropout, dropped, T * E);
	attn_decoder_forward(b->o, NULL, &b->rec, b->dec_work, &m->rnn_decoder, b->y, b->memory, b->s0, T, S);
	memcpy(b->o_drop, b->o, T * H * sizeof(float));
	drop_maybe(b->o_drop, b->drop_o, rng, o->dropout, dropped, T * H);
	loss = generator_loss(t, b->o_drop, p->tgt, o, T, H, correct);
	if (!train)
		return loss;

	generator_backward(t, b->d_o, b->o_drop, o, d_loss, T, H);
	if (dropped)
		dropout_apply(b->d_o, b->drop_o, T * H);
	memset(b->d_y, 0, T * E * sizeof(float));
	memset(b->d_memory, 0, S * Dm * sizeof(float));
	memset(b->d_s0, 0, H * sizeof(float));
	attn_decoder_backward(b->d_y, b->d_memory, b->d_s0, &m->d_rnn_decoder, b->d_dec_work, b->d_o, b->o, &b->rec,
			      &m->rnn_decoder, b->y, b->memory, T, S);
	if (!r->init_zeros) /* s_0 is the memory's last row */
		residual_add(b->d_memory + (S - 1) * Dm, b->d_s0, H);
	if (dropped)
		dropout_apply(b->d_y, b->drop_y, T * E);
	embedding_backward(m->d_io.tgt_embed, b->d_y, p->tgt, 1.0f, T, E);
	memset(b->d_x, 0, S * E * sizeof(float));
	rnn_backward(b->d_x, &m->d_rnn_encoder, b->d_enc_work, b->d_memory, &trace, &m->rnn_encoder, b->x, S);
	if (dropped)
		dropout_apply(b->d_x, b->drop_x, S * E);
	embedding_backward(m->d_io.src_embed, b->d_x, p->src, 1.0f, S, E);
	return loss;
}

double trainer_batch(Trainer *t, const PairIds *pairs, size_t n, TrainOptions *o, bool train, size_t *tokens,
		     size_t *correct)
{
	size_t total = 0, longest = 0;
	double loss = 0.0;

	for (size_t i = 0; i < n; i++) {
		if (pairs[i].T < 2 || pairs[i].S < 1)
			die("a training pair needs a source token and a target of <s> and </s> at least");
		total += pairs[i].T - 1;
		longest = pairs[i].S > longest ? pairs[i].S : longest;
		longest = pairs[i].T > longest ? pairs[i].T : longest;
	}
	reserve(t, longest);
	if (train)
		params_zero(&t->m->grads);
	if (correct)
		*correct = 0;
	/* the mean over the batch's tokens: each token's loss has gradient 1 / total */
	for (size_t i = 0; i < n; i++)
		loss += (t->m->shape.recurrent ? rnn_pair_step : pair_step)(t, &pairs[i], o, train, &o->rng,
									   (float)(1.0 / (double)total), correct);
	*tokens = total;
	return total ? loss / (double)total : 0.0;
}
