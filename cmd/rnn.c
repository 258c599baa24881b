/* rnn: the recurrent encoder (RNN / GRU / LSTM) and the attention decoder of the RNN seq2seq. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "opts.h"
#include "params.h"
#include "rnn.h"
#include "stream.h"
#include "tensor.h"

static const char usage_text[] =
	"usage: rnn encode [--arch rnn|gru|lstm] [--hidden H] [--layers N] [--bidirectional] [--last]\n"
	"                  [--over-time] [--attn FILE] [--weights FILE | --seed N] [--save-weights FILE]\n"
	"                  [-b | --npy] [--digits N] [FILE]\n"
	"       rnn decode --memory FILE [--arch rnn|gru|lstm] [--hidden H] [--score additive|general|dot]\n"
	"                  [--attn-hidden Hd] [--init last|zeros] [--attn FILE] [--explain[=N]]\n"
	"                  [--weights FILE | --seed N] [--save-weights FILE] [-b | --npy] [--digits N] [FILE]\n"
	"\n"
	"  encode  read embeddings x (T x I), write the encoder states h_t (T x D*H), rows labelled as the input\n"
	"  decode  read target embeddings y_0..y_{T-1} (teacher forcing: <s> first), attend over the encoder\n"
	"          states of --memory, write the outputs o_t (T x H)\n"
	"\n"
	"      --arch A          the cell: rnn (tanh), gru (default) or lstm, as torch.nn.RNN / GRU / LSTM\n"
	"      --hidden H        state width (encode: default I; decode: default the memory width Dm)\n"
	"      --layers N        encode: stacked layers (default 1)\n"
	"      --bidirectional   encode: a backward pass too; each row is [forward; backward] (D = 2)\n"
	"      --last            encode: write only the final state [h_T->; h_1<-] (the plain seq2seq's c)\n"
	"      --over-time       encode: the seeds' LSTM + attention: out = h * softmax over time of a dense\n"
	"                        layer (over_time.weight T x T) on each feature; every input has T rows\n"
	"      --memory FILE     decode: the encoder states h_j (S x Dm), one tensor per input tensor\n"
	"      --score F         decode: additive (Bahdanau, default), general or dot (Luong)\n"
	"      --attn-hidden Hd  decode: width of the additive score (default H)\n"
	"      --init I          decode: s_0 = the last encoder state (last, default; needs Dm = H) or zeros\n"
	"      --attn FILE       decode: the alignment a (T x S); encode --over-time: its weights (T x D*H)\n"
	"      --explain[=N]     decode: print s_{t-1}, scores, weights and context of the first N steps\n"
	"                        (default 2) on stderr\n"
	"      --weights FILE    load parameters from an .npz (PyTorch's state_dict names)\n"
	"      --seed N          initialise parameters as PyTorch does, from seed N (default 1)\n"
	"      --save-weights F  save the parameters to an .npz\n"
	"  -b, --binary          write the binary form\n"
	"      --npy             write .npy arrays\n"
	"      --digits N        round text output to N significant digits\n"
	"  -h, --help            this help\n"
	"      --version         the version\n";

enum {
	OPT_ARCH = OPT_PROGRAM,
	OPT_HIDDEN,
	OPT_LAYERS,
	OPT_BIDIRECTIONAL,
	OPT_LAST,
	OPT_OVER_TIME,
	OPT_MEMORY,
	OPT_SCORE,
	OPT_ATTN_HIDDEN,
	OPT_INIT,
	OPT_ATTN,
	OPT_EXPLAIN,
};

static const struct option long_options[] = {
	OUTPUT_LONG_OPTIONS,
	PARAM_LONG_OPTIONS,
	{ "arch", required_argument, NULL, OPT_ARCH },
	{ "hidden", required_argument, NULL, OPT_HIDDEN },
	{ "layers", required_argument, NULL, OPT_LAYERS },
	{ "bidirectional", no_argument, NULL, OPT_BIDIRECTIONAL },
	{ "last", no_argument, NULL, OPT_LAST },
	{ "over-time", no_argument, NULL, OPT_OVER_TIME },
	{ "memory", required_argument, NULL, OPT_MEMORY },
	{ "score", required_argument, NULL, OPT_SCORE },
	{ "attn-hidden", required_argument, NULL, OPT_ATTN_HIDDEN },
	{ "init", required_argument, NULL, OPT_INIT },
	{ "attn", required_argument, NULL, OPT_ATTN },
	{ "explain", optional_argument, NULL, OPT_EXPLAIN },
	{ NULL, 0, NULL, 0 },
};

static CommonOptions common;
static RnnKind arch = RNN_GRU;
static size_t hidden, layers = 1, attn_hidden;
static bool bidirectional, last_only, over_time, init_zeros;
static ScoreKind score = SCORE_ADDITIVE;
static const char *memory_path, *attn_path;
static long explain_steps = -1; /* -1: no --explain */

/* A sequence as a T x C matrix: 1-D is one row, more than two axes is an error. */
static void require_matrix(const Tensor *t, const char *where)
{
	char buf[TENSOR_SHAPE_STR];

	if (t->ndim > 2)
		die("%s: expected a matrix (positions x features), got %s", where, tensor_shape_str(t, buf));
	if (tensor_rows(t) == 0 || tensor_cols(t) == 0)
		die("%s: empty sequence (%s)", where, tensor_shape_str(t, buf));
}

/* ---- encode ------------------------------------------------------------------------------- */

static int encode(const char *path)
{
	StreamReader *in = stream_open(path);
	StreamWriter *attn = NULL;
	Params params = { 0 };
	RnnWeights w = { 0 };
	float *over_time_weight = NULL, *over_time_bias = NULL;
	size_t I = 0, T_fixed = 0;
	Tensor *x;

	if (attn_path && !over_time)
		usage_error("--attn: encode writes attention weights only with --over-time");
	if (over_time && (arch != RNN_LSTM || bidirectional || layers != 1 || last_only))
		usage_error("--over-time is the seeds' model: one unidirectional LSTM layer, --arch lstm, no --last");
	if (attn_path)
		attn = writer_open(attn_path, &common.out);
	while (stream_read(in, &x)) {
		size_t T = tensor_rows(x), DH;
		Tensor *y;
		float *work;

		require_matrix(x, path);
		if (params.count == 0) {
			/* the first sequence fixes the input width (and, for --over-time, the length) */
			I = tensor_cols(x);
			rnn_declare(&params, &w, "", arch, I, hidden ? hidden : I, layers, bidirectional);
			if (over_time) {
				const size_t shape[2] = { T, T };
				T_fixed = T;
				params_add(&params, &over_time_weight, "over_time.weight", INIT_LINEAR, 0, 2, shape);
				params_add(&params, &over_time_bias, "over_time.bias", INIT_UNIFORM,
					   1.0 / sqrt((double)T), 1, shape);
			}
			params_fill(&params, &common.params);
		}
		if (tensor_cols(x) != I)
			die("%s: tensor #%zu has %zu features, the first had %zu", path, stream_count(in) - 1,
			    tensor_cols(x), I);
		if (over_time && T != T_fixed)
			die("%s: tensor #%zu has %zu positions; --over-time was built for %zu (over_time.weight)",
			    path, stream_count(in) - 1, T, T_fixed);
		DH = w.D * w.H;
		work = xmalloc(xmul(rnn_work_size(&w, T) + xmul(T, DH, "states") + T, sizeof(float), "work"));
		y = tensor_new2(T, DH);
		if (last_only) {
			/* the top layer's final states, forward then backward: torch's h_n[-D:] */
			float *h_n = xmalloc(xmul(xmul(w.L, w.D, "layers"), w.H * sizeof(float), "h_n"));
			Tensor *last = tensor_new2(1, DH);
			rnn_forward(y->data, h_n, NULL, work, &w, x->data, T);
			memcpy(last->data, h_n + (w.L - 1) * DH, DH * sizeof(float));
			tensor_set_name(last, x->name);
			if (x->row_labels && w.D == 1)
				tensor_set_row_labels(last, x->row_labels + T - 1);
			stream_write(stdout, last, &common.out);
			tensor_free(last);
			free(h_n);
		} else if (over_time) {
			float *states = work + rnn_work_size(&w, T), *scratch = states + T * DH;
			Tensor *a = tensor_new2(T, DH);
			rnn_forward(states, NULL, NULL, work, &w, x->data, T);
			over_time_attention(y->data, a->data, scratch, states, over_time_weight, over_time_bias, T,
					    DH);
			tensor_keep_rows(y, x);
			stream_write(stdout, y, &common.out);
			if (attn) {
				tensor_keep_rows(a, x);
				writer_put(attn, a);
			}
			tensor_free(a);
		} else {
			rnn_forward(y->data, NULL, NULL, work, &w, x->data, T);
			tensor_keep_rows(y, x);
			stream_write(stdout, y, &common.out);
		}
		tensor_free(y);
		tensor_free(x);
		free(work);
	}
	writer_close(attn);
	stream_close(in);
	rnn_free(&w);
	params_free(&params);
	return 0;
}

/* ---- decode ------------------------------------------------------------------------------- */

static void explain_row(const char *what, const float *v, size_t n, char *const *labels)
{
	fprintf(stderr, "  %-8s", what);
	for (size_t i = 0; i < n; i++) {
		char buf[32];
		format_float(buf, v[i], 4);
		if (labels)
			fprintf(stderr, " %s:%s", labels[i], buf);
		else
			fprintf(stderr, " %s", buf);
	}
	fputc('\n', stderr);
}

/* --explain: the first steps of one sequence, from the record the decoder kept. */
static void explain(const AttnDecoderWeights *w, const AttnDecoderRecord *rec, const float *align, const Tensor *y,
		    const Tensor *memory, size_t T, size_t S)
{
	static const char *const score_names[] = { [SCORE_ADDITIVE] = "additive v^T tanh(W1 s + W2 h_j)",
						    [SCORE_GENERAL] = "general s^T W h_j",
						    [SCORE_DOT] = "dot s^T h_j" };
	for (size_t t = 0; t < T && t < (size_t)explain_steps; t++) {
		char name[64];
		fprintf(stderr, "step %zu: input y_%zu%s%s, score %s\n", t + 1, t, y->row_labels ? " = " : "",
			y->row_labels ? y->row_labels[t] : "", score_names[w->score]);
		snprintf(name, sizeof(name), "s_%zu", t);
		explain_row(name, rec->prev + t * w->H, w->H, NULL);
		snprintf(name, sizeof(name), "e_%zu", t + 1);
		explain_row(name, rec->scores + t * S, S, memory->row_labels);
		snprintf(name, sizeof(name), "a_%zu", t + 1);
		explain_row(name, align + t * S, S, memory->row_labels);
		snprintf(name, sizeof(name), "c_%zu", t + 1);
		explain_row(name, rec->contexts + t * w->Dm, w->Dm, NULL);
	}
}

static int decode(const char *path)
{
	StreamReader *in = stream_open(path), *mem = stream_open(memory_path);
	StreamWriter *attn = attn_path ? writer_open(attn_path, &common.out) : NULL;
	Params params = { 0 };
	AttnDecoderWeights w = { 0 };
	size_t E = 0, Dm = 0;
	Tensor *y, *memory;

	while (stream_read(in, &y)) {
		size_t T = tensor_rows(y), S, H;
		size_t index = stream_count(in) - 1;
		float *work, *s0, *align;
		AttnDecoderRecord rec;
		Tensor *out, *a;

		require_matrix(y, path);
		if (!stream_read(mem, &memory))
			die("%s: no encoder states for tensor #%zu of %s", memory_path, index, path);
		require_matrix(memory, memory_path);
		S = tensor_rows(memory);
		if (params.count == 0) {
			E = tensor_cols(y);
			Dm = tensor_cols(memory);
			H = hidden ? hidden : Dm;
			if (score == SCORE_DOT && H != Dm)
				usage_error("--score dot compares s with h_j: --hidden %zu must equal the memory width %zu",
					    H, Dm);
			attn_decoder_declare(&params, &w, "", arch, score, E, Dm, H, attn_hidden ? attn_hidden : H);
			params_fill(&params, &common.params);
		}
		H = w.H;
		if (tensor_cols(y) != E)
			die("%s: tensor #%zu has %zu features, the first had %zu", path, index, tensor_cols(y), E);
		if (tensor_cols(memory) != Dm)
			die("%s: tensor #%zu has %zu features, the first had %zu", memory_path, index,
			    tensor_cols(memory), Dm);
		if (!init_zeros && H != Dm)
			die("%s: --init last starts from the last encoder state, of width %zu, but --hidden is %zu "
			    "(use --init zeros)", memory_path, Dm, H);

		work = xmalloc(xmul(attn_decoder_forward_work_size(&w, S) + H, sizeof(float), "work"));
		s0 = work + attn_decoder_forward_work_size(&w, S);
		if (init_zeros)
			memset(s0, 0, H * sizeof(float));
		else
			memcpy(s0, memory->data + (S - 1) * Dm, H * sizeof(float));
		out = tensor_new2(T, H);
		a = tensor_new2(T, S);
		align = a->data;
		rec.prev = xmalloc(xmul(xmul(T, H + S + Dm, "record"), sizeof(float), "record"));
		rec.scores = rec.prev + T * H;
		rec.contexts = rec.scores + T * S;
		attn_decoder_forward(out->data, align, explain_steps > 0 ? &rec : NULL, work, &w, y->data,
				     memory->data, s0, T, S);
		if (explain_steps > 0)
			explain(&w, &rec, align, y, memory, T, S);
		tensor_keep_rows(out, y);
		stream_write(stdout, out, &common.out);
		if (attn) {
			/* rows = output steps (the query labels), columns = input tokens (the key labels) */
			tensor_keep_rows(a, y);
			tensor_set_col_labels(a, memory->row_labels);
			writer_put(attn, a);
		}
		free(rec.prev);
		free(work);
		tensor_free(a);
		tensor_free(out);
		tensor_free(memory);
		tensor_free(y);
	}
	writer_close(attn);
	stream_close(mem);
	stream_close(in);
	params_free(&params);
	return 0;
}

int main(int argc, char **argv)
{
	const char *command, *path;
	int c, status;

	set_progname(argv[0]);
	common_init(&common);
	if (argc > 1 && (strcmp(argv[1], "encode") == 0 || strcmp(argv[1], "decode") == 0)) {
		command = argv[1];
		argv[1] = argv[0];
		argv++, argc--;
	} else if (argc > 1 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
				strcmp(argv[1], "--version") == 0)) {
		command = ""; /* --help and --version: common_option prints and exits */
	} else {
		usage_error("expected a command: rnn encode or rnn decode");
	}
	while ((c = getopt_long(argc, argv, OUTPUT_SHORT_OPTIONS, long_options, NULL)) != -1) {
		if (common_option(&common, c, optarg, usage_text))
			continue;
		switch (c) {
		case OPT_ARCH:
			if (!rnn_kind_parse(optarg, &arch))
				usage_error("--arch: '%s' is not rnn, gru or lstm", optarg);
			break;
		case OPT_HIDDEN:
			hidden = (size_t)parse_long(optarg, "--hidden", 1, 1 << 20);
			break;
		case OPT_LAYERS:
			layers = (size_t)parse_long(optarg, "--layers", 1, 1000);
			break;
		case OPT_BIDIRECTIONAL:
			bidirectional = true;
			break;
		case OPT_LAST:
			last_only = true;
			break;
		case OPT_OVER_TIME:
			over_time = true;
			break;
		case OPT_MEMORY:
			memory_path = optarg;
			break;
		case OPT_SCORE:
			if (strcmp(optarg, "additive") == 0)
				score = SCORE_ADDITIVE;
			else if (strcmp(optarg, "general") == 0)
				score = SCORE_GENERAL;
			else if (strcmp(optarg, "dot") == 0)
				score = SCORE_DOT;
			else
				usage_error("--score: '%s' is not additive, general or dot", optarg);
			break;
		case OPT_ATTN_HIDDEN:
			attn_hidden = (size_t)parse_long(optarg, "--attn-hidden", 1, 1 << 20);
			break;
		case OPT_INIT:
			if (strcmp(optarg, "last") != 0 && strcmp(optarg, "zeros") != 0)
				usage_error("--init: '%s' is neither last nor zeros", optarg);
			init_zeros = strcmp(optarg, "zeros") == 0;
			break;
		case OPT_ATTN:
			attn_path = optarg;
			break;
		case OPT_EXPLAIN:
			explain_steps = optarg ? parse_long(optarg, "--explain", 1, 1000000) : 2;
			break;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc > 1)
		usage_error("one input at most (got %d)", argc);
	path = argc ? argv[0] : "-";

	if (strcmp(command, "encode") == 0) {
		if (memory_path || score != SCORE_ADDITIVE || attn_hidden || init_zeros || explain_steps > 0)
			usage_error("--memory, --score, --attn-hidden, --init and --explain are decode's options");
		status = encode(path);
	} else {
		if (layers != 1 || bidirectional || last_only || over_time)
			usage_error("--layers, --bidirectional, --last and --over-time are encode's options");
		if (!memory_path)
			usage_error("decode needs --memory FILE (the encoder states)");
		status = decode(path);
	}
	close_stdout();
	return status;
}
