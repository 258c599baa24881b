#include "seq2seq.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "explain.h"
#include "generate.h"
#include "linalg.h"
#include "npz.h"
#include "search.h"
#include "tensor.h"

/* T = positions of a sequence, I = input width, H = hidden size, D = directions, S = encoder positions */

/* A sequence is a T x C matrix (a 1-D tensor is one row); more axes, or nothing in it, is an error. */
static void require_sequence(const Tensor *t, const StreamReader *r)
{
	char buf[TENSOR_SHAPE_STR];

	if (t->ndim > 2)
		die("%s: tensor #%zu: expected a matrix (positions x features), got %s", stream_path(r),
		    stream_count(r) - 1, tensor_shape_str(t, buf));
	if (tensor_rows(t) == 0 || tensor_cols(t) == 0)
		die("%s: tensor #%zu: an empty sequence (%s)", stream_path(r), stream_count(r) - 1,
		    tensor_shape_str(t, buf));
}

/* ---- the encoder ------------------------------------------------------------------------------ */

const char *rnn_encode_invalid(const RnnEncodeOptions *o, bool with_attn)
{
	if (with_attn && !o->over_time)
		return "--attn: the recurrent encoder writes attention weights only with --over-time";
	if (o->over_time && (o->kind != RNN_LSTM || o->bidirectional || o->layers != 1 || o->last))
		return "--over-time is the seeds' model: one unidirectional LSTM layer (--arch lstm), no --last";
	return NULL;
}

/* One sequence through the encoder, written as the options ask. */
static void encode_one(FILE *out, StreamWriter *attn, const RnnEncodeOptions *o, const RnnWeights *w,
		       const float *over_time_weight, const float *over_time_bias, const Tensor *x,
		       const WriteOptions *wo)
{
	const size_t T = tensor_rows(x), DH = w->D * w->H, need = rnn_work_size(w, T);
	float *work = xmalloc(xmul(need + xmul(T, DH, "states") + T, sizeof(float), "encoder work"));
	float *states = work + need, *scratch = states + T * DH; /* [T, D*H] and [T] */
	Tensor *y;

	if (o->last) {
		/* the top layer's final states, forward then backward: torch's h_n[-D:] */
		float *h_n = xmalloc(xmul(xmul(w->L, DH, "h_n"), sizeof(float), "h_n"));
		rnn_forward(states, h_n, NULL, work, w, x->data, T);
		y = tensor_new2(1, DH);
		memcpy(y->data, h_n + (w->L - 1) * DH, DH * sizeof(float));
		tensor_set_name(y, x->name);
		if (x->ndim >= 2 && x->row_labels && w->D == 1) /* the state after the last token */
			tensor_set_row_labels(y, x->row_labels + T - 1);
		free(h_n);
	} else if (o->over_time) {
		Tensor *a = tensor_new2(T, DH);
		y = tensor_new2(T, DH);
		rnn_forward(states, NULL, NULL, work, w, x->data, T);
		over_time_attention(y->data, a->data, scratch, states, over_time_weight, over_time_bias, T, DH);
		tensor_keep_rows(y, x);
		if (attn) {
			tensor_keep_rows(a, x);
			tensor_set_name(a, "over-time");
			writer_put(attn, a);
		}
		tensor_free(a);
	} else {
		y = tensor_new2(T, DH);
		rnn_forward(y->data, NULL, NULL, work, w, x->data, T);
		tensor_keep_rows(y, x);
	}
	tensor_require_finite(y, "output");
	stream_write(out, y, wo);
	tensor_free(y);
	free(work);
}

void rnn_encode_stream(StreamReader *in, FILE *out, StreamWriter *attn, const RnnEncodeOptions *o,
		       const ParamSource *source, const WriteOptions *wo)
{
	Params params = { 0 };
	RnnWeights w = { 0 };
	float *over_time_weight = NULL, *over_time_bias = NULL;
	size_t I = 0, T_fixed = 0;
	Tensor *x;

	while (stream_read(in, &x)) {
		const size_t T = tensor_rows(x), index = stream_count(in) - 1;

		require_sequence(x, in);
		if (index == 0) {
			/* the first sequence fixes the input width (and, for --over-time, the length) */
			I = tensor_cols(x);
			rnn_declare(&params, &w, "", o->kind, I, o->hidden ? o->hidden : I, o->layers,
				    o->bidirectional);
			if (o->over_time) {
				const size_t shape[2] = { T, T };
				T_fixed = T;
				params_add(&params, &over_time_weight, "over_time.weight", INIT_LINEAR, 0, 2, shape);
				params_add(&params, &over_time_bias, "over_time.bias", INIT_UNIFORM,
					   1.0 / sqrt((double)T), 1, shape);
			}
			params_fill(&params, source);
		}
		if (tensor_cols(x) != I)
			die("%s: tensor #%zu has %zu features, the first had %zu", stream_path(in), index,
			    tensor_cols(x), I);
		if (o->over_time && T != T_fixed)
			die("%s: tensor #%zu has %zu positions; --over-time was built for %zu (over_time.weight)",
			    stream_path(in), index, T, T_fixed);
		encode_one(out, attn, o, &w, over_time_weight, over_time_bias, x, wo);
		tensor_free(x);
	}
	rnn_free(&w);
	params_free(&params);
}

/* ---- the decoder ------------------------------------------------------------------------------ */

bool rnn_score_parse(const char *name, ScoreKind *kind)
{
	if (strcmp(name, "additive") == 0)
		*kind = SCORE_ADDITIVE;
	else if (strcmp(name, "general") == 0)
		*kind = SCORE_GENERAL;
	else if (strcmp(name, "dot") == 0)
		*kind = SCORE_DOT;
	else
		return false;
	return true;
}

/* --explain: the first steps of one sequence, from the record the decoder kept (lib/explain, on stderr). */
static void explain(size_t steps, const AttnDecoderWeights *w, const AttnDecoderRecord *rec, const float *align,
		    const Tensor *y, const Tensor *memory, const float *out, size_t T, size_t S)
{
	static const char *const score_names[] = { [SCORE_ADDITIVE] = "additive, v^T tanh(W1 s_{t-1} + W2 h_j)",
						    [SCORE_GENERAL] = "general, s_{t-1}^T W h_j",
						    [SCORE_DOT] = "dot, s_{t-1}^T h_j" };
	char *const *y_labels = y->ndim >= 2 ? y->row_labels : NULL;
	char *const *h_labels = memory->ndim >= 2 ? memory->row_labels : NULL;
	char title[128], name[32];

	explain_step("the attention decoder: %zu steps over %zu encoder states h_j (S x Dm = %zu x %zu)", T, S, S,
		     w->Dm);
	explain_note("step t: e_tj = score(s_{t-1}, h_j); a_t = softmax(e_t); c_t = sum_j a_tj h_j;");
	explain_note("s_t = cell([y_{t-1}; c_t], s_{t-1}); o_t = tanh(W_out [s_t; c_t] + b_out)");
	explain_note("score: %s; s_0 is shown as the first step's s_{t-1}", score_names[w->score.kind]);
	for (size_t t = 0; t < T && t < steps; t++) {
		char *const row[1] = { name };
		if (y_labels)
			explain_step("step %zu: reads y_%zu = %s", t + 1, t, y_labels[t]);
		else
			explain_step("step %zu: reads y_%zu (input row %zu)", t + 1, t, t);
		snprintf(title, sizeof(title), "s_%zu, the state before the step", t);
		explain_matrix(title, rec->prev + t * w->H, 1, w->H, NULL, NULL);
		snprintf(name, sizeof(name), "e_%zu", t + 1);
		snprintf(title, sizeof(title), "scores e_%zu, one per encoder state h_j", t + 1);
		explain_matrix(title, rec->scores + t * S, 1, S, row, h_labels);
		snprintf(name, sizeof(name), "a_%zu", t + 1);
		explain_softmax(rec->scores + t * S, align + t * S, 1, S, row, h_labels);
		snprintf(name, sizeof(name), "c_%zu", t + 1);
		explain_note("the context vector c_%zu, the weighted sum of the encoder states (v[j] = h_j):", t + 1);
		explain_weighted_sum(rec->contexts + t * w->Dm, align + t * S, memory->data, S, w->Dm, name, h_labels);
		snprintf(title, sizeof(title), "o_%zu, the output, from [s_%zu; c_%zu]", t + 1, t + 1, t + 1);
		explain_matrix(title, out + t * w->H, 1, w->H, NULL, NULL);
	}
}

/* One sequence y (T x E) against its memory (S x Dm). */
static void decode_one(FILE *out, StreamWriter *attn, const RnnDecodeOptions *o, const AttnDecoderWeights *w,
		       const Tensor *y, const Tensor *memory, const WriteOptions *wo)
{
	const size_t T = tensor_rows(y), S = tensor_rows(memory), H = w->H, Dm = w->Dm;
	const size_t need = attn_decoder_forward_work_size(w, S);
	float *work = xmalloc(xmul(need + H, sizeof(float), "decoder work"));
	float *s0 = work + need;
	Tensor *o_t = tensor_new2(T, H), *a = tensor_new2(T, S);
	AttnDecoderRecord rec = { 0 };

	/* s_0: the last encoder state (the plain seq2seq's context vector), or zeros */
	if (o->init_zeros)
		memset(s0, 0, H * sizeof(float));
	else
		memcpy(s0, memory->data + (S - 1) * Dm, H * sizeof(float));
	if (o->explain) {
		rec.prev = xmalloc(xmul(xmul(T, H + S + Dm, "record"), sizeof(float), "record"));
		rec.scores = rec.prev + T * H;
		rec.contexts = rec.scores + T * S;
	}
	attn_decoder_forward(o_t->data, a->data, o->explain ? &rec : NULL, work, w, y->data, memory->data, s0, T,
			     S);
	if (o->explain)
		explain(o->explain, w, &rec, a->data, y, memory, o_t->data, T, S);
	tensor_keep_rows(o_t, y);
	tensor_require_finite(o_t, "output");
	stream_write(out, o_t, wo);
	if (attn) {
		/* rows = output steps (the query labels), columns = input tokens (the key labels) */
		tensor_keep_rows(a, y);
		tensor_set_col_labels(a, memory->ndim >= 2 ? memory->row_labels : NULL);
		tensor_set_name(a, "alignment");
		writer_put(attn, a);
	}
	free(rec.prev);
	free(work);
	tensor_free(a);
	tensor_free(o_t);
}

void rnn_decode_stream(StreamReader *in, StreamReader *memory_in, FILE *out, StreamWriter *attn,
		       const RnnDecodeOptions *o, const ParamSource *source, const WriteOptions *wo)
{
	Params params = { 0 };
	AttnDecoderWeights w = { 0 };
	size_t E = 0, Dm = 0;
	Tensor *y, *memory = NULL;

	while (stream_read(in, &y)) {
		const size_t index = stream_count(in) - 1;

		require_sequence(y, in);
		memory = stream_read_paired(memory_in, memory, index);
		require_sequence(memory, memory_in);
		if (index == 0) {
			/* the first pair fixes E and Dm; H defaults to Dm */
			size_t H;
			E = tensor_cols(y);
			Dm = tensor_cols(memory);
			H = o->hidden ? o->hidden : Dm;
			if (o->score == SCORE_DOT && H != Dm)
				die("%s: --score dot compares s_{t-1} with h_j: the memory is %zu wide, --hidden is %zu",
				    stream_path(memory_in), Dm, H);
			if (!o->init_zeros && H != Dm)
				die("%s: --init last starts from the last encoder state, %zu wide, but --hidden is %zu "
				    "(use --init zeros)", stream_path(memory_in), Dm, H);
			attn_decoder_declare(&params, &w, "", o->kind, o->score, E, Dm, H,
					     o->attn_hidden ? o->attn_hidden : H);
			params_fill(&params, source);
		}
		if (tensor_cols(y) != E)
			die("%s: tensor #%zu has %zu features, the first had %zu", stream_path(in), index,
			    tensor_cols(y), E);
		if (tensor_cols(memory) != Dm)
			die("%s: tensor #%zu has %zu features, the first had %zu", stream_path(memory_in), index,
			    tensor_cols(memory), Dm);
		decode_one(out, attn, o, &w, y, memory, wo);
		tensor_free(y);
	}
	tensor_free(memory);
	params_free(&params);
}

/* ---- the whole model and generation ------------------------------------------------------------ */

/* The Transformer's settings, which say the archive describes another model. */
static const char *const transformer_keys[] = {
	"d_model", "heads", "decoder_layers", "d_ff", "activation", "norm_first", "final_norm", "eps",
	"scale", "posenc", "posenc_base", "posenc_layout",
};

bool rnn_model_archive(const char *path, RnnKind *kind)
{
	Npz *z = npz_open(path);
	char *text = npz_read_text(z, "config"), where[512];
	ModelConfig c = { 0 };
	bool recurrent = false;

	if (text) {
		snprintf(where, sizeof(where), "%s: config", path);
		config_parse(&c, text, where);
		recurrent = config_get(&c, "arch") && rnn_kind_parse(config_get(&c, "arch"), kind);
		free(text);
	}
	config_free(&c);
	npz_close(z);
	return recurrent;
}

/* A 2-D float entry's shape, or die naming what it is for. */
static Tensor *embedding_entry(Npz *z, const char *name, const char *what)
{
	Tensor *t = npz_read(z, name);

	if (!t || t->ndim != 2)
		die("%s: missing parameter %s (%s)", npz_path(z), name, what);
	return t;
}

RnnModel *rnn_model_load(const char *path, ModelConfig *c, const char *src_vocab_path, const char *tgt_vocab_path)
{
	RnnModel *m = xcalloc(1, sizeof(RnnModel));
	Npz *z = npz_open(path);
	char *text = npz_read_text(z, "config"), where[512];
	Tensor *src_embed = embedding_entry(z, "src_embed.weight", "the source embedding, Vs x E");
	Tensor *tgt_embed = embedding_entry(z, "tgt_embed.weight", "the target embedding, Vt x Et");
	ScoreKind score = SCORE_ADDITIVE;
	RnnKind kind;
	size_t H, L, D, Dm, Hdec, Hd;
	const char *s;

	if (text) {
		snprintf(where, sizeof(where), "%s: config", path);
		config_parse(c, text, where);
		free(text);
	}
	m->E = src_embed->shape[1];
	m->Et = tgt_embed->shape[1];
	tensor_free(src_embed);
	tensor_free(tgt_embed);
	if (!(s = config_get(c, "arch")) || !rnn_kind_parse(s, &kind))
		die("%s: arch %s: not a recurrent seq2seq (rnn, gru or lstm)", s ? config_where(c, "arch") : path,
		    s ? s : "unset");
	for (size_t i = 0; i < sizeof(transformer_keys) / sizeof(transformer_keys[0]); i++)
		if (config_get(c, transformer_keys[i]))
			die("%s: %s is a setting of the Transformer, not of arch %s", config_where(c, transformer_keys[i]),
			    transformer_keys[i], s);
	/* the shapes: encoder H, L, D; memory Dm = D H; decoder Hdec (default Dm); additive Hd (default Hdec) */
	H = config_size(c, "hidden", m->E, 1, 1 << 20);
	L = config_size(c, "encoder_layers", 1, 1, 1000);
	D = config_bool(c, "bidirectional", false) ? 2 : 1;
	Dm = D * H;
	Hdec = config_size(c, "decoder_hidden", Dm, 1, 1 << 20);
	if ((s = config_get(c, "score")) && !rnn_score_parse(s, &score))
		die("%s: score '%s' is not additive, general or dot", config_where(c, "score"), s);
	Hd = config_size(c, "attn_hidden", Hdec, 1, 1 << 20);
	if ((s = config_get(c, "init")) && strcmp(s, "last") != 0 && strcmp(s, "zeros") != 0)
		die("%s: init '%s' is neither last nor zeros", config_where(c, "init"), s);
	m->init_zeros = s && strcmp(s, "zeros") == 0;
	if (!m->init_zeros && Hdec != Dm)
		die("%s: init last starts the decoder (decoder_hidden %zu) from an encoder state of width %zu", path,
		    Hdec, Dm);
	if (score == SCORE_DOT && Hdec != Dm)
		die("%s: score dot needs decoder_hidden %zu = the memory width %zu", path, Hdec, Dm);
	m->tie = config_bool(c, "tie", false);
	if (m->tie && m->Et != Hdec)
		die("%s: tie projects with tgt_embed.weight: its width %zu must be decoder_hidden %zu", path, m->Et,
		    Hdec);
	model_tokens_load(&m->tok, c, z, src_vocab_path, tgt_vocab_path);

	rnn_declare(&m->params, &m->encoder, "encoder.", kind, m->E, H, L, D == 2);
	attn_decoder_declare(&m->params, &m->decoder, "decoder.", kind, score, m->Et, Dm, Hdec, Hd);
	token_layers_load(&m->params, &m->io, z, m->tok.Vs, m->E, m->tok.Vt, m->Et, Hdec, m->tie);
	npz_close(z);
	return m;
}

void rnn_model_free(RnnModel *m)
{
	if (!m)
		return;
	rnn_free(&m->encoder);
	model_tokens_free(&m->tok);
	params_free(&m->params);
	free(m);
}

/* logprobs[Vt] = log softmax(W_gen o + b_gen) */
static void project(float *logprobs, const RnnModel *m, const float *o)
{
	token_layers_project(logprobs, &m->io, o, m->decoder.H, m->tok.Vt);
}

/* Buffers of one generation, sized for S source positions. */
typedef struct {
	float *memory;        /* [S, Dm] */
	float *enc_work;      /* rnn_work_size */
	float *s, *c;         /* [K, H] the live hypotheses' states */
	float *s_new, *c_new; /* [K, H] */
	float *o;             /* [H] */
	float *scores, *weights, *context; /* [S], [S], [Dm] */
	float *step_work;     /* attn_decoder_work_size */
	float *logprobs;      /* [K, Vt] */
	size_t *parent;       /* [K] */
} GenerateWork;

/* The search for one source sentence src_ids[S]; the memory is left in g->memory. */
static size_t translate(const size_t **out, GenerateWork *g, Beam *b, const RnnModel *m, const size_t *src_ids,
			size_t S)
{
	const AttnDecoderWeights *d = &m->decoder;
	const size_t H = d->H, Dm = d->Dm, E = m->E;
	const bool lstm = d->kind == RNN_LSTM;
	float *x = g->step_work; /* [S, E] the source embeddings, before the step needs the space */

	/* the source: embed (no scaling, no positions: the recurrence orders it) and encode once */
	embedding_forward(x, m->io.src_embed, src_ids, 1.0f, S, E);
	rnn_forward(g->memory, NULL, NULL, g->enc_work, &m->encoder, x, S);
	if (m->init_zeros)
		memset(g->s, 0, H * sizeof(float));
	else
		memcpy(g->s, g->memory + (S - 1) * Dm, H * sizeof(float));
	memset(g->c, 0, H * sizeof(float));
	beam_reset(b);
	while (b->live) {
		/* each live hypothesis takes one step from its last token (<s> at first) */
		for (size_t k = 0; k < b->live; k++) {
			size_t token = b->len ? b->tokens[k * b->max_len + b->len - 1] : m->tok.bos;
			attn_decoder_step(g->o, g->s_new + k * H, lstm ? g->c_new + k * H : NULL, g->scores, g->weights,
					  g->context, g->step_work, d, g->s + k * H, lstm ? g->c + k * H : NULL,
					  m->io.tgt_embed + token * m->Et, g->memory, S);
			project(g->logprobs + k * m->tok.Vt, m, g->o);
		}
		/* the survivors continue from their parents' new states */
		beam_step(b, g->parent, g->logprobs);
		for (size_t k = 0; k < b->live; k++) {
			memcpy(g->s + k * H, g->s_new + g->parent[k] * H, H * sizeof(float));
			memcpy(g->c + k * H, g->c_new + g->parent[k] * H, H * sizeof(float));
		}
	}
	return beam_best(b, out);
}

/* Teacher-forced again on <s> out[0..L-2]: align[L, S] and scores[L, Vt] of the chosen output. */
static void rescore(float *align, float *scores, const RnnModel *m, const float *memory, const size_t *out,
		    size_t L, size_t S)
{
	const AttnDecoderWeights *d = &m->decoder;
	const size_t H = d->H, Dm = d->Dm;
	float *y = xmalloc(xmul(xmul(L, m->Et, "targets"), sizeof(float), "targets"));
	float *o = xmalloc(xmul(xmul(L, H, "outputs"), sizeof(float), "outputs"));
	float *work = xmalloc(xmul(attn_decoder_forward_work_size(d, S) + H, sizeof(float), "work"));
	float *s0 = work + attn_decoder_forward_work_size(d, S);

	for (size_t t = 0; t < L; t++)
		memcpy(y + t * m->Et, m->io.tgt_embed + (t ? out[t - 1] : m->tok.bos) * m->Et, m->Et * sizeof(float));
	if (m->init_zeros)
		memset(s0, 0, H * sizeof(float));
	else
		memcpy(s0, memory + (S - 1) * Dm, H * sizeof(float));
	attn_decoder_forward(o, align, NULL, work, d, y, memory, s0, L, S);
	for (size_t t = 0; t < L; t++)
		project(scores + t * m->tok.Vt, m, o + t * H);
	free(y);
	free(o);
	free(work);
}

static void work_reserve(GenerateWork *g, const RnnModel *m, size_t K, size_t S)
{
	const size_t H = m->decoder.H, Dm = m->decoder.Dm;
	size_t step = attn_decoder_work_size(&m->decoder, S);

	if (xmul(S, m->E, "source") > step)
		step = S * m->E;
	g->memory = xrealloc(g->memory, xmul(xmul(S, Dm, "memory"), sizeof(float), "memory"));
	g->enc_work = xrealloc(g->enc_work, xmul(rnn_work_size(&m->encoder, S), sizeof(float), "work"));
	g->scores = xrealloc(g->scores, xmul(2 * S + Dm, sizeof(float), "scores"));
	g->weights = g->scores + S;
	g->context = g->weights + S;
	g->step_work = xrealloc(g->step_work, xmul(step, sizeof(float), "work"));
	if (!g->s) {
		g->s = xmalloc(xmul(xmul(4 * K, H, "states"), sizeof(float), "states"));
		g->c = g->s + K * H;
		g->s_new = g->c + K * H;
		g->c_new = g->s_new + K * H;
		g->o = xmalloc(xmul(H, sizeof(float), "output"));
		g->logprobs = xmalloc(xmul(xmul(K, m->tok.Vt, "logprobs"), sizeof(float), "logprobs"));
		g->parent = xmalloc(xmul(K, sizeof(size_t), "beam"));
	}
}

/* decode --generate's model-specific part (lib/generate): the search and the rescoring. */
typedef struct {
	const RnnModel *m;
	size_t K;
	Beam *beam;
	GenerateWork work;
} RnnSearch;

static size_t rnn_translate(void *ctx, const size_t *src_ids, size_t S, const size_t **out)
{
	RnnSearch *r = ctx;

	work_reserve(&r->work, r->m, r->K, S);
	return translate(out, &r->work, r->beam, r->m, src_ids, S);
}

static void rnn_rescore(void *ctx, float *align, float *scores, const size_t *out, size_t L, size_t S)
{
	RnnSearch *r = ctx;

	rescore(align, scores, r->m, r->work.memory, out, L, S);
}

void rnn_generate_stream(const char *input, FILE *out, StreamWriter *attn, StreamWriter *scores_out, const RnnModel *m,
			 size_t K, size_t max_len, double alpha)
{
	RnnSearch r = { .m = m, .K = K, .beam = beam_new(K, m->tok.Vt, max_len, m->tok.eos, alpha) };
	const GenerateModel g = { .ctx = &r, .translate = rnn_translate, .rescore = rnn_rescore,
				  .tok = &m->tok, .align_name = "alignment" };

	generate_stream(input, out, attn, scores_out, &g);
	free(r.work.memory);
	free(r.work.enc_work);
	free(r.work.scores);
	free(r.work.step_work);
	free(r.work.s);
	free(r.work.o);
	free(r.work.logprobs);
	free(r.work.parent);
	beam_free(r.beam);
}

/* ---- options -------------------------------------------------------------------------------- */

int rnn_encode_option(RnnEncodeOptions *o, int c, const char *arg)
{
	switch (c) {
	case OPT_RNN_HIDDEN:
		o->hidden = (size_t)parse_long(arg, "--hidden", 1, 1 << 20);
		return 1;
	case OPT_RNN_BIDIRECTIONAL:
		o->bidirectional = true;
		return 1;
	case OPT_RNN_LAST:
		o->last = true;
		return 1;
	case OPT_RNN_OVER_TIME:
		o->over_time = true;
		return 1;
	default:
		return 0;
	}
}

int rnn_decode_option(RnnDecodeOptions *o, ModelConfig *settings, int c, const char *arg)
{
	const char *key = NULL, *option = NULL;

	switch (c) {
	case OPT_RNN_HIDDEN:
		o->hidden = (size_t)parse_long(arg, "--hidden", 1, 1 << 20);
		key = "decoder_hidden", option = "--hidden";
		break;
	case OPT_RNN_SCORE:
		if (!rnn_score_parse(arg, &o->score))
			usage_error("--score: '%s' is not additive, general or dot", arg);
		key = "score", option = "--score";
		break;
	case OPT_RNN_ATTN_HIDDEN:
		o->attn_hidden = (size_t)parse_long(arg, "--attn-hidden", 1, 1 << 20);
		key = "attn_hidden", option = "--attn-hidden";
		break;
	case OPT_RNN_INIT:
		if (strcmp(arg, "last") != 0 && strcmp(arg, "zeros") != 0)
			usage_error("--init: '%s' is neither last nor zeros", arg);
		o->init_zeros = strcmp(arg, "zeros") == 0;
		key = "init", option = "--init";
		break;
	case OPT_RNN_EXPLAIN:
		o->explain = arg ? (size_t)parse_long(arg, "--explain", 1, 1000000) : 2;
		break;
	default:
		return 0;
	}
	/* as given on the command line, for decode --generate to check against the archive */
	if (settings && key)
		config_set(settings, key, arg, option);
	return 1;
}
