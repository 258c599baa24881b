/* decode: the Transformer decoder (Vaswani et al. 2017, section 3.1), teacher-forced or generating. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "mask.h"
#include "opts.h"
#include "seq2seq.h"
#include "stream.h"
#include "tensor.h"
#include "transformer.h"

static const char usage_text[] =
	"usage: decode [--arch transformer] --memory FILE [--layers N] [--heads H] [--ff F]\n"
	"              [--activation relu|gelu] [--norm-first] [--final-norm] [--eps X] [--no-pad-mask]\n"
	"              [--attn FILE] [--self-attn FILE] [--prefix P] [--weights FILE.npz | --seed N]\n"
	"              [--save-weights FILE.npz] [-b | --npy] [--digits N] [FILE]\n"
	"       decode --arch rnn|gru|lstm --memory FILE [--hidden H] [--score additive|general|dot]\n"
	"              [--attn-hidden Hd] [--init last|zeros] [--attn FILE] [--explain[=N]] [--prefix P]\n"
	"              [--weights FILE.npz | --seed N] [--save-weights FILE.npz] [-b | --npy] [--digits N]\n"
	"              [FILE]\n"
	"\n"
	"The decoder of \"Attention Is All You Need\", teacher-forced: on each T x E tensor of target\n"
	"embeddings in FILE (default: standard input) and the S x E encoder output of --memory, N layers of\n"
	"masked self-attention, encoder-decoder attention and feed-forward, each with a residual connection\n"
	"and LayerNorm. Writes T x E, row labels kept. The same numbers and parameter names as PyTorch's\n"
	"nn.TransformerDecoder(nn.TransformerDecoderLayer(E, H, F, batch_first=True), N) with the causal mask.\n"
	"With --arch rnn, gru or lstm, the attention decoder of the RNN seq2seq (docs/rnn-seq2seq.md): at step t,\n"
	"e_tj = score(s_{t-1}, h_j), a_t = softmax(e_t), c_t = sum_j a_tj h_j, s_t = cell([y_{t-1}; c_t], s_{t-1}),\n"
	"output o_t = tanh(W_out [s_t; c_t] + b_out) (T x H).\n"
	"\n"
	"      --arch A            transformer (the default), rnn (tanh), gru or lstm\n"
	"      --memory FILE       the encoder output: one S x E tensor per target tensor, or one for all\n"
	"      --layers N          decoder layers (default 6, the paper's)\n"
	"      --heads H           attention heads; E must be divisible by H (default 8)\n"
	"      --ff F              feed-forward width d_ff (default 4 E, the paper's 2048 / 512)\n"
	"      --activation A      relu (the paper's, default) or gelu\n"
	"      --norm-first        pre-norm: x + Sublayer(LayerNorm(x)); default post-norm LayerNorm(x + Sublayer(x))\n"
	"      --final-norm        a LayerNorm after the last layer (parameters norm.weight, norm.bias)\n"
	"      --eps X             LayerNorm's epsilon (default 1e-5)\n"
	"      --no-pad-mask       attend to positions labelled <pad> too (blocked by default)\n"
	"      --attn FILE         write the encoder-decoder attention, one N x H x T x S tensor per input\n"
	"                          (rnn: the alignment a, T x S; every row sums to 1)\n"
	"      --self-attn FILE    write the masked self-attention, one N x H x T x T tensor per input\n"
	"      --hidden H          rnn: the state width (default: the memory's width)\n"
	"      --score F           rnn: additive (Bahdanau, default), general or dot (Luong)\n"
	"      --attn-hidden Hd    rnn: the additive score's width (default H)\n"
	"      --init I            rnn: s_0 = the memory's last row (last, default) or zeros\n"
	"      --explain[=N]       rnn: s_{t-1}, scores, weights and context of the first N steps (default 2),\n"
	"                          on stderr\n"
	"      --prefix P          read parameters named P<name>, e.g. decoder. in a whole nn.Transformer\n"
	"      --weights FILE.npz  parameters by PyTorch's state_dict() names (layers.0.multihead_attn.in_proj_weight ...)\n"
	"      --seed N            random parameters by PyTorch's init rules (default seed 1)\n"
	"      --save-weights FILE.npz  save the parameters used\n"
	"  -b, --binary            write the binary form\n"
	"      --npy               write .npy arrays\n"
	"      --digits N          round text output to N significant digits\n"
	"  -h, --help              this help\n"
	"      --version           the version\n";

enum {
	OPT_ARCH = OPT_PROGRAM,
	OPT_MEMORY,
	OPT_LAYERS,
	OPT_HEADS,
	OPT_FF,
	OPT_ACTIVATION,
	OPT_NORM_FIRST,
	OPT_FINAL_NORM,
	OPT_EPS,
	OPT_NO_PAD_MASK,
	OPT_ATTN,
	OPT_SELF_ATTN,
	OPT_PREFIX,
	OPT_HIDDEN,
	OPT_SCORE,
	OPT_ATTN_HIDDEN,
	OPT_INIT,
	OPT_EXPLAIN,
};

static const struct option long_options[] = {
	OUTPUT_LONG_OPTIONS,
	PARAM_LONG_OPTIONS,
	{ "arch", required_argument, NULL, OPT_ARCH },
	{ "memory", required_argument, NULL, OPT_MEMORY },
	{ "layers", required_argument, NULL, OPT_LAYERS },
	{ "heads", required_argument, NULL, OPT_HEADS },
	{ "ff", required_argument, NULL, OPT_FF },
	{ "activation", required_argument, NULL, OPT_ACTIVATION },
	{ "norm-first", no_argument, NULL, OPT_NORM_FIRST },
	{ "final-norm", no_argument, NULL, OPT_FINAL_NORM },
	{ "eps", required_argument, NULL, OPT_EPS },
	{ "no-pad-mask", no_argument, NULL, OPT_NO_PAD_MASK },
	{ "attn", required_argument, NULL, OPT_ATTN },
	{ "self-attn", required_argument, NULL, OPT_SELF_ATTN },
	{ "prefix", required_argument, NULL, OPT_PREFIX },
	{ "hidden", required_argument, NULL, OPT_HIDDEN },
	{ "score", required_argument, NULL, OPT_SCORE },
	{ "attn-hidden", required_argument, NULL, OPT_ATTN_HIDDEN },
	{ "init", required_argument, NULL, OPT_INIT },
	{ "explain", optional_argument, NULL, OPT_EXPLAIN },
	{ NULL, 0, NULL, 0 },
};

static CommonOptions common;
static MaskSource masks;
static TransformerConfig cfg = { .N = 6, .H = 8, .activation = ACT_RELU, .eps = 1e-5f };
static const char *memory_path, *attn_path, *self_attn_path;
/* --arch rnn|gru|lstm (lib/seq2seq); the last option given that belongs to the other kind of decoder */
static bool recurrent;
static RnnDecodeOptions rnn = { .score = SCORE_ADDITIVE };
static const char *transformer_only, *rnn_only;

/* The next memory tensor: one per target tensor, or a single one for all. */
static Tensor *next_memory(StreamReader *r, Tensor *prev)
{
	Tensor *t;

	if (stream_read(r, &t)) {
		tensor_free(prev);
		return t;
	}
	if (stream_count(r) == 1)
		return prev;
	die("%s: holds %zu tensors, the input more; give one per target tensor, or one for all", stream_path(r),
	    stream_count(r));
}

static char **row_labels(const Tensor *t)
{
	return t->ndim >= 2 ? t->row_labels : NULL;
}

/* Write weights[N,H,T,S] with the query's and the keys' labels. */
static void put_attention(StreamWriter *w, const float *weights, const Tensor *q, const Tensor *k, const char *name)
{
	size_t shape[4] = { cfg.N, cfg.H, tensor_rows(q), tensor_rows(k) };
	Tensor *a = tensor_new(4, shape);

	memcpy(a->data, weights, a->size * sizeof(float));
	tensor_keep_rows(a, q);
	tensor_set_col_labels(a, row_labels(k));
	tensor_set_name(a, name);
	writer_put(w, a);
	tensor_free(a);
}

/* The Transformer decoder, teacher-forced, over every tensor of in against the memory tensors. */
static void decode_transformer(StreamReader *in, StreamReader *mem_in, StreamWriter *attn_out,
			       StreamWriter *self_out)
{
	Params params = { 0 };
	Transformer m;
	Tensor *y, *mem = NULL;
	float *work = NULL, *cross = NULL, *self = NULL;
	unsigned char *self_allowed = NULL, *cross_allowed = NULL;

	while (stream_read(in, &y)) {
		size_t T = tensor_rows(y), E = tensor_cols(y), S, H = cfg.H;
		char shape[TENSOR_SHAPE_STR];
		if (y->ndim > 2)
			die("%s: tensor #%zu is %s: the decoder reads positions x d_model", stream_path(in),
			    stream_count(in) - 1, tensor_shape_str(y, shape));
		if (stream_count(in) == 1) {
			/* d_model comes from the first tensor; the parameters' shapes follow from it */
			cfg.E = E;
			if (cfg.F == 0)
				cfg.F = xmul(4, E, "--ff");
			transformer_declare(&params, &m, &cfg, true, "");
			params_fill(&params, &common.params);
		} else if (E != cfg.E) {
			die("%s: tensor #%zu is %zu wide, the first was %zu (d_model)", stream_path(in),
			    stream_count(in) - 1, E, cfg.E);
		}
		mem = next_memory(mem_in, mem);
		S = tensor_rows(mem);
		if (mem->ndim > 2 || tensor_cols(mem) != E)
			die("%s: memory is %s, expected S x %zu (d_model of the target)", stream_path(mem_in),
			    tensor_shape_str(mem, shape), E);
		/* buffers sized for this pair (the work is O(T (T + S)) anyway) */
		work = xrealloc(work, xmul(decoder_work_size(&m, T, S), sizeof(float), "work"));
		self_allowed = xrealloc(self_allowed, xmul(T, T, "mask"));
		cross_allowed = xrealloc(cross_allowed, xmul(T, S, "mask"));
		if (attn_out)
			cross = xrealloc(cross, xmul(xmul(cfg.N * H, xmul(T, S, "attn"), "attn"), sizeof(float), "attn"));
		if (self_out)
			self = xrealloc(self, xmul(xmul(cfg.N * H, xmul(T, T, "attn"), "attn"), sizeof(float), "attn"));
		bool self_masked = mask_build(self_allowed, &masks, row_labels(y), T, T);
		bool cross_masked = mask_build(cross_allowed, &masks, row_labels(mem), T, S);
		size_t empty = decoder_forward(y->data, self, cross, work, &m, mem->data, self_masked ? self_allowed : NULL,
					       cross_masked ? cross_allowed : NULL, T, S);
		if (empty)
			warning("%s: tensor #%zu: %zu rows had every key blocked (all <pad>?): their attention is 0",
				stream_path(in), stream_count(in) - 1, empty / H);
		tensor_require_finite(y, "output");
		stream_write(stdout, y, &common.out);
		if (attn_out)
			put_attention(attn_out, cross, y, mem, "cross-attention");
		if (self_out)
			put_attention(self_out, self, y, y, "self-attention");
		tensor_free(y);
	}
	tensor_free(mem);
	free(work);
	free(cross);
	free(self);
	free(self_allowed);
	free(cross_allowed);
	transformer_free(&m);
	params_free(&params);
}

int main(int argc, char **argv)
{
	const char *input = "-";
	StreamReader *in, *mem_in;
	StreamWriter *attn_out = NULL, *self_out = NULL;
	int c;

	set_progname(argv[0]);
	common_init(&common);
	mask_init(&masks);
	while ((c = getopt_long(argc, argv, OUTPUT_SHORT_OPTIONS, long_options, NULL)) != -1) {
		if (common_option(&common, c, optarg, usage_text))
			continue;
		switch (c) {
		case OPT_ARCH:
			recurrent = rnn_kind_parse(optarg, &rnn.kind);
			if (!recurrent && strcmp(optarg, "transformer") != 0)
				usage_error("--arch: '%s' is not an architecture (transformer, rnn, gru, lstm)", optarg);
			break;
		case OPT_MEMORY:
			memory_path = optarg;
			break;
		case OPT_LAYERS:
			transformer_only = "--layers";
			cfg.N = (size_t)parse_long(optarg, "--layers", 1, 1000);
			break;
		case OPT_HEADS:
			transformer_only = "--heads";
			cfg.H = (size_t)parse_long(optarg, "--heads", 1, 65536);
			break;
		case OPT_FF:
			transformer_only = "--ff";
			cfg.F = (size_t)parse_long(optarg, "--ff", 1, 1 << 24);
			break;
		case OPT_ACTIVATION:
			transformer_only = "--activation";
			if (!activation_parse(&cfg.activation, optarg))
				usage_error("--activation: '%s' is not relu or gelu", optarg);
			break;
		case OPT_NORM_FIRST:
			transformer_only = "--norm-first";
			cfg.norm_first = true;
			break;
		case OPT_FINAL_NORM:
			transformer_only = "--final-norm";
			cfg.final_norm = true;
			break;
		case OPT_EPS:
			transformer_only = "--eps";
			cfg.eps = (float)parse_double(optarg, "--eps", 1e-12, 1.0);
			break;
		case OPT_NO_PAD_MASK:
			transformer_only = "--no-pad-mask";
			masks.pad = false;
			break;
		case OPT_ATTN:
			attn_path = optarg;
			break;
		case OPT_SELF_ATTN:
			transformer_only = "--self-attn";
			self_attn_path = optarg;
			break;
		case OPT_PREFIX:
			common.params.prefix = optarg;
			break;
		case OPT_HIDDEN:
			rnn.hidden = (size_t)parse_long(optarg, "--hidden", 1, 1 << 20);
			rnn_only = "--hidden";
			break;
		case OPT_SCORE:
			if (!rnn_score_parse(optarg, &rnn.score))
				usage_error("--score: '%s' is not additive, general or dot", optarg);
			rnn_only = "--score";
			break;
		case OPT_ATTN_HIDDEN:
			rnn.attn_hidden = (size_t)parse_long(optarg, "--attn-hidden", 1, 1 << 20);
			rnn_only = "--attn-hidden";
			break;
		case OPT_INIT:
			if (strcmp(optarg, "last") != 0 && strcmp(optarg, "zeros") != 0)
				usage_error("--init: '%s' is neither last nor zeros", optarg);
			rnn.init_zeros = strcmp(optarg, "zeros") == 0;
			rnn_only = "--init";
			break;
		case OPT_EXPLAIN:
			rnn.explain = optarg ? (size_t)parse_long(optarg, "--explain", 1, 1000000) : 2;
			rnn_only = "--explain";
			break;
		}
	}
	if (optind < argc)
		input = argv[optind++];
	if (optind < argc)
		usage_error("one input file at most; extra argument '%s'", argv[optind]);
	if (!memory_path)
		usage_error("--memory FILE is required (the encoder output)");

	if (recurrent && transformer_only)
		usage_error("%s is an option of the Transformer, not of --arch %s", transformer_only,
			    rnn_kind_name(rnn.kind));
	if (!recurrent && rnn_only)
		usage_error("%s is an option of --arch rnn, gru or lstm", rnn_only);

	in = stream_open(input);
	mem_in = stream_open(memory_path);
	if (attn_path)
		attn_out = writer_open(attn_path, &common.out);
	if (self_attn_path)
		self_out = writer_open(self_attn_path, &common.out);
	if (recurrent)
		rnn_decode_stream(in, mem_in, stdout, attn_out, &rnn, &common.params, &common.out);
	else
		decode_transformer(in, mem_in, attn_out, self_out);
	if (attn_out)
		writer_close(attn_out);
	if (self_out)
		writer_close(self_out);
	stream_close(in);
	stream_close(mem_in);
	mask_free(&masks);
	close_stdout();
	return 0;
}
