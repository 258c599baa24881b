/* SPDX-License-Identifier: MIT */
/*
 * Every backward pass of lib/ against the derivative it claims to compute.
 *
 *   grad_test            central finite differences: for each case, L = sum(d_out * f(inputs)) summed in
 *                        double, and dL/dx_i ~ (L(x_i + h) - L(x_i - h)) / 2h for every input value x_i
 *   grad_test FILE.npz   PyTorch's autograd (tests/golden/make_train.py): the same cases, with the inputs,
 *                        the upstream gradient d_out, torch's output and torch's gradients read from FILE
 *
 * Prints one line per case with the largest differences; exits 1 when one exceeds its tolerance.
 * Run by tests/grad.bats.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attention.h"
#include "err.h"
#include "layers.h"
#include "linalg.h"
#include "loss.h"
#include "mha.h"
#include "optim.h"
#include "npz.h"
#include "params.h"
#include "rng.h"
#include "rnn.h"
#include "softmax.h"
#include "vocab.h"

enum { MAX_BUFS = 24 };

typedef struct {
	const char *name;   /* torch's name in the golden archive: "<case>.<name>", "<case>.grad.<name>" */
	float *x, *g;       /* the values and their gradient */
	size_t n;
} Buf;

typedef struct Case Case;
struct Case {
	const char *name;
	Buf in[MAX_BUFS];
	size_t n_in;
	float *out, *d_out;  /* f(inputs) and the upstream gradient dL/d_out */
	size_t n_out;
	void (*forward)(Case *c);
	void (*backward)(Case *c);   /* in[i].g += from d_out */
	/* what the cases need besides */
	size_t T, S, E, H, F, V;
	float *work, *work2, *saved, *saved2;
	unsigned char *allowed;
	bool causal;
	size_t *ids;
	Params params, grads;
	MhaWeights mw, mg;
	Activation act;
	RnnWeights rw, rg;                 /* the recurrent stack's weights and gradients */
	AttnDecoderWeights dw, dg;         /* the attention decoder's */
	RnnTrace trace;
	AttnDecoderRecord rec;
};

/* every buffer the cases use, freed together when main returns (so LeakSanitizer in `make check` stays quiet) */
static float *allocated[512];
static size_t n_allocated;

static float *alloc(size_t n)
{
	float *x = xcalloc(n ? n : 1, sizeof(float));

	if (n_allocated == sizeof allocated / sizeof *allocated)
		die("grad_test: more buffers than allocated[] holds");
	return allocated[n_allocated++] = x;
}

static void free_cases(Case *cases, size_t n)
{
	for (size_t i = 0; i < n_allocated; i++)
		free(allocated[i]);
	for (size_t i = 0; i < n; i++) {
		params_free(&cases[i].params), params_free(&cases[i].grads);
		rnn_free(&cases[i].rw), rnn_free(&cases[i].rg);
	}
}

static void add_buf(Case *c, const char *name, float *x, float *g, size_t n)
{
	c->in[c->n_in++] = (Buf){ name, x, g, n };
}

static void new_buf(Case *c, const char *name, size_t n)
{
	add_buf(c, name, alloc(n), alloc(n), n);
}

static void set_out(Case *c, size_t n)
{
	c->out = alloc(n);
	c->d_out = alloc(n);
	c->n_out = n;
}

/* ---- the cases ----------------------------------------------------------------------------- */

/* linear: out[T,F] = x[T,E] w[F,E]^T + b[F] */
static void linear_fwd(Case *c)
{
	linear(c->out, c->in[0].x, c->in[1].x, c->in[2].x, c->T, c->E, c->F);
}
static void linear_bwd(Case *c)
{
	linear_backward(c->in[0].g, c->in[1].g, c->in[2].g, c->d_out, c->in[0].x, c->in[1].x, c->T, c->E, c->F);
}

/* layer_norm: out[T,E] = LayerNorm(x) with gamma, beta */
static void norm_fwd(Case *c)
{
	layer_norm_forward(c->out, c->saved, c->saved2, c->in[0].x, c->in[1].x, c->in[2].x, 1e-5f, c->T, c->E);
}
static void norm_bwd(Case *c)
{
	layer_norm_backward(c->in[0].g, c->in[1].g, c->in[2].g, c->d_out, c->in[0].x, c->saved, c->saved2,
			    c->in[1].x, c->T, c->E);
}

/* relu, gelu: out[n] = act(x[n]) */
static void act_fwd(Case *c)
{
	memcpy(c->out, c->in[0].x, c->n_out * sizeof(float));
	activate(c->out, c->act, c->n_out);
}
static void act_bwd(Case *c)
{
	activate_backward(c->in[0].g, c->d_out, c->in[0].x, c->act, c->n_out);
}

/* softmax: out[T,S] = softmax of each row of x */
static void softmax_fwd(Case *c)
{
	memcpy(c->out, c->in[0].x, c->n_out * sizeof(float));
	softmax_rows(c->out, c->T, c->S);
}
static void softmax_bwd(Case *c)
{
	softmax_rows_backward(c->in[0].g, c->d_out, c->out, c->T, c->S);
}

/* attention: out[T,E] = softmax(q k^T / sqrt(E), masked) v, v [S,F] */
static void attn_fwd(Case *c)
{
	attention_forward(c->out, c->saved, NULL, c->work, c->in[0].x, c->in[1].x, c->in[2].x, c->allowed,
			  NULL, c->causal, 1.0f / sqrtf((float)c->E), NORMALIZE_SOFTMAX, c->T, c->S, c->E, c->F);
}
static void attn_bwd(Case *c)
{
	attention_backward(c->in[0].g, c->in[1].g, c->in[2].g, c->work, c->d_out, c->saved, NULL, c->in[0].x,
			   c->in[1].x, c->in[2].x, 1.0f / sqrtf((float)c->E), c->T, c->S, c->E, c->F);
}

/* mha: out[T,E] = MultiheadAttention(query, key = value); self-attention when key is query; saved2, when
 * set, is a dropout mask of the attention weights */
static void mha_fwd(Case *c)
{
	const float *key = c->S ? c->in[1].x : c->in[0].x;
	size_t S = c->S ? c->S : c->T;
	mha_forward_train(c->out, c->saved, c->saved2, c->work, &c->mw, c->in[0].x, key, key,
			  c->allowed ? &(Mask){ .allowed = c->allowed, .heads = 1 } : NULL, c->causal,
			  c->T, S);
}
static void mha_bwd(Case *c)
{
	const float *key = c->S ? c->in[1].x : c->in[0].x;
	float *d_key = c->S ? c->in[1].g : c->in[0].g;
	size_t S = c->S ? c->S : c->T;
	mha_backward(c->in[0].g, d_key, d_key, &c->mg, c->work2, c->d_out, c->work, c->saved, c->saved2, &c->mw,
		     c->in[0].x, key, key, c->T, S);
}

/* embedding: out[T,E] = weight[ids[t]] * sqrt(E) */
static void embed_fwd(Case *c)
{
	embedding_forward(c->out, c->in[0].x, c->ids, embedding_scale(c->E), c->T, c->E);
}
static void embed_bwd(Case *c)
{
	embedding_backward(c->in[0].g, c->d_out, c->ids, embedding_scale(c->E), c->T, c->E);
}

/* cross entropy: out[1] = the mean over non-pad targets, label smoothing 0.1, targets ids (0 = pad) */
static void ce_fwd(Case *c)
{
	size_t count;
	double sum = cross_entropy_forward(c->saved, &count, c->in[0].x, c->ids, 0, 0.1f, c->T, c->V);
	c->out[0] = (float)(sum / (double)count);
	c->F = count;
}
static void ce_bwd(Case *c)
{
	cross_entropy_backward(c->in[0].g, c->saved, c->ids, 0, 0.1f, c->d_out[0] / (float)c->F, c->T, c->V);
}

/* feed-forward: out[T,E] = gelu(x W1^T + b1) * drop W2^T + b2, drop a fixed dropout mask */
static void ffn_fwd(Case *c)
{
	feed_forward_train(c->out, c->saved, c->saved2, c->in[0].x, c->in[1].x, c->in[2].x, c->in[3].x, c->in[4].x,
			   c->work2, c->act, c->T, c->E, c->F);
}
static void ffn_bwd(Case *c)
{
	feed_forward_backward(c->in[0].g, c->in[1].g, c->in[2].g, c->in[3].g, c->in[4].g, c->work, c->d_out,
			      c->in[0].x, c->saved, c->saved2, c->in[1].x, c->in[3].x, c->work2, c->act, c->T, c->E,
			      c->F);
}

/* rnn: out[T,D*H] = the recurrent stack over x[T,I] (I = E, H, L = layers in F, D = 2 when causal) */
static void rnn_fwd(Case *c)
{
	rnn_forward_train(c->out, &c->trace, c->work, &c->rw, c->in[0].x, c->T);
}
static void rnn_bwd(Case *c)
{
	rnn_backward(c->in[0].g, &c->rg, c->work2, c->d_out, &c->trace, &c->rw, c->in[0].x, c->T);
}

/* decoder: out[T,H] = the attention decoder over y[T,E], memory[S,Dm] from s0[H] */
static void dec_fwd(Case *c)
{
	attn_decoder_forward(c->out, NULL, &c->rec, c->work, &c->dw, c->in[0].x, c->in[1].x, c->in[2].x, c->T, c->S);
}
static void dec_bwd(Case *c)
{
	attn_decoder_backward(c->in[0].g, c->in[1].g, c->in[2].g, &c->dg, c->work2, c->d_out, c->out, &c->rec, &c->dw,
			      c->in[0].x, c->in[1].x, c->T, c->S);
}

/* every parameter of c->params as an input, its gradient the same entry of c->grads */
static void param_bufs(Case *c)
{
	Params *p = &c->params, *g = &c->grads;

	params_zero(p);
	params_zero(g);
	for (size_t i = 0; i < p->count; i++)
		add_buf(c, p->items[i].name, p->items[i].tensor->data, g->items[i].tensor->data,
			p->items[i].tensor->size);
}

/* a recurrent stack of kind, T steps of I inputs, H states, L layers, bidirectional or not */
static void rnn_case(Case *c, const char *name, RnnKind kind, size_t T, size_t I, size_t H, size_t L, bool bi)
{
	*c = (Case){ .name = name, .T = T, .E = I, .H = H, .forward = rnn_fwd, .backward = rnn_bwd };
	new_buf(c, "x", T * I);
	rnn_declare(&c->params, &c->rw, "", kind, I, H, L, bi);
	rnn_declare(&c->grads, &c->rg, "", kind, I, H, L, bi);
	param_bufs(c);
	set_out(c, T * (bi ? 2 : 1) * H);
	c->work = alloc(rnn_work_size(&c->rw, T));
	c->work2 = alloc(rnn_backward_work_size(&c->rw, T));
	rnn_trace_parts(&c->trace, alloc(rnn_trace_size(&c->rw, T)), &c->rw, T);
}

/* an attention decoder of kind and score: T steps, y [T,E], memory [S,Dm], states H, additive width Hd */
static void dec_case(Case *c, const char *name, RnnKind kind, ScoreKind score, size_t T, size_t S, size_t E,
		     size_t Dm, size_t H, size_t Hd)
{
	const size_t G = rnn_gates(kind);

	*c = (Case){ .name = name, .T = T, .S = S, .forward = dec_fwd, .backward = dec_bwd };
	new_buf(c, "y", T * E), new_buf(c, "memory", S * Dm), new_buf(c, "s0", H);
	attn_decoder_declare(&c->params, &c->dw, "", kind, score, E, Dm, H, Hd);
	attn_decoder_declare(&c->grads, &c->dg, "", kind, score, E, Dm, H, Hd);
	param_bufs(c);
	set_out(c, T * H);
	c->work = alloc(attn_decoder_forward_work_size(&c->dw, S));
	c->work2 = alloc(attn_decoder_backward_work_size(&c->dw, S));
	c->rec = (AttnDecoderRecord){ alloc(T * H), alloc(T * S), alloc(T * Dm), alloc(T * S), alloc(T * H),
				      alloc(T * 2 * G * H), alloc(T * H) };
}

/* MHA parameters as buffers: the weights in c->params, the gradients in c->grads, by torch's names */
static void mha_case(Case *c, size_t E, size_t H)
{
	Params *p = &c->params, *g = &c->grads;

	mha_declare(p, &c->mw, "", E, H, E, E, true);
	mha_declare(g, &c->mg, "", E, H, E, E, true);
	params_zero(p);
	params_zero(g);
	for (size_t i = 0; i < p->count; i++)
		add_buf(c, p->items[i].name, p->items[i].tensor->data, g->items[i].tensor->data,
			p->items[i].tensor->size);
}

static size_t make_cases(Case *cases)
{
	static size_t ce_targets[] = { 2, 0, 5, 1, 5 }, embed_ids[] = { 1, 3, 1, 4 };
	/* 1 = may attend: row 1 and 2 lose a key each, row 0 keeps two (with causal) */
	static unsigned char attn_allowed[] = { 1, 1, 0, 1, 0, 1, 1, 1, 1, 0, 0, 0 };
	static unsigned char pad_allowed[] = { 1, 1, 1, 0, 1, 1, 1, 0, 1, 1, 1, 0, 1, 1, 1, 0 }; /* key 3 is <pad> */
	static unsigned char cross_allowed[] = { 1, 1, 1, 1, 0, 1, 1, 1, 1, 0, 1, 1, 1, 1, 0 }; /* memory 4 <pad> */
	size_t n = 0;
	Case *c;

	c = &cases[n++];
	*c = (Case){ .name = "linear", .T = 3, .E = 5, .F = 4, .forward = linear_fwd, .backward = linear_bwd };
	new_buf(c, "x", 15), new_buf(c, "weight", 20), new_buf(c, "bias", 4), set_out(c, 12);

	c = &cases[n++];
	*c = (Case){ .name = "layer_norm", .T = 3, .E = 6, .forward = norm_fwd, .backward = norm_bwd };
	new_buf(c, "x", 18), new_buf(c, "weight", 6), new_buf(c, "bias", 6), set_out(c, 18);
	c->saved = alloc(3), c->saved2 = alloc(3);

	c = &cases[n++];
	*c = (Case){ .name = "relu", .act = ACT_RELU, .forward = act_fwd, .backward = act_bwd };
	new_buf(c, "x", 12), set_out(c, 12);

	c = &cases[n++];
	*c = (Case){ .name = "gelu", .act = ACT_GELU, .forward = act_fwd, .backward = act_bwd };
	new_buf(c, "x", 12), set_out(c, 12);

	c = &cases[n++];
	*c = (Case){ .name = "softmax", .T = 3, .S = 5, .forward = softmax_fwd, .backward = softmax_bwd };
	new_buf(c, "x", 15), set_out(c, 15);

	c = &cases[n++];
	*c = (Case){ .name = "attention", .T = 3, .S = 4, .E = 5, .F = 3, .allowed = attn_allowed,
		     .forward = attn_fwd, .backward = attn_bwd };
	new_buf(c, "q", 15), new_buf(c, "k", 20), new_buf(c, "v", 12), set_out(c, 9);
	c->saved = alloc(12), c->work = alloc(attention_forward_scratch(3, 4));

	c = &cases[n++];
	*c = (Case){ .name = "attention_causal", .T = 4, .S = 4, .E = 5, .F = 3, .allowed = pad_allowed,
		     .causal = true, .forward = attn_fwd, .backward = attn_bwd };
	new_buf(c, "q", 20), new_buf(c, "k", 20), new_buf(c, "v", 12), set_out(c, 12);
	c->saved = alloc(16), c->work = alloc(attention_forward_scratch(4, 4));

	c = &cases[n++];
	*c = (Case){ .name = "mha_self", .T = 4, .E = 8, .H = 2, .allowed = pad_allowed, .causal = true,
		     .forward = mha_fwd, .backward = mha_bwd };
	new_buf(c, "x", 32), mha_case(c, 8, 2), set_out(c, 32);
	c->saved = alloc(2 * 16), c->work = alloc(mha_work_size(&c->mw, 4, 4));
	c->work2 = alloc(mha_backward_work_size(&c->mw, 4, 4));

	c = &cases[n++];
	*c = (Case){ .name = "mha_self_dropout", .T = 4, .E = 8, .H = 2, .allowed = pad_allowed, .causal = true,
		     .forward = mha_fwd, .backward = mha_bwd };
	new_buf(c, "x", 32), mha_case(c, 8, 2), set_out(c, 32);
	c->saved = alloc(2 * 16), c->work = alloc(mha_work_size(&c->mw, 4, 4));
	c->work2 = alloc(mha_backward_work_size(&c->mw, 4, 4));
	c->saved2 = alloc(2 * 16);
	for (size_t i = 0; i < 2 * 16; i++) /* the attention weights' dropout mask of p = 0.5: every third dropped */
		c->saved2[i] = i % 3 == 1 ? 0.0f : 2.0f;

	c = &cases[n++];
	*c = (Case){ .name = "mha_cross", .T = 3, .S = 5, .E = 8, .H = 2, .allowed = cross_allowed,
		     .forward = mha_fwd, .backward = mha_bwd };
	new_buf(c, "x", 24), new_buf(c, "memory", 40), mha_case(c, 8, 2), set_out(c, 24);
	c->saved = alloc(2 * 15), c->work = alloc(mha_work_size(&c->mw, 3, 5));
	c->work2 = alloc(mha_backward_work_size(&c->mw, 3, 5));

	c = &cases[n++];
	*c = (Case){ .name = "embedding", .T = 4, .E = 4, .ids = embed_ids, .forward = embed_fwd,
		     .backward = embed_bwd };
	new_buf(c, "weight", 20), set_out(c, 16);

	c = &cases[n++];
	*c = (Case){ .name = "cross_entropy", .T = 5, .V = 6, .ids = ce_targets, .forward = ce_fwd,
		     .backward = ce_bwd };
	new_buf(c, "logits", 30), set_out(c, 1);
	c->saved = alloc(30);

	c = &cases[n++];
	*c = (Case){ .name = "feed_forward", .T = 3, .E = 4, .F = 6, .act = ACT_GELU, .forward = ffn_fwd,
		     .backward = ffn_bwd };
	new_buf(c, "x", 12), new_buf(c, "linear1.weight", 24), new_buf(c, "linear1.bias", 6);
	new_buf(c, "linear2.weight", 24), new_buf(c, "linear2.bias", 4), set_out(c, 12);
	c->saved = alloc(18), c->saved2 = alloc(18), c->work = alloc(18), c->work2 = alloc(18);
	for (size_t i = 0; i < 18; i++) /* the dropout mask of p = 0.5: every third value dropped */
		c->work2[i] = i % 3 == 1 ? 0.0f : 2.0f;

	rnn_case(&cases[n++], "rnn_tanh", RNN_TANH, 4, 3, 4, 2, false);
	rnn_case(&cases[n++], "rnn_gru", RNN_GRU, 4, 3, 4, 2, true);
	rnn_case(&cases[n++], "rnn_lstm", RNN_LSTM, 4, 3, 4, 1, true);
	dec_case(&cases[n++], "dec_gru_additive", RNN_GRU, SCORE_ADDITIVE, 4, 5, 3, 6, 4, 5);
	dec_case(&cases[n++], "dec_lstm_general", RNN_LSTM, SCORE_GENERAL, 4, 5, 3, 6, 4, 0);
	dec_case(&cases[n++], "dec_rnn_dot", RNN_TANH, SCORE_DOT, 4, 5, 3, 4, 4, 0);
	return n;
}

/* ---- the checks ----------------------------------------------------------------------------- */

static double objective(Case *c)
{
	double L = 0.0;

	c->forward(c);
	for (size_t i = 0; i < c->n_out; i++)
		L += (double)c->d_out[i] * c->out[i];
	return L;
}

static void run_backward(Case *c)
{
	for (size_t b = 0; b < c->n_in; b++)
		memset(c->in[b].g, 0, c->in[b].n * sizeof(float));
	c->forward(c);
	c->backward(c);
}

/* Random inputs; relu's kept away from its kink at 0, where a difference quotient straddles it */
static void randomise(Case *c, Rng *rng)
{
	for (size_t b = 0; b < c->n_in; b++)
		for (size_t i = 0; i < c->in[b].n; i++) {
			float x = (float)rng_normal(rng);
			if (c->act == ACT_RELU && fabsf(x) < 0.1f)
				x = x < 0 ? -0.5f : 0.5f;
			c->in[b].x[i] = x;
		}
	for (size_t i = 0; i < c->n_out; i++)
		c->d_out[i] = (float)rng_normal(rng);
}

/*
 * The largest |analytic - numeric| over every input value, relative to max(1, |numeric|). The numeric
 * derivative is the five-point central difference (f(-2h) - 8 f(-h) + 8 f(h) - f(2h)) / 12h, whose error
 * falls as h^4: h can be large enough (1e-2) that the float rounding of f does not drown the quotient.
 */
static double check_fd(Case *c)
{
	const double h = 1e-2;
	double worst = 0.0;

	run_backward(c);
	for (size_t b = 0; b < c->n_in; b++)
		for (size_t i = 0; i < c->in[b].n; i++) {
			float *x = &c->in[b].x[i], saved = *x;
			double f[4], fd;
			for (int k = 0; k < 4; k++) {
				static const double at[4] = { -2, -1, 1, 2 };
				*x = (float)(saved + at[k] * h);
				f[k] = objective(c);
			}
			*x = saved;
			fd = (f[0] - 8.0 * f[1] + 8.0 * f[2] - f[3]) / (12.0 * h);
			worst = fmax(worst, fabs(fd - c->in[b].g[i]) / fmax(1.0, fabs(fd)));
		}
	return worst;
}

static void load(Npz *z, const char *case_name, const char *name, float *dst, size_t n)
{
	char full[256];
	Tensor *t;

	snprintf(full, sizeof(full), "%s.%s", case_name, name);
	if (!(t = npz_read(z, full)))
		die("%s: no entry %s", npz_path(z), full);
	if (t->size != n)
		die("%s: %s has %zu values, expected %zu", npz_path(z), full, t->size, n);
	memcpy(dst, t->data, n * sizeof(float));
	tensor_free(t);
}

static double max_abs_diff(const float *a, const float *b, size_t n)
{
	double worst = 0.0;

	for (size_t i = 0; i < n; i++)
		worst = fmax(worst, fabs((double)a[i] - b[i]));
	return worst;
}

/* torch's inputs in, our output and gradients against torch's: the largest absolute differences */
static void check_golden(Case *c, Npz *z, double *d_out_diff, double *d_grad_diff)
{
	float *want = xcalloc(c->n_out, sizeof(float));
	char name[128];

	for (size_t b = 0; b < c->n_in; b++)
		load(z, c->name, c->in[b].name, c->in[b].x, c->in[b].n);
	load(z, c->name, "d_out", c->d_out, c->n_out);
	run_backward(c);
	load(z, c->name, "out", want, c->n_out);
	*d_out_diff = max_abs_diff(c->out, want, c->n_out);
	*d_grad_diff = 0.0;
	for (size_t b = 0; b < c->n_in; b++) {
		float *g = xcalloc(c->in[b].n, sizeof(float));
		snprintf(name, sizeof(name), "grad.%s", c->in[b].name);
		load(z, c->name, name, g, c->in[b].n);
		*d_grad_diff = fmax(*d_grad_diff, max_abs_diff(c->in[b].g, g, c->in[b].n));
		free(g);
	}
	free(want); /* want and g are not alloc()'s: free_cases does not know them */
}

/* Five Adam steps (lr 0.01, betas 0.9 0.98, eps 1e-9) and the noam rates against torch's */
static int check_optim(Npz *z)
{
	float param[10], m[10] = { 0 }, v[10] = { 0 }, grads[50], after[10], rates[10];
	Adam a = { .lr = 0.01, .beta1 = 0.9, .beta2 = 0.98, .eps = 1e-9 };
	double d_rate = 0.0, d_adam;

	load(z, "adam", "param", param, 10);
	load(z, "adam", "grads", grads, 50);
	load(z, "adam", "after", after, 10);
	for (long t = 1; t <= 5; t++)
		adam_update(param, m, v, grads + (t - 1) * 10, &a, t, 10);
	d_adam = max_abs_diff(param, after, 10);
	load(z, "noam", "rates", rates, 10);
	for (long t = 1; t <= 10; t++)
		d_rate = fmax(d_rate, fabs(noam_rate(2.0, 16, 4, t) - rates[t - 1]) / rates[t - 1]);
	printf("%-18s torch: parameters after 5 steps %.3g  (tolerance 1e-06)\n", "adam", d_adam);
	printf("%-18s torch: relative %.3g  (tolerance 1e-06)\n", "noam", d_rate);
	return !(d_adam <= 1e-6 && d_rate <= 1e-6);
}

int main(int argc, char **argv)
{
	Case cases[24];
	size_t n = make_cases(cases);
	int failed = 0;
	Rng rng;

	set_progname(argv[0]);
	rng_seed(&rng, 7);
	if (argc > 1) {
		Npz *z = npz_open(argv[1]);
		for (size_t i = 0; i < n; i++) {
			double d_out, d_grad, tol = 1e-5;
			check_golden(&cases[i], z, &d_out, &d_grad);
			printf("%-18s torch: output %.3g  gradients %.3g  (tolerance %g)\n", cases[i].name, d_out, d_grad,
			       tol);
			failed |= !(d_out <= tol && d_grad <= tol);
		}
		failed |= check_optim(z);
		npz_close(z);
		free_cases(cases, n);
		return failed;
	}
	for (size_t i = 0; i < n; i++) {
		double err, tol = 1e-3;
		randomise(&cases[i], &rng);
		err = check_fd(&cases[i]);
		printf("%-18s finite differences: %.3g  (tolerance %g)\n", cases[i].name, err, tol);
		failed |= !(err <= tol);
	}
	free_cases(cases, n);
	return failed;
}
