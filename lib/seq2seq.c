#include "seq2seq.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "explain.h"
#include "linalg.h"
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
