/* SPDX-License-Identifier: MIT */
#include "model_transformer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "layers.h"
#include "posenc.h"
#include "vocab.h"

/* S = source positions, L = output tokens, K = hypotheses, E = d_model, Vt = target vocabulary,
 * N = decoder layers, H = heads */

/* ---- settings and parameters ---------------------------------------------------------------- */

void transformer_model_declare(Model *m, ModelConfig *c)
{
	ModelTransformer *t = &m->transformer;
	Tensor *src_embed = npz_read(m->archive, "src_embed.weight");
	TransformerConfig tc = { 0 }, enc, dec;
	char where[512], num[32];
	const char *s, *path = m->path;
	size_t E;

	/* d_model is the width of the source embedding; a config or option that says otherwise is an error */
	if (!src_embed || src_embed->ndim != 2)
		die("%s: missing parameter src_embed.weight (the source embedding, V x d_model)", path);
	snprintf(num, sizeof(num), "%zu", src_embed->shape[1]);
	snprintf(where, sizeof(where), "%s: src_embed.weight", path);
	config_set(c, "d_model", num, where);
	tensor_free(src_embed);
	if ((s = config_get(c, "arch")) && strcmp(s, "transformer") != 0)
		die("%s: arch %s: not a Transformer model", config_where(c, "arch"), s);

	m->E = m->Et = m->H = E = config_size(c, "d_model", 0, 1, 1 << 20);
	tc.E = E;
	tc.H = config_size(c, "heads", 8, 1, 65536);
	tc.F = config_size(c, "d_ff", 4 * E, 1, 1 << 24);
	if ((s = config_get(c, "activation")) && !activation_parse(&tc.activation, s))
		die("%s: activation '%s' is not relu or gelu", config_where(c, "activation"), s);
	tc.norm_first = config_bool(c, "norm_first", false);
	tc.final_norm = config_bool(c, "final_norm", true); /* nn.Transformer has both final norms */
	tc.eps = (float)config_double(c, "eps", 1e-5, 1e-12, 1.0);
	tc.final_eps = (float)config_double(c, "final_eps", tc.eps, 1e-12, 1.0);
	if ((s = config_get(c, "norm")) && strcmp(s, "torch") != 0 && strcmp(s, "annotated") != 0)
		die("%s: norm '%s' is not torch or annotated", config_where(c, "norm"), s);
	tc.annotated_norm = s && strcmp(s, "annotated") == 0;
	if (E % tc.H)
		die("%s: d_model %zu is not divisible by heads %zu", path, E, tc.H);
	enc = dec = tc;
	enc.N = config_size(c, "encoder_layers", 6, 1, 1000);
	dec.N = config_size(c, "decoder_layers", 6, 1, 1000);

	t->embed_scale = config_bool(c, "scale", false) ? embedding_scale(E) : 1.0f;
	s = config_get(c, "posenc");
	if (s && strcmp(s, "sinusoidal") != 0 && strcmp(s, "none") != 0)
		die("%s: posenc '%s' is not sinusoidal or none", config_where(c, "posenc"), s);
	t->sinusoidal = !s || strcmp(s, "sinusoidal") == 0;
	t->base = config_double(c, "posenc_base", POSENC_DEFAULT_BASE, 1.0, 1e12);
	t->layout = POSENC_INTERLEAVED;
	if ((s = config_get(c, "posenc_layout")) && !posenc_parse_layout(s, &t->layout))
		die("%s: posenc_layout '%s' is not interleaved or concat", config_where(c, "posenc_layout"), s);
	if (t->sinusoidal && E % 2)
		die("%s: d_model %zu is odd: the sinusoidal encoding needs an even one", path, E);
	m->tie = config_bool(c, "tie", false);
	transformer_declare(&m->params, &t->encoder, &enc, false, "encoder.");
	transformer_declare(&m->params, &t->decoder, &dec, true, "decoder.");
}

void transformer_model_embed(float *x, float *scratch, const Model *m, const float *table, const size_t *ids,
			     size_t offset, size_t T)
{
	const ModelTransformer *t = &m->transformer;

	embedding_forward(x, table, ids, t->embed_scale, T, m->E);
	for (size_t i = 0; i < T && t->sinusoidal; i++) {
		posenc_table(scratch, offset + i, t->base, t->layout, 1, m->E);
		posenc_add(x + i * m->E, scratch, 1, m->E);
	}
}

/* ---- one search --------------------------------------------------------------------------------- */

struct TransformerRun {
	const Model *m;
	size_t K, max_len;
	bool use_cache;
	KvCache **cache, **spare;   /* [K] each hypothesis' decoder cache; spare: the next step's */
	bool *taken;                /* [K] */
	float *y;                   /* [max_len + 1, E] decoder input (and output) positions */
	float *scratch;             /* [E] */
	size_t *prefix;             /* [max_len + 1] <s> and a hypothesis' tokens */
	float *step_work;           /* decoder_step_work_size(max_len, S) */
	float *cross;               /* [N, H, L, S] rescoring's cross-attention */
	/* sized by the longest source so far */
	size_t S, cap_S;
	float *memory;              /* [S, E] the encoder output */
	float *enc_work, *dec_work; /* encoder_work_size(S), decoder_work_size(max_len + 1, S) */
	MemoryCache *mem;
};

TransformerRun *transformer_run_new(const Model *m, size_t K, size_t max_len, bool use_cache)
{
	TransformerRun *r = xcalloc(1, sizeof(TransformerRun));
	size_t E = m->E;

	r->m = m;
	r->K = K;
	r->max_len = max_len;
	r->use_cache = use_cache;
	r->cache = xcalloc(K, sizeof(KvCache *));
	r->spare = xcalloc(K, sizeof(KvCache *));
	for (size_t k = 0; k < K && use_cache; k++)
		r->cache[k] = kv_cache_new(&m->transformer.decoder, max_len);
	r->taken = xcalloc(K, sizeof(bool));
	r->y = xmalloc(xmul(xmul(max_len + 1, E, "decoder"), sizeof(float), "decoder"));
	r->scratch = xmalloc(xmul(E, sizeof(float), "decoder"));
	r->prefix = xcalloc(max_len + 1, sizeof(size_t));
	return r;
}

void transformer_run_free(TransformerRun *r)
{
	if (!r)
		return;
	for (size_t k = 0; k < r->K; k++)
		kv_cache_free(r->cache[k]);
	free(r->cache);
	free(r->spare);
	free(r->taken);
	free(r->y);
	free(r->scratch);
	free(r->prefix);
	free(r->step_work);
	free(r->cross);
	free(r->memory);
	free(r->enc_work);
	free(r->dec_work);
	memory_cache_free(r->mem);
	free(r);
}

/* Buffers that depend on the source length grow to the longest one seen. */
static void reserve_source(TransformerRun *r, size_t S)
{
	const ModelTransformer *t = &r->m->transformer;
	size_t L = r->max_len + 1, E = r->m->E;

	r->S = S;
	if (S <= r->cap_S)
		return;
	r->cap_S = S;
	r->memory = xrealloc(r->memory, xmul(xmul(S, E, "memory"), sizeof(float), "memory"));
	r->enc_work = xrealloc(r->enc_work, xmul(encoder_work_size(&t->encoder, S), sizeof(float), "work"));
	r->dec_work = xrealloc(r->dec_work, xmul(decoder_work_size(&t->decoder, L, S), sizeof(float), "work"));
	r->step_work = xrealloc(r->step_work,
				xmul(decoder_step_work_size(&t->decoder, r->max_len, S), sizeof(float), "work"));
	memory_cache_free(r->mem);
	r->mem = memory_cache_new(&t->decoder, S);
}

void transformer_run_encode(TransformerRun *r, const size_t *src_ids, size_t S)
{
	const Model *m = r->m;

	reserve_source(r, S);
	/* the source: embed, add positions, encode once */
	transformer_model_embed(r->memory, r->scratch, m, m->io.src_embed, src_ids, 0, S);
	encoder_forward(r->memory, NULL, r->enc_work, &m->transformer.encoder, NULL, S);
	if (r->use_cache) {
		memory_cache_fill(r->mem, &m->transformer.decoder, r->memory, S);
		for (size_t k = 0; k < r->K; k++)
			kv_cache_clear(r->cache[k]);
	}
}

void transformer_run_step(TransformerRun *r, float *logprobs, size_t k, const size_t *tokens, size_t len)
{
	const Model *m = r->m;
	const Transformer *dec = &m->transformer.decoder;
	size_t E = m->E, last = len ? tokens[len - 1] : m->tok.bos;

	if (r->use_cache) {
		/* one new position: its embedding, then one decoder step against the cache */
		transformer_model_embed(r->y, r->scratch, m, m->io.tgt_embed, &last, len, 1);
		decoder_step(r->y, r->step_work, dec, r->cache[k], r->mem);
		model_project(logprobs, m, r->y);
		return;
	}
	/* the loop as the course first writes it: the whole prefix through the decoder again */
	r->prefix[0] = m->tok.bos;
	memcpy(r->prefix + 1, tokens, len * sizeof(size_t));
	transformer_model_embed(r->y, r->scratch, m, m->io.tgt_embed, r->prefix, 0, len + 1);
	decoder_forward(r->y, NULL, NULL, r->dec_work, dec, r->memory, NULL, NULL, true, len + 1, r->S);
	model_project(logprobs, m, r->y + len * E);
}

void transformer_run_reorder(TransformerRun *r, const size_t *parent, size_t live)
{
	if (!r->use_cache)
		return; /* nothing kept between steps */
	memset(r->taken, 0, r->K * sizeof(bool));
	memset(r->spare, 0, r->K * sizeof(KvCache *));
	/* pass 1: the first child of each parent takes the parent's cache as it is (no copy) */
	for (size_t k = 0; k < live; k++)
		if (!r->taken[parent[k]]) {
			r->taken[parent[k]] = true;
			r->spare[k] = r->cache[parent[k]];
		}
	/* pass 2: other children get a cache nobody continues, filled with a copy of their parent's */
	for (size_t k = 0, free_slot = 0; k < live; k++) {
		if (r->spare[k])
			continue;
		while (r->taken[free_slot])
			free_slot++;
		r->taken[free_slot] = true;
		r->spare[k] = r->cache[free_slot];
		kv_cache_copy(r->spare[k], r->cache[parent[k]]);
	}
	/* the caches of hypotheses that ended go to the unused slots */
	for (size_t k = live, j = 0; k < r->K; k++) {
		while (j < r->K && r->taken[j])
			j++;
		r->spare[k] = r->cache[j];
		r->taken[j] = true;
	}
	memcpy(r->cache, r->spare, r->K * sizeof(KvCache *));
}

void transformer_run_rescore(TransformerRun *r, float *align, float *scores, const size_t *out, size_t L,
			     size_t layer, long head)
{
	const Model *m = r->m;
	const Transformer *dec = &m->transformer.decoder;
	const size_t N = dec->cfg.N, H = dec->cfg.H, S = r->S;

	if (align)
		r->cross = xrealloc(r->cross, xmul(xmul(N * H, xmul(L, S, "attn"), "attn"), sizeof(float), "attn"));
	/* decoder input: <s> and every output token but the last; row t predicts out[t] */
	r->prefix[0] = m->tok.bos;
	memcpy(r->prefix + 1, out, (L ? L - 1 : 0) * sizeof(size_t));
	transformer_model_embed(r->y, r->scratch, m, m->io.tgt_embed, r->prefix, 0, L);
	decoder_forward(r->y, NULL, align ? r->cross : NULL, r->dec_work, dec, r->memory, NULL, NULL, true, L, S);
	for (size_t t = 0; t < L && scores; t++)
		model_project(scores + t * m->tok.Vt, m, r->y + t * m->E);
	if (align)
		cross_attention_of(align, r->cross, layer, head, H, L, S);
}

void cross_attention_of(float *align, const float *cross, size_t i, long h, size_t H, size_t L, size_t S)
{
	const float *cross_i = cross + i * H * L * S; /* layer i: [H, L, S] */

	if (h >= 0) {
		memcpy(align, cross_i + (size_t)h * L * S, L * S * sizeof(float));
		return;
	}
	memset(align, 0, L * S * sizeof(float));
	for (size_t k = 0; k < H; k++)
		for (size_t j = 0; j < L * S; j++)
			align[j] += cross_i[k * L * S + j] / (float)H;
}
