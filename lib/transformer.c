#include "transformer.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attention.h"
#include "err.h"
#include "generate.h"
#include "linalg.h"
#include "npz.h"

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

/* What a sublayer reads: x itself (post-norm), or LayerNorm(x) in tmp[T,E] (pre-norm). */
static const float *sublayer_input(float *tmp, const float *x, const float *gamma, const float *beta,
				   const TransformerConfig *cfg, size_t T)
{
	if (!cfg->norm_first)
		return x;
	layer_norm(tmp, x, gamma, beta, cfg->eps, T, cfg->E);
	return tmp;
}

/* x = LayerNorm(x + a) (post-norm, section 3.1), or x = x + a (pre-norm: the norm came before) */
static void sublayer_output(float *x, const float *a, const float *gamma, const float *beta,
			    const TransformerConfig *cfg, size_t T)
{
	residual_add(x, a, T * cfg->E);
	if (!cfg->norm_first)
		layer_norm(x, x, gamma, beta, cfg->eps, T, cfg->E);
}

static void final_norm(float *x, const Transformer *m, size_t T)
{
	if (m->cfg.final_norm)
		layer_norm(x, x, m->norm_weight, m->norm_bias, m->cfg.eps, T, m->cfg.E);
}

/* ---- whole sequences ------------------------------------------------------------------- */

static size_t max_size(size_t a, size_t b)
{
	return a > b ? a : b;
}

/* tmp[T,E], a[T,E], hidden[T,F], then the attention's work space */
static size_t layer_work(const Transformer *m, size_t T, size_t attention)
{
	size_t E = m->cfg.E, F = m->cfg.F;

	return xmul(T, 2 * E + F, "transformer work") + attention;
}

size_t encoder_work_size(const Transformer *m, size_t T)
{
	return layer_work(m, T, m->cfg.N ? mha_work_size(&m->layer[0].self_attn, T, T) : 0);
}

size_t encoder_forward(float *x, float *attn, float *work, const Transformer *m, const unsigned char *allowed,
		       size_t T)
{
	const TransformerConfig *cfg = &m->cfg;
	size_t E = cfg->E, H = cfg->H, blocked = 0;
	float *tmp = work, *a = tmp + T * E, *hidden = a + T * E, *mha_work = hidden + T * cfg->F;

	for (size_t i = 0; i < cfg->N; i++) {
		const TransformerLayer *L = &m->layer[i];
		const float *in;
		float *attn_i = attn ? attn + i * H * T * T : NULL;
		/* sublayer 1: multi-head self-attention, every position sees every unpadded position */
		in = sublayer_input(tmp, x, L->norm1_weight, L->norm1_bias, cfg, T);
		blocked += mha_forward(a, attn_i, mha_work, &L->self_attn, in, in, in, allowed, false, T, T);
		sublayer_output(x, a, L->norm1_weight, L->norm1_bias, cfg, T);
		/* sublayer 2: the position-wise feed-forward network */
		in = sublayer_input(tmp, x, L->norm2_weight, L->norm2_bias, cfg, T);
		feed_forward(a, hidden, in, L->linear1_weight, L->linear1_bias, L->linear2_weight, L->linear2_bias,
			     cfg->activation, T, E, cfg->F);
		sublayer_output(x, a, L->norm2_weight, L->norm2_bias, cfg, T);
	}
	final_norm(x, m, T);
	return blocked;
}

size_t decoder_work_size(const Transformer *m, size_t T, size_t S)
{
	if (m->cfg.N == 0)
		return layer_work(m, T, 0);
	return layer_work(m, T,
			  max_size(mha_work_size(&m->layer[0].self_attn, T, T),
				   mha_work_size(&m->layer[0].cross_attn, T, S)));
}

size_t decoder_forward(float *y, float *self_attn, float *cross_attn, float *work, const Transformer *m,
		       const float *memory, const unsigned char *self_allowed, const unsigned char *cross_allowed,
		       size_t T, size_t S)
{
	const TransformerConfig *cfg = &m->cfg;
	size_t E = cfg->E, H = cfg->H, blocked = 0;
	float *tmp = work, *a = tmp + T * E, *hidden = a + T * E, *mha_work = hidden + T * cfg->F;

	for (size_t i = 0; i < cfg->N; i++) {
		const TransformerLayer *L = &m->layer[i];
		const float *in;
		/* sublayer 1: masked self-attention: position t sees the target positions 0..t only */
		in = sublayer_input(tmp, y, L->norm1_weight, L->norm1_bias, cfg, T);
		blocked += mha_forward(a, self_attn ? self_attn + i * H * T * T : NULL, mha_work, &L->self_attn, in,
				       in, in, self_allowed, true, T, T);
		sublayer_output(y, a, L->norm1_weight, L->norm1_bias, cfg, T);
		/* sublayer 2: encoder-decoder attention: queries from the decoder, keys and values the memory */
		in = sublayer_input(tmp, y, L->norm2_weight, L->norm2_bias, cfg, T);
		blocked += mha_forward(a, cross_attn ? cross_attn + i * H * T * S : NULL, mha_work, &L->cross_attn,
				       in, memory, memory, cross_allowed, false, T, S);
		sublayer_output(y, a, L->norm2_weight, L->norm2_bias, cfg, T);
		/* sublayer 3: the position-wise feed-forward network */
		in = sublayer_input(tmp, y, L->norm3_weight, L->norm3_bias, cfg, T);
		feed_forward(a, hidden, in, L->linear1_weight, L->linear1_bias, L->linear2_weight, L->linear2_bias,
			     cfg->activation, T, E, cfg->F);
		sublayer_output(y, a, L->norm3_weight, L->norm3_bias, cfg, T);
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
	float *tmp = work, *a = tmp + E, *hidden = a + E, *mha_work = hidden + cfg->F;

	for (size_t i = 0; i < cfg->N; i++) {
		const TransformerLayer *L = &m->layer[i];
		const float *in;
		/* sublayer 1: this position's key and value join the cache; its query attends to positions 0..t */
		in = sublayer_input(tmp, y, L->norm1_weight, L->norm1_bias, cfg, 1);
		if (!mha_cache_append(&c->self[i], &L->self_attn, in, in, 1))
			die("position %zu: the decoder cache holds %zu", t, c->max_T);
		mha_forward_cached(a, NULL, mha_work, &L->self_attn, &c->self[i], in, NULL, true, t, 1);
		sublayer_output(y, a, L->norm1_weight, L->norm1_bias, cfg, 1);
		/* sublayer 2: encoder-decoder attention over the memory's keys and values, projected once */
		in = sublayer_input(tmp, y, L->norm2_weight, L->norm2_bias, cfg, 1);
		mha_forward_cached(a, NULL, mha_work, &L->cross_attn, &mem->cross[i], in, NULL, false, 0, 1);
		sublayer_output(y, a, L->norm2_weight, L->norm2_bias, cfg, 1);
		/* sublayer 3: the feed-forward network */
		in = sublayer_input(tmp, y, L->norm3_weight, L->norm3_bias, cfg, 1);
		feed_forward(a, hidden, in, L->linear1_weight, L->linear1_bias, L->linear2_weight, L->linear2_bias,
			     cfg->activation, 1, E, cfg->F);
		sublayer_output(y, a, L->norm3_weight, L->norm3_bias, cfg, 1);
	}
	final_norm(y, m, 1);
}

/* ---- the whole model: settings ------------------------------------------------------------- */

static const char *const config_keys[] = {
	"arch", "d_model", "heads", "encoder_layers", "decoder_layers", "d_ff", "activation", "norm_first",
	"final_norm", "eps", "scale", "posenc", "posenc_base", "posenc_layout", "bos", "eos", "chars", "tie",
	/* the recurrent seq2seq's (lib/seq2seq, docs/rnn-seq2seq.md) */
	"hidden", "bidirectional", "decoder_hidden", "score", "attn_hidden", "init",
};

/* Two values agree when they are the same text or the same number ("1e-5" and "1e-05"). */
static bool same_value(const char *a, const char *b)
{
	char *end_a, *end_b;
	double x = strtod(a, &end_a), y = strtod(b, &end_b);

	if (end_a != a && *end_a == '\0' && end_b != b && *end_b == '\0')
		return x == y;
	return strcmp(a, b) == 0;
}

void config_set(ModelConfig *c, const char *key, const char *value, const char *where)
{
	bool known = false;

	for (size_t i = 0; i < sizeof(config_keys) / sizeof(config_keys[0]) && !known; i++)
		known = strcmp(config_keys[i], key) == 0;
	if (!known)
		die("%s: unknown setting '%s' (see docs/transformer.md for the keys)", where, key);
	for (size_t i = 0; i < c->count; i++) {
		if (strcmp(c->keys[i], key) != 0)
			continue;
		if (!same_value(c->values[i], value))
			die("%s: %s %s contradicts %s, which says %s", where, key, value, c->wheres[i], c->values[i]);
		return;
	}
	c->keys = xrealloc(c->keys, xmul(c->count + 1, sizeof(char *), "config"));
	c->values = xrealloc(c->values, xmul(c->count + 1, sizeof(char *), "config"));
	c->wheres = xrealloc(c->wheres, xmul(c->count + 1, sizeof(char *), "config"));
	c->keys[c->count] = xstrdup(key);
	c->values[c->count] = xstrdup(value);
	c->wheres[c->count] = xstrdup(where);
	c->count++;
}

void config_parse(ModelConfig *c, const char *text, const char *where)
{
	char *copy = xstrdup(text), *next = copy, place[512];

	for (size_t line_no = 1; next; line_no++) {
		char *line = next, *nl = strchr(line, '\n'), *save = NULL, *key, *value, *extra;
		next = nl ? nl + 1 : NULL;
		if (nl)
			*nl = '\0';
		line[strcspn(line, "#")] = '\0'; /* a comment runs to the end of its line */
		key = strtok_r(line, " \t\r", &save);
		if (!key)
			continue;
		value = strtok_r(NULL, " \t\r", &save);
		extra = value ? strtok_r(NULL, " \t\r", &save) : NULL;
		snprintf(place, sizeof(place), "%s line %zu", where, line_no);
		if (!value || extra)
			die("%s: '%s' is not a line 'key value'", place, key);
		config_set(c, key, value, place);
	}
	free(copy);
}

const char *config_get(const ModelConfig *c, const char *key)
{
	for (size_t i = 0; i < c->count; i++)
		if (strcmp(c->keys[i], key) == 0)
			return c->values[i];
	return NULL;
}

void config_free(ModelConfig *c)
{
	labels_free(c->keys, c->count);
	labels_free(c->values, c->count);
	labels_free(c->wheres, c->count);
	memset(c, 0, sizeof(*c));
}

const char *config_where(const ModelConfig *c, const char *key)
{
	for (size_t i = 0; i < c->count; i++)
		if (strcmp(c->keys[i], key) == 0)
			return c->wheres[i];
	return "";
}

size_t config_size(const ModelConfig *c, const char *key, size_t def, size_t min, size_t max)
{
	const char *v = config_get(c, key);
	char *end;
	unsigned long long n;

	if (!v)
		return def;
	n = strtoull(v, &end, 10);
	if (*v < '0' || *v > '9' || *end != '\0' || n < min || n > max)
		die("%s: %s '%s' is not a whole number from %zu to %zu", config_where(c, key), key, v, min, max);
	return (size_t)n;
}

static double config_double(const ModelConfig *c, const char *key, double def, double min, double max)
{
	const char *v = config_get(c, key);
	char *end;
	double x;

	if (!v)
		return def;
	x = strtod(v, &end);
	if (end == v || *end != '\0' || !(x >= min && x <= max))
		die("%s: %s '%s' is not a number from %g to %g", config_where(c, key), key, v, min, max);
	return x;
}

bool config_bool(const ModelConfig *c, const char *key, bool def)
{
	return config_size(c, key, def, 0, 1) == 1;
}

/* ---- the whole model: loading ------------------------------------------------------------- */

/* A vocabulary from text, one token per line (as vocab_load reads a file). */
Vocab *model_vocab(Npz *z, const char *name, const char *path, const char *option)
{
	char *text = npz_read_text(z, name), where[512];
	Vocab *v;

	if (text && path)
		die("%s: holds %s: %s %s would contradict it; leave the option out", npz_path(z), name, option, path);
	if (!text && !path)
		die("%s: no %s entry: give %s FILE", npz_path(z), name, option);
	if (path)
		return vocab_load(path);
	snprintf(where, sizeof(where), "%s: %s", npz_path(z), name);
	v = vocab_parse(text, where);
	free(text);
	return v;
}

size_t special_id(const Vocab *v, const char *token, const char *where)
{
	size_t id;

	if (!vocab_find(v, token, &id))
		die("%s: the target vocabulary has no %s, which generation needs", where, token);
	return id;
}

void model_check_entries(Npz *z, const Params *p)
{
	/* every other entry must be ours: a stray one means the settings describe another model */
	for (size_t k = 0; k < npz_count(z); k++) {
		const char *name = npz_name(z, k);
		bool known = strcmp(name, "config") == 0 || strcmp(name, "src_vocab") == 0 ||
			     strcmp(name, "tgt_vocab") == 0;
		for (size_t i = 0; i < p->count && !known; i++)
			known = strcmp(p->items[i].name, name) == 0;
		if (!known)
			die("%s: unused parameter %s: not a parameter of this model (check the settings that set its shape%s)",
			    npz_path(z), name, strcmp(name, "generator.weight") == 0 ? ", and --tie" : "");
	}
}

void model_tokens_load(ModelTokens *t, const ModelConfig *c, Npz *z, const char *src_vocab_path,
		       const char *tgt_vocab_path)
{
	t->src_tok.bos = config_bool(c, "bos", false);
	t->src_tok.eos = config_bool(c, "eos", false);
	t->src_tok.chars = config_bool(c, "chars", false);
	t->src_vocab = model_vocab(z, "src_vocab", src_vocab_path, "--src-vocab");
	t->tgt_vocab = model_vocab(z, "tgt_vocab", tgt_vocab_path, "--tgt-vocab");
	t->Vs = t->src_vocab->count;
	t->Vt = t->tgt_vocab->count;
	t->bos = special_id(t->tgt_vocab, VOCAB_BOS, npz_path(z));
	t->eos = special_id(t->tgt_vocab, VOCAB_EOS, npz_path(z));
}

void model_tokens_free(ModelTokens *t)
{
	vocab_free(t->src_vocab);
	vocab_free(t->tgt_vocab);
}

void token_layers_load(Params *p, TokenLayers *t, Npz *z, size_t Vs, size_t E, size_t Vt, size_t Et, size_t H,
		       bool tie)
{
	add(p, &t->src_embed, "", "src_embed.weight", INIT_NORMAL, 1.0, Vs, E);
	add(p, &t->tgt_embed, "", "tgt_embed.weight", INIT_NORMAL, 1.0, Vt, Et);
	if (!tie)
		add(p, &t->generator_weight, "", "generator.weight", INIT_LINEAR, 0, Vt, H);
	add(p, &t->generator_bias, "", "generator.bias", INIT_UNIFORM, 1.0 / sqrt((double)H), Vt, 0);
	params_load(p, npz_path(z), "", 1);
	if (tie)
		t->generator_weight = t->tgt_embed;
	model_check_entries(z, p);
}

void token_layers_project(float *logprobs, const TokenLayers *t, const float *o, size_t H, size_t Vt)
{
	linear(logprobs, o, t->generator_weight, t->generator_bias, 1, H, Vt);
	log_softmax(logprobs, logprobs, Vt);
}

TransformerModel *model_load(const char *path, ModelConfig *c, const char *src_vocab_path,
			     const char *tgt_vocab_path)
{
	TransformerModel *m = xcalloc(1, sizeof(TransformerModel));
	Npz *z = npz_open(path);
	char *text = npz_read_text(z, "config"), where[512], num[32];
	Tensor *src_embed = npz_read(z, "src_embed.weight");
	TransformerConfig tc = { 0 }, enc, dec;
	const char *s;
	size_t E;

	if (text) {
		snprintf(where, sizeof(where), "%s: config", path);
		config_parse(c, text, where);
		free(text);
	}
	/* d_model is the width of the source embedding; a config or option that says otherwise is an error */
	if (!src_embed || src_embed->ndim != 2)
		die("%s: missing parameter src_embed.weight (the source embedding, V x d_model)", path);
	snprintf(num, sizeof(num), "%zu", src_embed->shape[1]);
	snprintf(where, sizeof(where), "%s: src_embed.weight", path);
	config_set(c, "d_model", num, where);
	tensor_free(src_embed);
	if ((s = config_get(c, "arch")) && strcmp(s, "transformer") != 0)
		die("%s: arch %s: not a Transformer model", config_where(c, "arch"), s);

	m->E = E = config_size(c, "d_model", 0, 1, 1 << 20);
	tc.E = E;
	tc.H = config_size(c, "heads", 8, 1, 65536);
	tc.F = config_size(c, "d_ff", 4 * E, 1, 1 << 24);
	if ((s = config_get(c, "activation")) && !activation_parse(&tc.activation, s))
		die("%s: activation '%s' is not relu or gelu", config_where(c, "activation"), s);
	tc.norm_first = config_bool(c, "norm_first", false);
	tc.final_norm = config_bool(c, "final_norm", true); /* nn.Transformer has both final norms */
	tc.eps = (float)config_double(c, "eps", 1e-5, 1e-12, 1.0);
	if (E % tc.H)
		die("%s: d_model %zu is not divisible by heads %zu", path, E, tc.H);
	enc = dec = tc;
	enc.N = config_size(c, "encoder_layers", 6, 1, 1000);
	dec.N = config_size(c, "decoder_layers", 6, 1, 1000);

	m->embed_scale = config_bool(c, "scale", false) ? embedding_scale(E) : 1.0f;
	s = config_get(c, "posenc");
	if (s && strcmp(s, "sinusoidal") != 0 && strcmp(s, "none") != 0)
		die("%s: posenc '%s' is not sinusoidal or none", config_where(c, "posenc"), s);
	m->sinusoidal = !s || strcmp(s, "sinusoidal") == 0;
	m->base = config_double(c, "posenc_base", POSENC_DEFAULT_BASE, 1.0, 1e12);
	m->layout = POSENC_INTERLEAVED;
	if ((s = config_get(c, "posenc_layout")) && !posenc_parse_layout(s, &m->layout))
		die("%s: posenc_layout '%s' is not interleaved or concat", config_where(c, "posenc_layout"), s);
	if (m->sinusoidal && E % 2)
		die("%s: d_model %zu is odd: the sinusoidal encoding needs an even one", path, E);
	m->tie = config_bool(c, "tie", false);
	model_tokens_load(&m->tok, c, z, src_vocab_path, tgt_vocab_path);

	transformer_declare(&m->params, &m->encoder, &enc, false, "encoder.");
	transformer_declare(&m->params, &m->decoder, &dec, true, "decoder.");
	token_layers_load(&m->params, &m->io, z, m->tok.Vs, E, m->tok.Vt, E, E, m->tie);
	npz_close(z);
	return m;
}

void model_free(TransformerModel *m)
{
	if (!m)
		return;
	transformer_free(&m->encoder);
	transformer_free(&m->decoder);
	model_tokens_free(&m->tok);
	params_free(&m->params);
	free(m);
}

void model_embed(float *x, float *scratch, const TransformerModel *m, const float *table, const size_t *ids,
		 size_t offset, size_t T)
{
	embedding_forward(x, table, ids, m->embed_scale, T, m->E);
	for (size_t t = 0; t < T && m->sinusoidal; t++) {
		posenc_table(scratch, offset + t, m->base, m->layout, 1, m->E);
		posenc_add(x + t * m->E, scratch, 1, m->E);
	}
}

/* ---- the whole model: generation ------------------------------------------------------------ */

struct Generator {
	const TransformerModel *m;
	size_t K, max_len;
	bool use_cache;
	Beam *beam;
	KvCache **cache, **spare;   /* [K] each hypothesis' decoder cache; spare: the next step's */
	size_t *parent;             /* [K] */
	bool *taken;                /* [K] */
	float *logprobs;            /* [K, Vt] */
	float *y;                   /* [max_len + 1, E] decoder input (and output) positions */
	float *scratch;             /* [E] */
	size_t *prefix;             /* [max_len + 1] <s> and a hypothesis' tokens */
	float *step_work;           /* decoder_step_work_size(max_len, S) */
	/* sized by the longest source so far */
	size_t S, cap_S;
	float *memory;              /* [S, E] the encoder output */
	float *enc_work, *dec_work; /* encoder_work_size(S), decoder_work_size(max_len + 1, S) */
	MemoryCache *mem;
};

Generator *generator_new(const TransformerModel *m, size_t K, size_t max_len, double alpha, bool use_cache)
{
	Generator *g = xcalloc(1, sizeof(Generator));
	size_t E = m->E;

	g->m = m;
	g->K = K;
	g->max_len = max_len;
	g->use_cache = use_cache;
	g->beam = beam_new(K, m->tok.Vt, max_len, m->tok.eos, alpha);
	g->cache = xcalloc(K, sizeof(KvCache *));
	g->spare = xcalloc(K, sizeof(KvCache *));
	for (size_t k = 0; k < K && use_cache; k++)
		g->cache[k] = kv_cache_new(&m->decoder, max_len);
	g->parent = xcalloc(K, sizeof(size_t));
	g->taken = xcalloc(K, sizeof(bool));
	g->logprobs = xmalloc(xmul(xmul(K, m->tok.Vt, "beam"), sizeof(float), "beam"));
	g->y = xmalloc(xmul(xmul(max_len + 1, E, "decoder"), sizeof(float), "decoder"));
	g->scratch = xmalloc(xmul(E, sizeof(float), "decoder"));
	g->prefix = xcalloc(max_len + 1, sizeof(size_t));
	return g;
}

void generator_free(Generator *g)
{
	if (!g)
		return;
	beam_free(g->beam);
	for (size_t k = 0; k < g->K; k++)
		kv_cache_free(g->cache[k]);
	free(g->cache);
	free(g->spare);
	free(g->parent);
	free(g->taken);
	free(g->logprobs);
	free(g->y);
	free(g->scratch);
	free(g->prefix);
	free(g->step_work);
	free(g->memory);
	free(g->enc_work);
	free(g->dec_work);
	memory_cache_free(g->mem);
	free(g);
}

/* Buffers that depend on the source length grow to the longest one seen. */
static void reserve_source(Generator *g, size_t S)
{
	const TransformerModel *m = g->m;
	size_t L = g->max_len + 1;

	g->S = S;
	if (S <= g->cap_S)
		return;
	g->cap_S = S;
	g->memory = xrealloc(g->memory, xmul(xmul(S, m->E, "memory"), sizeof(float), "memory"));
	g->enc_work = xrealloc(g->enc_work, xmul(encoder_work_size(&m->encoder, S), sizeof(float), "work"));
	g->dec_work = xrealloc(g->dec_work, xmul(decoder_work_size(&m->decoder, L, S), sizeof(float), "work"));
	g->step_work = xrealloc(g->step_work,
				xmul(decoder_step_work_size(&m->decoder, g->max_len, S), sizeof(float), "work"));
	memory_cache_free(g->mem);
	g->mem = memory_cache_new(&m->decoder, S);
}

/* logits[Vt] -> log-probabilities: out = log_softmax(y W_g^T + b_g) */
static void project(float *logprobs, const TransformerModel *m, const float *y)
{
	token_layers_project(logprobs, &m->io, y, m->E, m->tok.Vt);
}

/* logprobs[Vt] of the next token of live hypothesis k, whose tokens are tokens[len] */
static void next_logprobs(Generator *g, float *logprobs, size_t k, const size_t *tokens, size_t len)
{
	const TransformerModel *m = g->m;
	size_t E = m->E, last = len ? tokens[len - 1] : m->tok.bos;

	if (g->use_cache) {
		/* one new position: its embedding, then one decoder step against the cache */
		model_embed(g->y, g->scratch, m, m->io.tgt_embed, &last, len, 1);
		decoder_step(g->y, g->step_work, &m->decoder, g->cache[k], g->mem);
		project(logprobs, m, g->y);
		return;
	}
	/* the loop as the course first writes it: the whole prefix through the decoder again */
	g->prefix[0] = m->tok.bos;
	memcpy(g->prefix + 1, tokens, len * sizeof(size_t));
	model_embed(g->y, g->scratch, m, m->io.tgt_embed, g->prefix, 0, len + 1);
	decoder_forward(g->y, NULL, NULL, g->dec_work, &m->decoder, g->memory, NULL, NULL, len + 1, g->S);
	project(logprobs, m, g->y + len * E);
}

/* After a beam step: new hypothesis k continues old parent[k]; its cache must be that one's. */
static void reorder_caches(Generator *g, size_t live)
{
	memset(g->taken, 0, g->K * sizeof(bool));
	memset(g->spare, 0, g->K * sizeof(KvCache *));
	/* pass 1: the first child of each parent takes the parent's cache as it is (no copy) */
	for (size_t k = 0; k < live; k++)
		if (!g->taken[g->parent[k]]) {
			g->taken[g->parent[k]] = true;
			g->spare[k] = g->cache[g->parent[k]];
		}
	/* pass 2: other children get a cache nobody continues, filled with a copy of their parent's */
	for (size_t k = 0, free_slot = 0; k < live; k++) {
		if (g->spare[k])
			continue;
		while (g->taken[free_slot])
			free_slot++;
		g->taken[free_slot] = true;
		g->spare[k] = g->cache[free_slot];
		kv_cache_copy(g->spare[k], g->cache[g->parent[k]]);
	}
	/* the caches of hypotheses that ended go to the unused slots */
	for (size_t k = live, j = 0; k < g->K; k++) {
		while (j < g->K && g->taken[j])
			j++;
		g->spare[k] = g->cache[j];
		g->taken[j] = true;
	}
	memcpy(g->cache, g->spare, g->K * sizeof(KvCache *));
}

size_t generate(Generator *g, const size_t *src_ids, size_t S, const size_t **out)
{
	const TransformerModel *m = g->m;
	Beam *b = g->beam;

	reserve_source(g, S);
	/* the source: embed, add positions, encode once */
	model_embed(g->memory, g->scratch, m, m->io.src_embed, src_ids, 0, S);
	encoder_forward(g->memory, NULL, g->enc_work, &m->encoder, NULL, S);
	if (g->use_cache) {
		memory_cache_fill(g->mem, &m->decoder, g->memory, S);
		for (size_t k = 0; k < g->K; k++)
			kv_cache_clear(g->cache[k]);
	}
	beam_reset(b);
	while (b->live) {
		for (size_t k = 0; k < b->live; k++)
			next_logprobs(g, g->logprobs + k * m->tok.Vt, k, b->tokens + k * b->max_len, b->len);
		beam_step(b, g->parent, g->logprobs);
		if (g->use_cache && b->live)
			reorder_caches(g, b->live);
	}
	return beam_best(b, out);
}

void generator_rescore(Generator *g, float *scores, float *cross, const size_t *out, size_t L)
{
	const TransformerModel *m = g->m;

	/* decoder input: <s> and every output token but the last; row t predicts out[t] */
	g->prefix[0] = m->tok.bos;
	memcpy(g->prefix + 1, out, (L ? L - 1 : 0) * sizeof(size_t));
	model_embed(g->y, g->scratch, m, m->io.tgt_embed, g->prefix, 0, L);
	decoder_forward(g->y, NULL, cross, g->dec_work, &m->decoder, g->memory, NULL, NULL, L, g->S);
	for (size_t t = 0; t < L && scores; t++)
		project(scores + t * m->tok.Vt, m, g->y + t * m->E);
}

void cross_attention_of(float *align, const float *cross, size_t i, long h, size_t H, size_t L,
			size_t S)
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

/* decode --generate's model-specific part (lib/generate): the search, and the rescoring whose alignment is
 * one layer's cross-attention */
typedef struct {
	Generator *g;
	size_t layer;
	long head;
	float *cross;               /* [N, H, L, S] */
} TransformerSearch;

static size_t transformer_translate(void *ctx, const size_t *src_ids, size_t S, const size_t **out)
{
	TransformerSearch *t = ctx;

	return generate(t->g, src_ids, S, out);
}

static void transformer_rescore(void *ctx, float *align, float *scores, const size_t *out, size_t L, size_t S)
{
	TransformerSearch *t = ctx;
	const TransformerConfig *dec = &t->g->m->decoder.cfg;

	t->cross = xrealloc(t->cross, xmul(xmul(dec->N * dec->H, xmul(L, S, "attn"), "attn"), sizeof(float), "attn"));
	generator_rescore(t->g, scores, t->cross, out, L);
	cross_attention_of(align, t->cross, t->layer, t->head, dec->H, L, S);
}

void transformer_generate_stream(const char *input, FILE *out, StreamWriter *attn, StreamWriter *scores,
				 Generator *g, size_t layer, long head)
{
	const TransformerModel *m = g->m;
	TransformerSearch t = { .g = g, .layer = layer, .head = head };
	const GenerateModel gm = { .ctx = &t, .translate = transformer_translate, .rescore = transformer_rescore,
				   .tok = &m->tok, .align_name = "cross-attention" };

	generate_stream(input, out, attn, scores, &gm);
	free(t.cross);
}

/* ---- the options encode and decode share ------------------------------------------------------ */

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
	cfg->E = E;
	if (cfg->F == 0)
		cfg->F = xmul(4, E, "--ff");
	transformer_declare(p, m, cfg, decoder, "");
	params_fill(p, source);
}

/* Record an option in settings (NULL: not wanted). */
static void given(ModelConfig *settings, const char *key, const char *value, const char *option)
{
	if (settings)
		config_set(settings, key, value, option);
}

int transformer_option(TransformerConfig *cfg, ModelConfig *settings, int c, const char *arg)
{
	switch (c) {
	case OPT_ARCH:
		if (strcmp(arg, "transformer") != 0)
			usage_error("--arch: '%s' is not an architecture (transformer, rnn, gru, lstm)", arg);
		given(settings, "arch", arg, "--arch");
		return 1;
	case OPT_LAYERS:
		cfg->N = (size_t)parse_long(arg, "--layers", 1, 1000);
		given(settings, "encoder_layers", arg, "--layers");
		given(settings, "decoder_layers", arg, "--layers");
		return 1;
	case OPT_HEADS:
		cfg->H = (size_t)parse_long(arg, "--heads", 1, 65536);
		given(settings, "heads", arg, "--heads");
		return 1;
	case OPT_FF:
		cfg->F = (size_t)parse_long(arg, "--ff", 1, 1 << 24);
		given(settings, "d_ff", arg, "--ff");
		return 1;
	case OPT_ACTIVATION:
		if (!activation_parse(&cfg->activation, arg))
			usage_error("--activation: '%s' is not relu or gelu", arg);
		given(settings, "activation", arg, "--activation");
		return 1;
	case OPT_NORM_FIRST:
		cfg->norm_first = true;
		given(settings, "norm_first", "1", "--norm-first");
		return 1;
	case OPT_FINAL_NORM:
		cfg->final_norm = true;
		given(settings, "final_norm", "1", "--final-norm");
		return 1;
	case OPT_EPS:
		cfg->eps = (float)parse_double(arg, "--eps", 1e-12, 1.0);
		given(settings, "eps", arg, "--eps");
		return 1;
	default:
		return 0;
	}
}
