/* SPDX-License-Identifier: MIT */
#include "transformer.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attention.h"
#include "err.h"
#include "linalg.h"
#include "work.h"

/* N = layers, T = target (query) positions, S = source (memory) positions, E = d_model, H = heads,
 * Dh = E / H, F = d_ff */

/* ---- parameters ------------------------------------------------------------------------ */

/* Declare prefix + name, a vector [d0] (d1 = 0) or a matrix [d0, d1]. */
static void add(Params *p, float **slot, const char *prefix, const char *name, InitRule init, double arg, size_t d0,
		size_t d1)
{
	char full[512];
	size_t shape[2] = { d0, d1 };

	snprintf(full, sizeof(full), "%s%s", prefix, name);
	params_add(p, slot, full, init, arg, d1 ? 2 : 1, shape);
}

void transformer_declare(Params *p, Transformer *m, const TransformerConfig *cfg, bool decoder, const char *prefix)
{
	size_t E = cfg->E, F = cfg->F;
	char layer[400], name[512];

	memset(m, 0, sizeof(*m));
	m->cfg = *cfg;
	m->decoder = decoder;
	m->layer = xcalloc(cfg->N, sizeof(TransformerLayer));
	for (size_t i = 0; i < cfg->N; i++) {
		TransformerLayer *L = &m->layer[i];
		snprintf(layer, sizeof(layer), "%slayers.%zu.", prefix, i);
		snprintf(name, sizeof(name), "%sself_attn.", layer);
		mha_declare(p, &L->self_attn, name, E, cfg->H, E, E, true);
		if (decoder) {
			snprintf(name, sizeof(name), "%smultihead_attn.", layer);
			mha_declare(p, &L->cross_attn, name, E, cfg->H, E, E, true);
		}
		/* nn.Linear: weight and bias U(-1/sqrt(in), 1/sqrt(in)) */
		add(p, &L->linear1_weight, layer, "linear1.weight", INIT_LINEAR, 0, F, E);
		add(p, &L->linear1_bias, layer, "linear1.bias", INIT_UNIFORM, 1.0 / sqrt((double)E), F, 0);
		add(p, &L->linear2_weight, layer, "linear2.weight", INIT_LINEAR, 0, E, F);
		add(p, &L->linear2_bias, layer, "linear2.bias", INIT_UNIFORM, 1.0 / sqrt((double)F), E, 0);
		/* nn.LayerNorm: gain 1, bias 0 */
		add(p, &L->norm1_weight, layer, "norm1.weight", INIT_ONES, 0, E, 0);
		add(p, &L->norm1_bias, layer, "norm1.bias", INIT_ZEROS, 0, E, 0);
		add(p, &L->norm2_weight, layer, "norm2.weight", INIT_ONES, 0, E, 0);
		add(p, &L->norm2_bias, layer, "norm2.bias", INIT_ZEROS, 0, E, 0);
		if (decoder) {
			add(p, &L->norm3_weight, layer, "norm3.weight", INIT_ONES, 0, E, 0);
			add(p, &L->norm3_bias, layer, "norm3.bias", INIT_ZEROS, 0, E, 0);
		}
	}
	if (cfg->final_norm) {
		add(p, &m->norm_weight, prefix, "norm.weight", INIT_ONES, 0, E, 0);
		add(p, &m->norm_bias, prefix, "norm.bias", INIT_ZEROS, 0, E, 0);
	}
}

void transformer_free(Transformer *m)
{
	free(m->layer);
	m->layer = NULL;
}

/* ---- one sublayer: residual connection and LayerNorm, in either order ---------------------- */

/* Show x[d0, d1, d2] to the observer, if there is one, as step `name` of layer i. */
static void trace(const Transformer *m, size_t i, const char *name, const float *x, size_t d0, size_t d1,
		  size_t d2)
{
	if (m->trace)
		m->trace->put(m->trace->ctx, i, name, x, d0, d1, d2);
}

/* A sublayer's LayerNorm by its number: "norm1" ... "norm3" */
static const char *norm_name(int k)
{
	static const char *names[] = { "norm1", "norm2", "norm3" };
	return names[k - 1];
}

/* out[T,E] = the stack's LayerNorm of x: torch's, or the Annotated Transformer's (cfg->annotated_norm) */
static void stack_norm(float *out, const float *x, const float *gamma, const float *beta, const TransformerConfig *cfg,
		       float eps, size_t T)
{
	if (cfg->annotated_norm)
		layer_norm_annotated(out, x, gamma, beta, eps, T, cfg->E);
	else
		layer_norm(out, x, gamma, beta, eps, T, cfg->E);
}

/* What sublayer k of layer i reads: x itself (post-norm), or LayerNorm(x) in tmp[T,E] (pre-norm). */
static const float *sublayer_input(float *tmp, const float *x, const float *gamma, const float *beta,
				   const Transformer *m, size_t i, int k, size_t T)
{
	const TransformerConfig *cfg = &m->cfg;

	if (!cfg->norm_first)
		return x;
	stack_norm(tmp, x, gamma, beta, cfg, cfg->eps, T);
	trace(m, i, norm_name(k), tmp, 1, T, cfg->E);
	return tmp;
}

/* x = LayerNorm(x + a) (post-norm, section 3.1), or x = x + a (pre-norm: the norm came before) */
static void sublayer_output(float *x, const float *a, const float *gamma, const float *beta, const Transformer *m,
			    size_t i, int k, size_t T)
{
	static const char *adds[] = { "add1", "add2", "add3" };
	const TransformerConfig *cfg = &m->cfg;

	residual_add(x, a, T * cfg->E);
	trace(m, i, adds[k - 1], x, 1, T, cfg->E);
	if (!cfg->norm_first) {
		stack_norm(x, x, gamma, beta, cfg, cfg->eps, T);
		trace(m, i, norm_name(k), x, 1, T, cfg->E);
	}
}

static void final_norm(float *x, const Transformer *m, size_t T)
{
	if (m->cfg.final_norm) {
		float eps = m->cfg.final_eps > 0.0f ? m->cfg.final_eps : m->cfg.eps;
		stack_norm(x, x, m->norm_weight, m->norm_bias, &m->cfg, eps, T);
		trace(m, m->cfg.N, "norm", x, 1, T, m->cfg.E);
	}
}

/* An attention sublayer's steps: each head's q, k, v (from mha_forward's work), weights, and its output a */
static void trace_attention(const Transformer *m, size_t i, bool cross, float *mha_work, const float *attn_i,
			    const float *a, size_t T, size_t S)
{
	const MhaWeights *w = cross ? &m->layer[i].cross_attn : &m->layer[i].self_attn;
	size_t H = w->H, Dh = w->E / w->H;
	MhaParts p;

	if (!m->trace)
		return;
	mha_work_parts(&p, mha_work, w, T, S);
	trace(m, i, cross ? "multihead_attn.q" : "self_attn.q", p.qh, H, T, Dh);
	trace(m, i, cross ? "multihead_attn.k" : "self_attn.k", p.kh, H, S, Dh);
	trace(m, i, cross ? "multihead_attn.v" : "self_attn.v", p.vh, H, S, Dh);
	if (attn_i)
		trace(m, i, cross ? "multihead_attn.weights" : "self_attn.weights", attn_i, H, T, S);
	trace(m, i, cross ? "multihead_attn" : "self_attn", a, 1, T, w->E);
}

/* The feed-forward sublayer's steps: the hidden layer after the activation, and its output a */
static void trace_ffn(const Transformer *m, size_t i, const float *hidden, const float *a, size_t T)
{
	trace(m, i, "activation", hidden, 1, T, m->cfg.F);
	trace(m, i, "linear2", a, 1, T, m->cfg.E);
}

/* ---- whole sequences ------------------------------------------------------------------- */

static size_t max_size(size_t a, size_t b)
{
	return a > b ? a : b;
}

size_t transformer_work_parts(TransformerParts *p, float *work, const Transformer *m, size_t T, size_t attention)
{
	size_t used = 0, E = m->cfg.E, hidden = xmul(T, m->cfg.F, "transformer work");

	p->norm = work_part(work, &used, xmul(T, E, "transformer work"));
	p->sublayer = work_part(work, &used, xmul(T, E, "transformer work"));
	/* the feed-forward network's hidden layer and the attention's work are never needed at the same time:
	 * one region serves both (at T = 512, 4 MB fewer fresh pages for the kernel to map) */
	p->hidden = p->mha = work_part(work, &used, hidden > attention ? hidden : attention);
	return used;
}

/* Floats of a layer's work for T positions whose attention needs `attention` floats (transformer_work_parts). */
static size_t layer_work(const Transformer *m, size_t T, size_t attention)
{
	TransformerParts p;

	return transformer_work_parts(&p, NULL, m, T, attention);
}

size_t encoder_work_size(const Transformer *m, size_t T)
{
	return layer_work(m, T, m->cfg.N ? mha_work_size(&m->layer[0].self_attn, T, T) : 0);
}

size_t encoder_forward(float *x, float *attn, float *work, const Transformer *m, const Mask *mask, size_t T)
{
	const TransformerConfig *cfg = &m->cfg;
	size_t E = cfg->E, H = cfg->H, blocked = 0;
	TransformerParts p;

	transformer_work_parts(&p, work, m, T, m->cfg.N ? mha_work_size(&m->layer[0].self_attn, T, T) : 0);
	for (size_t i = 0; i < cfg->N; i++) {
		const TransformerLayer *L = &m->layer[i];
		const float *in;
		float *attn_i = attn ? attn + i * H * T * T : NULL;
		/* sublayer 1: multi-head self-attention, every position sees every unpadded position */
		in = sublayer_input(p.norm, x, L->norm1_weight, L->norm1_bias, m, i, 1, T);
		blocked += mha_forward(p.sublayer, attn_i, p.mha, &L->self_attn, in, in, in, mask, false, T, T);
		trace_attention(m, i, false, p.mha, attn_i, p.sublayer, T, T);
		sublayer_output(x, p.sublayer, L->norm1_weight, L->norm1_bias, m, i, 1, T);
		/* sublayer 2: the position-wise feed-forward network */
		in = sublayer_input(p.norm, x, L->norm2_weight, L->norm2_bias, m, i, 2, T);
		feed_forward(p.sublayer, p.hidden, in, L->linear1_weight, L->linear1_bias, L->linear2_weight, L->linear2_bias,
			     cfg->activation, T, E, cfg->F);
		trace_ffn(m, i, p.hidden, p.sublayer, T);
		sublayer_output(x, p.sublayer, L->norm2_weight, L->norm2_bias, m, i, 2, T);
	}
	final_norm(x, m, T);
	return blocked;
}

/* The attention work a decoder layer needs: the larger of its self- and cross-attention's */
static size_t decoder_attention_work(const Transformer *m, size_t T, size_t S)
{
	if (m->cfg.N == 0)
		return 0;
	return max_size(mha_work_size(&m->layer[0].self_attn, T, T), mha_work_size(&m->layer[0].cross_attn, T, S));
}

size_t decoder_work_size(const Transformer *m, size_t T, size_t S)
{
	return layer_work(m, T, decoder_attention_work(m, T, S));
}

size_t decoder_forward(float *y, float *self_attn, float *cross_attn, float *work, const Transformer *m,
		       const float *memory, const Mask *self_mask, const Mask *cross_mask, bool causal, size_t T,
		       size_t S)
{
	const TransformerConfig *cfg = &m->cfg;
	size_t E = cfg->E, H = cfg->H, blocked = 0;
	TransformerParts p;

	transformer_work_parts(&p, work, m, T, decoder_attention_work(m, T, S));

	for (size_t i = 0; i < cfg->N; i++) {
		const TransformerLayer *L = &m->layer[i];
		const float *in;
		float *self_i = self_attn ? self_attn + i * H * T * T : NULL;
		float *cross_i = cross_attn ? cross_attn + i * H * T * S : NULL;
		/* sublayer 1: masked self-attention: position t sees the target positions 0..t only (causal) */
		in = sublayer_input(p.norm, y, L->norm1_weight, L->norm1_bias, m, i, 1, T);
		blocked += mha_forward(p.sublayer, self_i, p.mha, &L->self_attn, in, in, in, self_mask, causal, T, T);
		trace_attention(m, i, false, p.mha, self_i, p.sublayer, T, T);
		sublayer_output(y, p.sublayer, L->norm1_weight, L->norm1_bias, m, i, 1, T);
		/* sublayer 2: encoder-decoder attention: queries from the decoder, keys and values the memory */
		in = sublayer_input(p.norm, y, L->norm2_weight, L->norm2_bias, m, i, 2, T);
		blocked += mha_forward(p.sublayer, cross_i, p.mha, &L->cross_attn, in, memory, memory, cross_mask, false, T,
				       S);
		trace_attention(m, i, true, p.mha, cross_i, p.sublayer, T, S);
		sublayer_output(y, p.sublayer, L->norm2_weight, L->norm2_bias, m, i, 2, T);
		/* sublayer 3: the position-wise feed-forward network */
		in = sublayer_input(p.norm, y, L->norm3_weight, L->norm3_bias, m, i, 3, T);
		feed_forward(p.sublayer, p.hidden, in, L->linear1_weight, L->linear1_bias, L->linear2_weight, L->linear2_bias,
			     cfg->activation, T, E, cfg->F);
		trace_ffn(m, i, p.hidden, p.sublayer, T);
		sublayer_output(y, p.sublayer, L->norm3_weight, L->norm3_bias, m, i, 3, T);
	}
	final_norm(y, m, T);
	return blocked;
}

/* ---- one position at a time, with the key/value cache ------------------------------------ */

/* n caches of cap positions, each k and v [cap, E], in one allocation */
static MhaCache *caches_new(size_t n, size_t cap, size_t E)
{
	MhaCache *c = xcalloc(n, sizeof(MhaCache));
	float *buf = xmalloc(xmul(xmul(2 * n, cap, "cache"), xmul(E, sizeof(float), "cache"), "cache"));

	for (size_t i = 0; i < n; i++) {
		c[i].k = buf + 2 * i * cap * E;
		c[i].v = c[i].k + cap * E;
		c[i].capacity = cap;
	}
	return c;
}

static void caches_free(MhaCache *c)
{
	if (c)
		free(c[0].k); /* the one allocation */
	free(c);
}

KvCache *kv_cache_new(const Transformer *m, size_t max_T)
{
	KvCache *c = xcalloc(1, sizeof(KvCache));

	c->N = m->cfg.N;
	c->E = m->cfg.E;
	c->max_T = max_T;
	c->self = caches_new(c->N, max_T, m->cfg.E);
	return c;
}

void kv_cache_free(KvCache *c)
{
	if (!c)
		return;
	caches_free(c->self);
	free(c);
}

size_t kv_cache_len(const KvCache *c)
{
	return c->N ? c->self[0].len : 0;
}

void kv_cache_clear(KvCache *c)
{
	for (size_t i = 0; i < c->N; i++)
		c->self[i].len = 0;
}

void kv_cache_copy(KvCache *dst, const KvCache *src)
{
	for (size_t i = 0; i < src->N; i++) {
		size_t n = src->self[i].len * src->E;
		memcpy(dst->self[i].k, src->self[i].k, n * sizeof(float));
		memcpy(dst->self[i].v, src->self[i].v, n * sizeof(float));
		dst->self[i].len = src->self[i].len;
	}
}

MemoryCache *memory_cache_new(const Transformer *m, size_t max_S)
{
	MemoryCache *c = xcalloc(1, sizeof(MemoryCache));

	c->N = m->cfg.N;
	c->max_S = max_S;
	c->cross = caches_new(c->N, max_S, m->cfg.E);
	return c;
}

void memory_cache_free(MemoryCache *c)
{
	if (!c)
		return;
	caches_free(c->cross);
	free(c);
}

void memory_cache_fill(MemoryCache *c, const Transformer *m, const float *memory, size_t S)
{
	for (size_t i = 0; i < c->N; i++) {
		c->cross[i].len = 0;
		if (!mha_cache_append(&c->cross[i], &m->layer[i].cross_attn, memory, memory, S))
			die("memory of %zu positions: the cache holds %zu", S, c->max_S);
	}
}

/* tmp[E], a[E], hidden[F], then mha_forward_cached's work space for one query */
size_t decoder_step_work_size(const Transformer *m, size_t max_T, size_t max_S)
{
	return layer_work(m, 1, mha_work_size(&m->layer[0].self_attn, 1, max_size(max_T, max_S)));
}

void decoder_step(float *y, float *work, const Transformer *m, KvCache *c, const MemoryCache *mem)
{
	const TransformerConfig *cfg = &m->cfg;
	size_t E = cfg->E, t = kv_cache_len(c);
	TransformerParts p;

	/* the attention's work comes last: its size does not move the other parts */
	transformer_work_parts(&p, work, m, 1, 0);
	for (size_t i = 0; i < cfg->N; i++) {
		const TransformerLayer *L = &m->layer[i];
		const float *in;
		/* sublayer 1: this position's key and value join the cache; its query attends to positions 0..t */
		in = sublayer_input(p.norm, y, L->norm1_weight, L->norm1_bias, m, i, 1, 1);
		if (!mha_cache_append(&c->self[i], &L->self_attn, in, in, 1))
			die("position %zu: the decoder cache holds %zu", t, c->max_T);
		mha_forward_cached(p.sublayer, NULL, p.mha, &L->self_attn, &c->self[i], in, NULL, true, t, 1);
		sublayer_output(y, p.sublayer, L->norm1_weight, L->norm1_bias, m, i, 1, 1);
		/* sublayer 2: encoder-decoder attention over the memory's keys and values, projected once */
		in = sublayer_input(p.norm, y, L->norm2_weight, L->norm2_bias, m, i, 2, 1);
		mha_forward_cached(p.sublayer, NULL, p.mha, &L->cross_attn, &mem->cross[i], in, NULL, false, 0, 1);
		sublayer_output(y, p.sublayer, L->norm2_weight, L->norm2_bias, m, i, 2, 1);
		/* sublayer 3: the feed-forward network */
		in = sublayer_input(p.norm, y, L->norm3_weight, L->norm3_bias, m, i, 3, 1);
		feed_forward(p.sublayer, p.hidden, in, L->linear1_weight, L->linear1_bias, L->linear2_weight,
			     L->linear2_bias, cfg->activation, 1, E, cfg->F);
		sublayer_output(y, p.sublayer, L->norm3_weight, L->norm3_bias, m, i, 3, 1);
	}
	final_norm(y, m, 1);
}

/* ---- encode's and decode's stacks, declared from their first input -------------------------- */

void transformer_defaults(TransformerConfig *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->N = 6;
	cfg->H = 8;
	cfg->activation = ACT_RELU;
	cfg->eps = 1e-5f;
}

void transformer_for_input(Params *p, Transformer *m, TransformerConfig *cfg, bool decoder,
			   const ParamSource *source, const Tensor *x, const char *path, size_t index)
{
	char shape[TENSOR_SHAPE_STR];
	size_t E = tensor_cols(x);

	if (x->ndim > 2)
		die("%s: tensor #%zu is %s: the %s reads positions x d_model", path, index, tensor_shape_str(x, shape),
		    decoder ? "decoder" : "encoder");
	if (index > 0) {
		if (E != cfg->E)
			die("%s: tensor #%zu is %zu wide, the first was %zu (d_model)", path, index, E, cfg->E);
		return;
	}
	/* d_model comes from the first tensor; the parameters' shapes follow from it */
	params_size(source, "layers.0.linear1.weight", 1, &E, "d_model (the input's width)");
	cfg->E = E;
	if (!cfg->layers_given && params_source_count(source, "layers.%zu.linear1.weight") > 0)
		cfg->N = params_source_count(source, "layers.%zu.linear1.weight");
	params_size(source, "layers.0.linear1.weight", 0, &cfg->F, "--ff");
	if (params_source_has(source, "norm.weight"))
		cfg->final_norm = true;
	if (cfg->F == 0)
		cfg->F = xmul(4, E, "--ff");
	transformer_declare(p, m, cfg, decoder, "");
	params_fill(p, source);
}
