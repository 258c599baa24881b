/* SPDX-License-Identifier: MIT */
#include "model.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "linalg.h"
#include "model_rnn.h"
#include "model_transformer.h"
#include "softmax.h"

/* S = source positions, L = output tokens, K = hypotheses, E = source embedding width, Et = target
 * embedding width, H = the decoder's output width, Vs, Vt = source and target vocabularies */

/* ---- the settings of every architecture ----------------------------------------------------- */

/* Every key an archive's config may hold (docs/transformer.md, docs/rnn-seq2seq.md). */
static const char *const config_keys[] = {
	/* both architectures */
	"arch", "encoder_layers", "bos", "eos", "chars", "tie",
	/* the Transformer's (MODEL_TRANSFORMER_KEYS, in the order a recurrent model checks them) */
	"d_model", "heads", "decoder_layers", "d_ff", "activation", "norm_first", "final_norm", "eps", "scale",
	"posenc", "posenc_base", "posenc_layout", "norm", "final_eps",
	/* the recurrent seq2seq's */
	"hidden", "bidirectional", "decoder_hidden", "score", "attn_hidden", "init",
	NULL,
};

/* The Transformer's keys: config_keys from index 6 to 19. */
#define TRANSFORMER_KEYS_FIRST 6
#define TRANSFORMER_KEYS_END 20

void model_refuse_transformer_keys(const ModelConfig *c, const char *arch)
{
	for (size_t i = TRANSFORMER_KEYS_FIRST; i < TRANSFORMER_KEYS_END; i++)
		if (config_get(c, config_keys[i]))
			die("%s: %s is a setting of the Transformer, not of arch %s", config_where(c, config_keys[i]),
			    config_keys[i], arch);
}

Model *model_open(const char *path, ModelConfig *c)
{
	Model *m = xcalloc(1, sizeof(Model));
	char *text, where[512];
	const char *arch;

	m->path = xstrdup(path);
	m->archive = npz_open(path);
	text = npz_read_text(m->archive, "config");
	if (text) {
		snprintf(where, sizeof(where), "%s: config", path);
		config_parse(c, text, where, config_keys);
		free(text);
	}
	arch = config_get(c, "arch");
	m->recurrent = arch && rnn_kind_parse(arch, &m->kind);
	return m;
}

/* ---- tokens and the layers between tokens and vectors ---------------------------------------- */

/* The vocabulary in the archive's entry name, or in the file path (option names it); exactly one of them. */
static Vocab *model_vocab(Npz *z, const char *name, const char *path, const char *option)
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

/* The id of token in v, which generation needs; dies naming where otherwise. */
static size_t special_id(const Vocab *v, const char *token, const char *where)
{
	size_t id;

	if (!vocab_find(v, token, &id))
		die("%s: the target vocabulary has no %s, which generation needs", where, token);
	return id;
}

static void tokens_load(ModelTokens *t, const ModelConfig *c, Npz *z, const char *src_vocab_path,
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

/* Declare prefix-less name, a vector [d0] (d1 = 0) or a matrix [d0, d1]. */
static void add(Params *p, float **slot, const char *name, InitRule init, double arg, size_t d0, size_t d1)
{
	size_t shape[2] = { d0, d1 };

	params_add(p, slot, name, init, arg, d1 ? 2 : 1, shape);
}

/* Die on an entry of z that is neither config, src_vocab, tgt_vocab nor one of the parameters p. */
static void check_entries(Npz *z, const Params *p)
{
	/* every other entry must be ours: a stray one means the settings describe another model */
	for (size_t k = 0; k < npz_count(z); k++) {
		const char *name = npz_name(z, k);
		/* adam.*: the optimiser's state train --resume continues from (docs/train.md), not the model's */
		bool known = strcmp(name, "config") == 0 || strcmp(name, "src_vocab") == 0 ||
			     strcmp(name, "tgt_vocab") == 0 || strncmp(name, "adam.", 5) == 0;
		for (size_t i = 0; i < p->count && !known; i++)
			known = strcmp(p->items[i].name, name) == 0;
		if (!known)
			die("%s: unused parameter %s: not a parameter of this model (check the settings that set its shape%s)",
			    npz_path(z), name, strcmp(name, "generator.weight") == 0 ? ", and --tie" : "");
	}
}

/*
 * After the encoder and decoder are declared in m->params: declare the token layers too, load them
 * all from the archive, tie, and die on an entry that is not a parameter.
 */
static void token_layers_load(Model *m)
{
	TokenLayers *t = &m->io;
	Params *p = &m->params;

	add(p, &t->src_embed, "src_embed.weight", INIT_NORMAL, 1.0, m->tok.Vs, m->E);
	add(p, &t->tgt_embed, "tgt_embed.weight", INIT_NORMAL, 1.0, m->tok.Vt, m->Et);
	if (!m->tie)
		add(p, &t->generator_weight, "generator.weight", INIT_LINEAR, 0, m->tok.Vt, m->H);
	add(p, &t->generator_bias, "generator.bias", INIT_UNIFORM, 1.0 / sqrt((double)m->H), m->tok.Vt, 0);
	params_read(p, m->archive, "", 1);
	if (m->tie)
		t->generator_weight = t->tgt_embed;
	check_entries(m->archive, p);
}

void model_project(float *logprobs, const Model *m, const float *o)
{
	linear(logprobs, o, m->io.generator_weight, m->io.generator_bias, 1, m->H, m->tok.Vt);
	log_softmax(logprobs, logprobs, m->tok.Vt);
}

/* ---- loading -------------------------------------------------------------------------------- */

void model_read(Model *m, ModelConfig *c, const char *src_vocab_path, const char *tgt_vocab_path)
{
	/* the architecture's shapes from the settings (and the embeddings' widths), checked; its encoder
	 * and decoder declared */
	if (m->recurrent)
		rnn_model_declare(m, c);
	else
		transformer_model_declare(m, c);
	tokens_load(&m->tok, c, m->archive, src_vocab_path, tgt_vocab_path);
	/* then the token layers, which need the vocabularies' sizes; everything loads from the archive */
	token_layers_load(m);
	npz_close(m->archive);
	m->archive = NULL;
}

Model *model_load(const char *path, ModelConfig *c, const char *src_vocab_path, const char *tgt_vocab_path)
{
	Model *m = model_open(path, c);

	model_read(m, c, src_vocab_path, tgt_vocab_path);
	return m;
}

void model_free(Model *m)
{
	if (!m)
		return;
	if (m->archive)
		npz_close(m->archive);
	transformer_free(&m->transformer.encoder);
	transformer_free(&m->transformer.decoder);
	rnn_free(&m->rnn.encoder);
	vocab_free(m->tok.src_vocab);
	vocab_free(m->tok.tgt_vocab);
	params_free(&m->params);
	free(m->path);
	free(m);
}

const char *model_arch_name(const Model *m)
{
	return m->recurrent ? rnn_kind_name(m->kind) : "transformer";
}

const char *model_align_name(const Model *m)
{
	return m->recurrent ? "alignment" : "cross-attention";
}

/* ---- running it ----------------------------------------------------------------------------- */

struct ModelRun {
	const Model *m;
	TransformerRun *transformer;   /* one of the two */
	RnnRun *rnn;
};

ModelRun *model_run_new(const Model *m, size_t K, size_t max_len, bool use_cache)
{
	ModelRun *r = xcalloc(1, sizeof(ModelRun));

	r->m = m;
	if (m->recurrent)
		r->rnn = rnn_run_new(m, K);
	else
		r->transformer = transformer_run_new(m, K, max_len, use_cache);
	return r;
}

void model_run_free(ModelRun *r)
{
	if (!r)
		return;
	transformer_run_free(r->transformer);
	rnn_run_free(r->rnn);
	free(r);
}

void model_encode(ModelRun *r, const size_t *src_ids, size_t S)
{
	if (r->rnn)
		rnn_run_encode(r->rnn, src_ids, S);
	else
		transformer_run_encode(r->transformer, src_ids, S);
}

void model_decode_step(ModelRun *r, float *logprobs, size_t k, const size_t *tokens, size_t len)
{
	if (r->rnn)
		rnn_run_step(r->rnn, logprobs, k, tokens, len);
	else
		transformer_run_step(r->transformer, logprobs, k, tokens, len);
}

void model_reorder(ModelRun *r, const size_t *parent, size_t live)
{
	if (r->rnn)
		rnn_run_reorder(r->rnn, parent, live);
	else
		transformer_run_reorder(r->transformer, parent, live);
}

void model_rescore(ModelRun *r, float *align, float *scores, const size_t *out, size_t L, size_t layer,
		   long head)
{
	if (r->rnn)
		rnn_run_rescore(r->rnn, align, scores, out, L);
	else
		transformer_run_rescore(r->transformer, align, scores, out, L, layer, head);
}
