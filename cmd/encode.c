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
	"              [--norm-first] [--final-norm] [--eps X] [--mask FILE] [--additive-mask FILE]\n"
	"              [--no-pad-mask] [--attn FILE] [--prefix P]\n"
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
	"With --arch rnn, gru or lstm: the recurrent encoder of the RNN seq2seq (docs/rnn-seq2seq.md), every\n"
	"hidden state (T x D*H) as torch.nn.RNN / GRU / LSTM with N layers (default 1).\n"
	"\n"
	TRANSFORMER_USAGE
	"      --mask FILE         T x T tensor: 1 = may attend, 0 = blocked (PyTorch's mask, as bool)\n"
	"      --additive-mask FILE  PyTorch's float mask: 0 = attend, -inf (or <= -1e9) = blocked\n"
	"      --no-pad-mask       let positions attend to keys labelled <pad> (blocked by default)\n"
	RNN_ENCODE_USAGE
	"      --attn FILE         write the attention weights, one N x H x T x T tensor per input\n"
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
	OPT_ATTN = OPT_PROGRAM,
	OPT_PREFIX,
};

static const struct option long_options[] = {
	OUTPUT_LONG_OPTIONS,
	PARAM_LONG_OPTIONS,
	TRANSFORMER_LONG_OPTIONS,
	RNN_ENCODE_LONG_OPTIONS,
	MASK_LONG_OPTIONS,
	{ "attn", required_argument, NULL, OPT_ATTN },
	{ "prefix", required_argument, NULL, OPT_PREFIX },
	{ NULL, 0, NULL, 0 },
};

static CommonOptions common;
static MaskSource masks;
static TransformerConfig cfg;
static const char *attn_path;
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
	unsigned char *allowed = NULL;
	size_t have_T = 0;

	while (stream_read(in, &x)) {
		size_t T = tensor_rows(x), H = cfg.H;
		transformer_for_input(&params, &m, &cfg, false, &common.params, x, stream_path(in),
				      stream_count(in) - 1);
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
	int c, index = 0;

	set_progname(argv[0]);
	common_init(&common);
	mask_init(&masks);
	transformer_defaults(&cfg);
	while ((c = getopt_long(argc, argv, OUTPUT_SHORT_OPTIONS, long_options, &index)) != -1) {
		if (common_option(&common, c, optarg, usage_text))
			continue;
		if (c == OPT_ARCH && (recurrent = rnn_kind_parse(optarg, &rnn.kind)))
			continue;
		if (rnn_encode_option(&rnn, c, optarg)) {
			rnn_only = long_options[index].name;
			continue;
		}
		if (transformer_option(&cfg, NULL, c, optarg) || mask_option(&masks, c, optarg)) {
			if (c == OPT_LAYERS)
				rnn.layers = cfg.N;
			else if (c != OPT_ARCH)
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
