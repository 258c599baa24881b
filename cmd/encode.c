/* SPDX-License-Identifier: MIT */
/* encode: the Transformer encoder (Vaswani et al. 2017, section 3.1), as torch.nn.TransformerEncoder. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "explain_transformer.h"
#include "mask.h"
#include "opts.h"
#include "rnn.h"
#include "stream.h"
#include "tensor.h"
#include "transformer.h"

static const char usage_text[] =
	"usage: encode [--arch transformer] [--layers N] [--heads H] [--ff F] [--activation relu|gelu]\n"
	"              [--norm-first] [--final-norm] [--eps X] [--final-eps X]\n"
	"              [--norm torch|annotated] [--mask FILE] [--additive-mask FILE]\n"
	"              [--no-pad-mask] [--attn FILE] [--explain[=N]] [--dump DIR] [--prefix P]\n"
	"              [--weights FILE.npz | --seed N] [--save-weights FILE.npz] [-b | --npy] [--digits N]\n"
	"              [FILE]\n"
	"       encode --arch rnn|gru|lstm [--hidden H] [--layers N] [--bidirectional] [--last]\n"
	"              [--cell-state FILE] [--over-time]\n"
	"              [--attn FILE] [--prefix P] [--weights FILE.npz | --seed N] [--save-weights FILE.npz]\n"
	"              [-b | --npy] [--digits N] [--threads N] [FILE]\n"
	"\n"
	"The encoder of \"Attention Is All You Need\" on each T x E tensor of source embeddings in FILE\n"
	"(default: standard input), e.g. from `embed | posenc`: N layers of self-attention and feed-forward,\n"
	"each with a residual connection and LayerNorm. Writes the T x E encoder output (the \"memory\" that\n"
	"decode reads), row labels kept. The same numbers and parameter names as PyTorch's\n"
	"nn.TransformerEncoder(nn.TransformerEncoderLayer(E, H, F, batch_first=True), N).\n"
	"With --arch rnn, gru or lstm: the recurrent encoder of the RNN seq2seq (docs/rnn-seq2seq.md), every\n"
	"hidden state (T x D*H) as torch.nn.RNN / GRU / LSTM with N layers (default 1).\n"
	"\n"
	TRANSFORMER_USAGE
	"      --mask FILE         T x T tensor: 1 = may attend, 0 = blocked (PyTorch's mask, as bool,\n"
	"                          negated); H x T x T: one per head\n"
	"      --additive-mask FILE  PyTorch's float mask, added to the scores: -inf = blocked\n"
	"                          (mask files: one tensor for all inputs, or one per input tensor)\n"
	"      --no-pad-mask       let positions attend to keys labelled <pad> (blocked by default)\n"
	RNN_ENCODE_USAGE
	"      --cell-state FILE   --arch lstm --last: also write the final cells c_n there (1 x D*H each)\n"
	"      --attn FILE         write the attention weights, one N x H x T x T tensor per input\n"
	"      --explain[=N]       every step of every layer, its shape and the first N rows (default 2) of\n"
	"                          what it computed, for the first input, on stderr\n"
	"      --dump DIR          write every intermediate into DIR, one file per step, e.g.\n"
	"                          DIR/layers.0.self_attn.q.txt (H x T x Dh), DIR/layers.0.norm1.txt (T x E)\n"
	"      --prefix P          read parameters named P<name>, e.g. encoder. in a whole nn.Transformer\n"
	"      --weights FILE.npz  parameters by PyTorch's state_dict() names (layers.0.self_attn.in_proj_weight ...)\n"
	"      --seed N            random parameters by PyTorch's init rules (default seed 1)\n"
	"      --save-weights FILE.npz  save the parameters used\n"
	COMMON_USAGE("       ");

enum {
	OPT_ATTN = OPT_PROGRAM,
	OPT_PREFIX,
	OPT_EXPLAIN,
	OPT_DUMP,
	OPT_CELL_STATE,
};

static const struct option long_options[] = {
	OUTPUT_LONG_OPTIONS,
	PARAM_LONG_OPTIONS,
	TRANSFORMER_LONG_OPTIONS,
	RNN_ENCODE_LONG_OPTIONS,
	MASK_LONG_OPTIONS,
	{ "attn", required_argument, NULL, OPT_ATTN },
	{ "prefix", required_argument, NULL, OPT_PREFIX },
	{ "explain", optional_argument, NULL, OPT_EXPLAIN },
	{ "dump", required_argument, NULL, OPT_DUMP },
	{ "cell-state", required_argument, NULL, OPT_CELL_STATE },
	{ NULL, 0, NULL, 0 },
};

static CommonOptions common;
static MaskSource masks;
static TransformerConfig cfg;
static const char *attn_path, *dump_dir, *cell_path;
static size_t explain_rows;
/* --arch rnn|gru|lstm (lib/seq2seq), and an option given that belongs to the other kind of encoder */
static bool recurrent;
static RnnEncodeOptions rnn = { .layers = 1 };
static const char *transformer_only, *rnn_only;

/* The Transformer encoder over every tensor of in: parameters declared once d_model is known. */
static void encode_transformer(StreamReader *in, StreamWriter *attn_out)
{
	Params params = { 0 };
	Transformer m;
	Tensor *x;
	float *work = NULL, *attn = NULL;
	Mask mask = { .heads = 1 };
	size_t have_T = 0;
	TraceSink *sink = NULL;

	while (stream_read(in, &x)) {
		size_t T = tensor_rows(x), H = cfg.H;
		transformer_for_input(&params, &m, &cfg, false, &common.params, x, stream_path(in),
				      stream_count(in) - 1);
		if (stream_count(in) == 1 && (explain_rows || dump_dir))
			sink = trace_sink_new(&m, "encoder", explain_rows, dump_dir, &common.out);
		if (sink)
			trace_sink_begin(sink, stream_count(in) - 1, x->ndim >= 2 ? x->row_labels : NULL,
					 x->ndim >= 2 ? x->row_labels : NULL);
		if (T > have_T) { /* buffers grow to the longest sequence, then serve every later one */
			have_T = T;
			work = xrealloc(work, xmul(encoder_work_size(&m, T), sizeof(float), "work"));
			if (attn_out || sink) /* the trace shows the weights when they are kept */
				attn = xrealloc(attn, xmul(xmul(cfg.N * H, xmul(T, T, "attn"), "attn"), sizeof(float), "attn"));
		}
		bool masked = mask_build(&mask, &masks, stream_count(in) - 1, x->ndim >= 2 ? x->row_labels : NULL, H, T,
					 T);
		size_t empty = encoder_forward(x->data, attn, work, &m, masked ? &mask : NULL, T);
		if (empty)
			warning("%s: tensor #%zu: %zu rows had every key blocked (all <pad>?): their attention is 0",
				stream_path(in), stream_count(in) - 1, empty / H);
		tensor_require_finite(x, "output");
		stream_write(stdout, x, &common.out);
		if (attn_out) {
			size_t a_shape[4] = { cfg.N, H, T, T };
			Tensor *a = tensor_new(4, a_shape);
			memcpy(a->data, attn, a->size * sizeof(float));
			tensor_keep_rows(a, x);
			tensor_set_col_labels(a, x->ndim >= 2 ? x->row_labels : NULL);
			tensor_set_name(a, "self-attention");
			writer_put(attn_out, a);
			tensor_free(a);
		}
		tensor_free(x);
	}
	trace_sink_free(sink, &m);
	free(work);
	free(attn);
	mask_release(&mask);
	mask_end(&masks, stream_count(in));
	transformer_free(&m);
	params_free(&params);
}

/* The sizes --weights holds, for what the options left unset: --hidden (weight_hh_l0 [G*H, H]), --layers
 * (weight_ih_lK) and --bidirectional (weight_ih_l0_reverse). */
static void rnn_from_weights(RnnEncodeOptions *o, bool layers_given)
{
	size_t n = params_source_count(&common.params, "weight_ih_l%zu");

	params_size(&common.params, "weight_hh_l0", 1, &o->hidden, "--hidden");
	if (!layers_given && n > 0)
		o->layers = n;
	if (params_source_has(&common.params, "weight_ih_l0_reverse"))
		o->bidirectional = true;
}

/* The combinations --arch rnn|gru|lstm refuses, as a usage message (NULL when o is valid); with_attn: --attn given. */
static const char *rnn_invalid(const RnnEncodeOptions *o, bool with_attn)
{
	if (with_attn && !o->over_time)
		return "--attn: the recurrent encoder writes attention weights only with --over-time";
	if (o->over_time && (o->kind != RNN_LSTM || o->bidirectional || o->layers != 1 || o->last))
		return "--over-time goes with one unidirectional LSTM layer (--arch lstm) and without --last";
	return NULL;
}

/* One sequence through the encoder, written as the options ask; cell (NULL = not wanted): --last's c_n. */
static void encode_rnn_one(FILE *out, StreamWriter *attn, StreamWriter *cell, const RnnEncodeOptions *o,
			   const RnnWeights *w,
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
		float *c_n = cell ? xmalloc(xmul(xmul(w->L, DH, "c_n"), sizeof(float), "c_n")) : NULL;
		rnn_forward(states, h_n, c_n, work, w, x->data, T);
		y = tensor_new2(1, DH);
		memcpy(y->data, h_n + (w->L - 1) * DH, DH * sizeof(float));
		tensor_set_name(y, x->name);
		if (x->ndim >= 2 && x->row_labels && w->D == 1) /* the state after the last token */
			tensor_set_row_labels(y, x->row_labels + T - 1);
		if (cell) { /* torch's c_n[-D:], labelled as h */
			Tensor *c = tensor_clone(y);
			memcpy(c->data, c_n + (w->L - 1) * DH, DH * sizeof(float));
			tensor_require_finite(c, "cell state");
			writer_put(cell, c);
			tensor_free(c);
		}
		free(c_n);
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

/*
 * The recurrent encoder over every tensor of in (x, T x I): parameters declared once the first tensor gives I
 * (and T for --over-time); one T x D*H tensor of states each (rows labelled as x); attn (NULL = not wanted)
 * the --over-time weights.
 */
static void encode_rnn(StreamReader *in, StreamWriter *attn, StreamWriter *cell, const RnnEncodeOptions *o)
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
			params_fill(&params, &common.params);
		}
		if (tensor_cols(x) != I)
			die("%s: tensor #%zu has %zu features, the first had %zu", stream_path(in), index,
			    tensor_cols(x), I);
		if (o->over_time && T != T_fixed)
			die("%s: tensor #%zu has %zu positions; --over-time was built for %zu (over_time.weight)",
			    stream_path(in), index, T, T_fixed);
		encode_rnn_one(stdout, attn, cell, o, &w, over_time_weight, over_time_bias, x, &common.out);
		tensor_free(x);
	}
	rnn_free(&w);
	params_free(&params);
}

int main(int argc, char **argv)
{
	const char *input = "-";
	StreamReader *in;
	StreamWriter *attn_out = NULL, *cell_out = NULL;
	int c, index = 0;

	set_progname(argv[0]);
	common_init(&common);
	mask_init(&masks);
	transformer_defaults(&cfg);
	while ((c = options_next(argc, argv, OUTPUT_SHORT_OPTIONS, long_options, &index)) != -1) {
		if (common_option(&common, c, optarg, usage_text))
			continue;
		if (c == TRANSFORMER_OPT_ARCH && (recurrent = rnn_kind_parse(optarg, &rnn.kind)))
			continue;
		if (rnn_encode_option(&rnn, c, optarg)) {
			rnn_only = long_options[index].name;
			continue;
		}
		if (transformer_option(&cfg, NULL, c, optarg) || mask_option(&masks, c, optarg)) {
			if (c == TRANSFORMER_OPT_LAYERS)
				rnn.layers = cfg.N;
			else if (c != TRANSFORMER_OPT_ARCH)
				transformer_only = long_options[index].name;
			continue;
		}
		switch (c) {
		case OPT_ATTN:
			attn_path = optarg;
			break;
		case OPT_PREFIX:
			common.params.prefix = optarg;
			break;
		case OPT_EXPLAIN:
			explain_rows = optarg ? (size_t)parse_long(optarg, "--explain", 1, 1000) : 2;
			transformer_only = "explain";
			break;
		case OPT_CELL_STATE:
			cell_path = optarg;
			rnn_only = "cell-state";
			break;
		case OPT_DUMP:
			dump_dir = optarg;
			transformer_only = "dump";
			break;
		}
	}
	if (optind < argc)
		input = argv[optind++];
	if (optind < argc)
		usage_error("one input file at most; extra argument '%s'", argv[optind]);

	if (recurrent && transformer_only)
		usage_error("--%s is an option of the Transformer, not of --arch %s", transformer_only,
			    rnn_kind_name(rnn.kind));
	if (!recurrent && rnn_only)
		usage_error("--%s is an option of --arch rnn, gru or lstm", rnn_only);
	if (recurrent)
		rnn_from_weights(&rnn, cfg.layers_given);
	if (cell_path && (rnn.kind != RNN_LSTM || !rnn.last))
		usage_error("--cell-state is the LSTM's final cell c_n: it goes with --arch lstm --last");
	if (recurrent && rnn_invalid(&rnn, attn_path != NULL))
		usage_error("%s", rnn_invalid(&rnn, attn_path != NULL));

	in = stream_open(input);
	if (attn_path)
		attn_out = writer_open(attn_path, &common.out);
	if (cell_path)
		cell_out = writer_open(cell_path, &common.out);
	if (recurrent)
		encode_rnn(in, attn_out, cell_out, &rnn);
	else
		encode_transformer(in, attn_out);
	if (attn_out)
		writer_close(attn_out);
	if (cell_out)
		writer_close(cell_out);
	stream_close(in);
	mask_free(&masks);
	close_stdout();
	return 0;
}
