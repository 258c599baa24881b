/* SPDX-License-Identifier: MIT */
#include "model_rnn.h"

#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "tensor.h"
#include "vocab.h"

/* S = source positions, L = output tokens, K = hypotheses, H = decoder state width, Dm = memory width,
 * E = source embedding width, Et = target embedding width, Vt = target vocabulary */

/* The width of a 2-D float entry, or die naming what it is for. */
static size_t embedding_width(Npz *z, const char *name, const char *what)
{
	Tensor *t = npz_read(z, name);
	size_t width;

	if (!t || t->ndim != 2)
		die("%s: missing parameter %s (%s)", npz_path(z), name, what);
	width = t->shape[1];
	tensor_free(t);
	return width;
}

void rnn_model_declare(Model *m, ModelConfig *c)
{
	const char *path = m->path, *s;
	ScoreKind score = SCORE_ADDITIVE;
	size_t H, L, D, Dm, Hdec, Hd;

	m->E = embedding_width(m->archive, "src_embed.weight", "the source embedding, Vs x E");
	m->Et = embedding_width(m->archive, "tgt_embed.weight", "the target embedding, Vt x Et");
	model_refuse_transformer_keys(c, config_get(c, "arch"));
	/* the shapes: encoder H, L, D; memory Dm = D H; decoder Hdec (default Dm); additive Hd (default Hdec) */
	H = config_size(c, "hidden", m->E, 1, 1 << 20);
	L = config_size(c, "encoder_layers", 1, 1, 1000);
	D = config_bool(c, "bidirectional", false) ? 2 : 1;
	Dm = D * H;
	m->H = Hdec = config_size(c, "decoder_hidden", Dm, 1, 1 << 20);
	if ((s = config_get(c, "score")) && !rnn_score_parse(s, &score))
		die("%s: score '%s' is not additive, general or dot", config_where(c, "score"), s);
	Hd = config_size(c, "attn_hidden", Hdec, 1, 1 << 20);
	if ((s = config_get(c, "init")) && strcmp(s, "last") != 0 && strcmp(s, "zeros") != 0)
		die("%s: init '%s' is neither last nor zeros", config_where(c, "init"), s);
	m->rnn.init_zeros = s && strcmp(s, "zeros") == 0;
	if (!m->rnn.init_zeros && Hdec != Dm)
		die("%s: init last starts the decoder (decoder_hidden %zu) from an encoder state of width %zu", path,
		    Hdec, Dm);
	if (score == SCORE_DOT && Hdec != Dm)
		die("%s: score dot needs decoder_hidden %zu = the memory width %zu", path, Hdec, Dm);
	m->tie = config_bool(c, "tie", false);
	if (m->tie && m->Et != Hdec)
		die("%s: tie projects with tgt_embed.weight: its width %zu must be decoder_hidden %zu", path, m->Et,
		    Hdec);
	rnn_declare(&m->params, &m->rnn.encoder, "encoder.", m->kind, m->E, H, L, D == 2);
	attn_decoder_declare(&m->params, &m->rnn.decoder, "decoder.", m->kind, score, m->Et, Dm, Hdec, Hd);
}

/* ---- one search --------------------------------------------------------------------------------- */

struct RnnRun {
	const Model *m;
	size_t K, S;
	float *memory;        /* [S, Dm] */
	float *enc_work;      /* rnn_work_size */
	float *s, *c;         /* [K, H] the live hypotheses' states */
	float *s_new, *c_new; /* [K, H] */
	float *o;             /* [H] */
	float *scores, *weights, *context; /* [S], [S], [Dm] */
	float *step_work;     /* attn_decoder_work_size */
};

RnnRun *rnn_run_new(const Model *m, size_t K)
{
	RnnRun *r = xcalloc(1, sizeof(RnnRun));
	const size_t H = m->rnn.decoder.H;

	r->m = m;
	r->K = K;
	r->s = xmalloc(xmul(xmul(4 * K, H, "states"), sizeof(float), "states"));
	r->c = r->s + K * H;
	r->s_new = r->c + K * H;
	r->c_new = r->s_new + K * H;
	r->o = xmalloc(xmul(H, sizeof(float), "output"));
	return r;
}

void rnn_run_free(RnnRun *r)
{
	if (!r)
		return;
	free(r->memory);
	free(r->enc_work);
	free(r->scores);
	free(r->step_work);
	free(r->s);
	free(r->o);
	free(r);
}

static void reserve_source(RnnRun *r, size_t S)
{
	const Model *m = r->m;
	const size_t Dm = m->rnn.decoder.Dm;
	size_t step = attn_decoder_work_size(&m->rnn.decoder, S);

	if (xmul(S, m->E, "source") > step)
		step = S * m->E;
	r->S = S;
	r->memory = xrealloc(r->memory, xmul(xmul(S, Dm, "memory"), sizeof(float), "memory"));
	r->enc_work = xrealloc(r->enc_work, xmul(rnn_work_size(&m->rnn.encoder, S), sizeof(float), "work"));
	r->scores = xrealloc(r->scores, xmul(2 * S + Dm, sizeof(float), "scores"));
	r->weights = r->scores + S;
	r->context = r->weights + S;
	r->step_work = xrealloc(r->step_work, xmul(step, sizeof(float), "work"));
}

/* s_0[H]: the last encoder state (the plain seq2seq's context vector), or zeros */
static void initial_state(float *s0, const Model *m, const float *memory, size_t S)
{
	const size_t H = m->rnn.decoder.H, Dm = m->rnn.decoder.Dm;

	if (m->rnn.init_zeros)
		memset(s0, 0, H * sizeof(float));
	else
		memcpy(s0, memory + (S - 1) * Dm, H * sizeof(float));
}

void rnn_run_encode(RnnRun *r, const size_t *src_ids, size_t S)
{
	const Model *m = r->m;
	float *x;

	reserve_source(r, S);
	x = r->step_work; /* [S, E] the source embeddings, before the steps need the space */
	/* the source: embed (no scaling, no positions: the recurrence orders it) and encode once */
	embedding_forward(x, m->io.src_embed, src_ids, 1.0f, S, m->E);
	rnn_forward(r->memory, NULL, NULL, r->enc_work, &m->rnn.encoder, x, S);
	initial_state(r->s, m, r->memory, S);
	memset(r->c, 0, m->rnn.decoder.H * sizeof(float));
}

void rnn_run_step(RnnRun *r, float *logprobs, size_t k, const size_t *tokens, size_t len)
{
	const Model *m = r->m;
	const AttnDecoderWeights *d = &m->rnn.decoder;
	const size_t H = d->H, token = len ? tokens[len - 1] : m->tok.bos;
	const bool lstm = d->kind == RNN_LSTM;

	/* one step from the hypothesis' last token (<s> at first) into s_new[k] (and c_new[k]) */
	attn_decoder_step(r->o, r->s_new + k * H, lstm ? r->c_new + k * H : NULL, r->scores, r->weights, r->context,
			  r->step_work, d, r->s + k * H, lstm ? r->c + k * H : NULL, m->io.tgt_embed + token * m->Et,
			  r->memory, r->S);
	model_project(logprobs, m, r->o);
}

void rnn_run_reorder(RnnRun *r, const size_t *parent, size_t live)
{
	const size_t H = r->m->rnn.decoder.H;

	/* the survivors continue from their parents' new states */
	for (size_t k = 0; k < live; k++) {
		memcpy(r->s + k * H, r->s_new + parent[k] * H, H * sizeof(float));
		memcpy(r->c + k * H, r->c_new + parent[k] * H, H * sizeof(float));
	}
}

void rnn_run_rescore(RnnRun *r, float *align, float *scores, const size_t *out, size_t L)
{
	const Model *m = r->m;
	const AttnDecoderWeights *d = &m->rnn.decoder;
	const size_t H = d->H, S = r->S, need = attn_decoder_forward_work_size(d, S);
	float *y = xmalloc(xmul(xmul(L, m->Et, "targets"), sizeof(float), "targets"));
	float *o = xmalloc(xmul(xmul(L, H, "outputs"), sizeof(float), "outputs"));
	float *work = xmalloc(xmul(need + H, sizeof(float), "work"));
	float *s0 = work + need;

	/* teacher-forced on <s> out[0..L-2]: row t of y is the embedding of the token before out[t] */
	for (size_t t = 0; t < L; t++)
		memcpy(y + t * m->Et, m->io.tgt_embed + (t ? out[t - 1] : m->tok.bos) * m->Et, m->Et * sizeof(float));
	initial_state(s0, m, r->memory, S);
	attn_decoder_forward(o, align, NULL, work, d, y, r->memory, s0, L, S);
	for (size_t t = 0; t < L && scores; t++)
		model_project(scores + t * m->tok.Vt, m, o + t * H);
	free(y);
	free(o);
	free(work);
}
