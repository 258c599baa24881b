/* encode: the Transformer encoder (Vaswani et al. 2017, section 3.1), as torch.nn.TransformerEncoder. */
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
	"usage: encode [--arch transformer] [--layers N] [--heads H] [--ff F] [--activation relu|gelu]\n"
	"              [--norm-first] [--final-norm] [--eps X] [--no-pad-mask] [--attn FILE] [--prefix P]\n"
	"              [--weights FILE.npz | --seed N] [--save-weights FILE.npz] [-b | --npy] [--digits N]\n"
	"              [FILE]\n"
	"       encode --arch rnn|gru|lstm [--hidden H] [--layers N] [--bidirectional] [--last] [--over-time]\n"
	"              [--attn FILE] [--prefix P] [--weights FILE.npz | --seed N] [--save-weights FILE.npz]\n"
	"              [-b | --npy] [--digits N] [FILE]\n"
	"\n"
	"The encoder of \"Attention Is All You Need\" on each T x E tensor of source embeddings in FILE\n"
	"(default: standard input), e.g. from `embed | posenc`: N layers of self-attention and feed-forward,\n"
	"each with a residual connection and LayerNorm. Writes the T x E encoder output (the \"memory\" that\n"
	"decode reads), row labels kept. The same numbers and parameter names as PyTorch's\n"
	"nn.TransformerEncoder(nn.TransformerEncoderLayer(E, H, F, batch_first=True), N).\n"
	"With --arch rnn, gru or lstm, the recurrent encoder of the RNN seq2seq (docs/rnn-seq2seq.md): every\n"
	"hidden state (T x D*H), as torch.nn.RNN / GRU / LSTM (N layers, default 1).\n"
	"\n"
	"      --arch A            transformer (the default), rnn (tanh), gru or lstm\n"
	"      --layers N          encoder layers (default 6, the paper's)\n"
	"      --heads H           attention heads; E must be divisible by H (default 8)\n"
	"      --ff F              feed-forward width d_ff (default 4 E, the paper's 2048 / 512)\n"
	"      --activation A      relu (the paper's, default) or gelu\n"
	"      --norm-first        pre-norm: x + Sublayer(LayerNorm(x)); default post-norm LayerNorm(x + Sublayer(x))\n"
	"      --final-norm        a LayerNorm after the last layer (parameters norm.weight, norm.bias)\n"
	"      --eps X             LayerNorm's epsilon (default 1e-5)\n"
	"      --no-pad-mask       let positions attend to keys labelled <pad> (blocked by default)\n"
	"      --attn FILE         write the attention weights, one N x H x T x T tensor per input\n"
	"                          (rnn: the --over-time weights, T x H)\n"
	"      --hidden H          rnn: the state width (default E)\n"
	"      --bidirectional     rnn: a backward pass too; each row is [forward; backward] (D = 2)\n"
	"      --last              rnn: only the final state [h_T->; h_1<-], the plain seq2seq's context vector\n"
	"      --over-time         rnn: the seeds' LSTM + softmax over time of a dense layer (over_time.weight)\n"
	"      --prefix P          read parameters named P<name>, e.g. encoder. in a whole nn.Transformer\n"
	"      --weights FILE.npz  parameters by PyTorch's state_dict() names (layers.0.self_attn.in_proj_weight ...)\n"
	"      --seed N            random parameters by PyTorch's init rules (default seed 1)\n"
	"      --save-weights FILE.npz  save the parameters used\n"
	"  -b, --binary            write the binary form\n"
	"      --npy               write .npy arrays\n"
	"      --digits N          round text output to N significant digits\n"
	"  -h, --help              this help\n"
	"      --version           the version\n";

enum {
	OPT_ARCH = OPT_PROGRAM,
	OPT_LAYERS,
	OPT_HEADS,
	OPT_FF,
	OPT_ACTIVATION,
	OPT_NORM_FIRST,
	OPT_FINAL_NORM,
	OPT_EPS,
	OPT_NO_PAD_MASK,
	OPT_ATTN,
	OPT_PREFIX,
	OPT_HIDDEN,
	OPT_BIDIRECTIONAL,
	OPT_LAST,
	OPT_OVER_TIME,
};

static const struct option long_options[] = {
	OUTPUT_LONG_OPTIONS,
	PARAM_LONG_OPTIONS,
	{ "arch", required_argument, NULL, OPT_ARCH },
	{ "layers", required_argument, NULL, OPT_LAYERS },
	{ "heads", required_argument, NULL, OPT_HEADS },
	{ "ff", required_argument, NULL, OPT_FF },
	{ "activation", required_argument, NULL, OPT_ACTIVATION },
	{ "norm-first", no_argument, NULL, OPT_NORM_FIRST },
	{ "final-norm", no_argument, NULL, OPT_FINAL_NORM },
	{ "eps", required_argument, NULL, OPT_EPS },
	{ "no-pad-mask", no_argument, NULL, OPT_NO_PAD_MASK },
	{ "attn", required_argument, NULL, OPT_ATTN },
	{ "prefix", required_argument, NULL, OPT_PREFIX },
	{ "hidden", required_argument, NULL, OPT_HIDDEN },
	{ "bidirectional", no_argument, NULL, OPT_BIDIRECTIONAL },
	{ "last", no_argument, NULL, OPT_LAST },
	{ "over-time", no_argument, NULL, OPT_OVER_TIME },
	{ NULL, 0, NULL, 0 },
};

static CommonOptions common;
static MaskSource masks;
static TransformerConfig cfg = { .N = 6, .H = 8, .activation = ACT_RELU, .eps = 1e-5f };
static const char *attn_path;
/* --arch rnn|gru|lstm (lib/seq2seq); the last option given that belongs to the other kind of encoder */
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
	unsigned char *allowed = NULL;
	size_t have_T = 0;

	while (stream_read(in, &x)) {
		size_t T = tensor_rows(x), E = tensor_cols(x), H;
		char shape[TENSOR_SHAPE_STR];
		if (x->ndim > 2)
			die("%s: tensor #%zu is %s: the encoder reads positions x d_model", stream_path(in),
			    stream_count(in) - 1, tensor_shape_str(x, shape));
		if (stream_count(in) == 1) {
			/* d_model comes from the first tensor; the parameters' shapes follow from it */
			cfg.E = E;
			if (cfg.F == 0)
				cfg.F = xmul(4, E, "--ff");
			transformer_declare(&params, &m, &cfg, false, "");
			params_fill(&params, &common.params);
		} else if (E != cfg.E) {
			die("%s: tensor #%zu is %zu wide, the first was %zu (d_model)", stream_path(in),
			    stream_count(in) - 1, E, cfg.E);
		}
		H = cfg.H;
		if (T > have_T) { /* buffers grow to the longest sequence, then serve every later one */
			have_T = T;
			work = xrealloc(work, xmul(encoder_work_size(&m, T), sizeof(float), "work"));
			allowed = xrealloc(allowed, xmul(T, T, "mask"));
			if (attn_out)
				attn = xrealloc(attn, xmul(xmul(cfg.N * H, xmul(T, T, "attn"), "attn"), sizeof(float), "attn"));
		}
		bool masked = mask_build(allowed, &masks, x->ndim >= 2 ? x->row_labels : NULL, T, T);
		size_t empty = encoder_forward(x->data, attn, work, &m, masked ? allowed : NULL, T);
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
	free(work);
	free(attn);
	free(allowed);
	transformer_free(&m);
	params_free(&params);
}

int main(int argc, char **argv)
{
	const char *input = "-";
	StreamReader *in;
	StreamWriter *attn_out = NULL;
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
		case OPT_LAYERS:
			cfg.N = rnn.layers = (size_t)parse_long(optarg, "--layers", 1, 1000);
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
		case OPT_PREFIX:
			common.params.prefix = optarg;
			break;
		case OPT_HIDDEN:
			rnn.hidden = (size_t)parse_long(optarg, "--hidden", 1, 1 << 20);
			rnn_only = "--hidden";
			break;
		case OPT_BIDIRECTIONAL:
			rnn.bidirectional = true;
			rnn_only = "--bidirectional";
			break;
		case OPT_LAST:
			rnn.last = true;
			rnn_only = "--last";
			break;
		case OPT_OVER_TIME:
			rnn.over_time = true;
			rnn_only = "--over-time";
			break;
		}
	}
	if (optind < argc)
		input = argv[optind++];
	if (optind < argc)
		usage_error("one input file at most; extra argument '%s'", argv[optind]);

	if (recurrent && transformer_only)
		usage_error("%s is an option of the Transformer, not of --arch %s", transformer_only,
			    rnn_kind_name(rnn.kind));
	if (!recurrent && rnn_only)
		usage_error("%s is an option of --arch rnn, gru or lstm", rnn_only);
	if (recurrent && rnn_encode_invalid(&rnn, attn_path != NULL))
		usage_error("%s", rnn_encode_invalid(&rnn, attn_path != NULL));

	in = stream_open(input);
	if (attn_path)
		attn_out = writer_open(attn_path, &common.out);
	if (recurrent)
		rnn_encode_stream(in, stdout, attn_out, &rnn, &common.params, &common.out);
	else
		encode_transformer(in, attn_out);
	if (attn_out)
		writer_close(attn_out);
	stream_close(in);
	mask_free(&masks);
	close_stdout();
	return 0;
}
