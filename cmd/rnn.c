/* rnn: the recurrent encoder (RNN / GRU / LSTM) and the attention decoder of the RNN seq2seq. */
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "opts.h"
#include "seq2seq.h"
#include "stream.h"

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
static RnnEncodeOptions enc = { .kind = RNN_GRU, .layers = 1 };
static RnnDecodeOptions dec = { .kind = RNN_GRU, .score = SCORE_ADDITIVE };
static const char *memory_path, *attn_path;
static bool decoder_option, encoder_option; /* seen an option only the other command takes */

int main(int argc, char **argv)
{
	const char *command = "", *path;
	StreamReader *in;
	StreamWriter *attn;
	int c;

	set_progname(argv[0]);
	common_init(&common);
	if (argc > 1 && (strcmp(argv[1], "encode") == 0 || strcmp(argv[1], "decode") == 0)) {
		command = argv[1];
		argv[1] = argv[0];
		argv++, argc--;
	} else if (!(argc > 1 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
				  strcmp(argv[1], "--version") == 0))) {
		usage_error("expected a command: rnn encode or rnn decode");
	}
	while ((c = getopt_long(argc, argv, OUTPUT_SHORT_OPTIONS, long_options, NULL)) != -1) {
		if (common_option(&common, c, optarg, usage_text))
			continue;
		switch (c) {
		case OPT_ARCH:
			if (!rnn_kind_parse(optarg, &enc.kind))
				usage_error("--arch: '%s' is not rnn, gru or lstm", optarg);
			dec.kind = enc.kind;
			break;
		case OPT_HIDDEN:
			enc.hidden = dec.hidden = (size_t)parse_long(optarg, "--hidden", 1, 1 << 20);
			break;
		case OPT_LAYERS:
			enc.layers = (size_t)parse_long(optarg, "--layers", 1, 1000);
			encoder_option = true;
			break;
		case OPT_BIDIRECTIONAL:
			enc.bidirectional = encoder_option = true;
			break;
		case OPT_LAST:
			enc.last = encoder_option = true;
			break;
		case OPT_OVER_TIME:
			enc.over_time = encoder_option = true;
			break;
		case OPT_MEMORY:
			memory_path = optarg;
			decoder_option = true;
			break;
		case OPT_SCORE:
			if (!rnn_score_parse(optarg, &dec.score))
				usage_error("--score: '%s' is not additive, general or dot", optarg);
			decoder_option = true;
			break;
		case OPT_ATTN_HIDDEN:
			dec.attn_hidden = (size_t)parse_long(optarg, "--attn-hidden", 1, 1 << 20);
			decoder_option = true;
			break;
		case OPT_INIT:
			if (strcmp(optarg, "last") != 0 && strcmp(optarg, "zeros") != 0)
				usage_error("--init: '%s' is neither last nor zeros", optarg);
			dec.init_zeros = strcmp(optarg, "zeros") == 0;
			decoder_option = true;
			break;
		case OPT_ATTN:
			attn_path = optarg;
			break;
		case OPT_EXPLAIN:
			dec.explain = optarg ? (size_t)parse_long(optarg, "--explain", 1, 1000000) : 2;
			decoder_option = true;
			break;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc > 1)
		usage_error("one input at most; extra argument '%s'", argv[1]);
	path = argc ? argv[0] : "-";

	if (strcmp(command, "encode") == 0) {
		const char *invalid = rnn_encode_invalid(&enc, attn_path != NULL);
		if (decoder_option)
			usage_error("--memory, --score, --attn-hidden, --init and --explain are decode's options");
		if (invalid)
			usage_error("%s", invalid);
	} else {
		if (encoder_option)
			usage_error("--layers, --bidirectional, --last and --over-time are encode's options");
		if (!memory_path)
			usage_error("decode needs --memory FILE (the encoder states)");
	}
	in = stream_open(path);
	attn = attn_path ? writer_open(attn_path, &common.out) : NULL;
	if (strcmp(command, "encode") == 0) {
		rnn_encode_stream(in, stdout, attn, &enc, &common.params, &common.out);
	} else {
		StreamReader *memory = stream_open(memory_path);
		rnn_decode_stream(in, memory, stdout, attn, &dec, &common.params, &common.out);
		stream_close(memory);
	}
	writer_close(attn);
	stream_close(in);
	close_stdout();
	return 0;
}
