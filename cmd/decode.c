/* SPDX-License-Identifier: MIT */
/* decode: the Transformer decoder (Vaswani et al. 2017, section 3.1), teacher-forced or generating. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "explain_attention.h"
#include "explain_transformer.h"
#include "generate.h"
#include "mask.h"
#include "model.h"
#include "opts.h"
#include "rnn.h"
#include "stream.h"
#include "tensor.h"
#include "transformer.h"

static const char usage_text[] =
	"usage: decode [--arch transformer] --memory FILE [--layers N] [--heads H] [--ff F]\n"
	"              [--activation relu|gelu] [--norm-first] [--final-norm] [--eps X] [--final-eps X]\n"
	"              [--norm torch|annotated] [--no-causal] [--tgt-mask FILE | --tgt-additive-mask FILE]\n"
	"              [--memory-mask FILE | --memory-additive-mask FILE] [--no-pad-mask]\n"
	"              [--attn FILE] [--self-attn FILE] [--explain[=N]] [--dump DIR] [--prefix P]\n"
	"              [--weights FILE.npz | --seed N] [--save-weights FILE.npz] [-b | --npy] [--digits N]\n"
	"              [FILE]\n"
	"       decode --generate --weights MODEL.npz [--beam K] [--length-penalty A] [--max-len N]\n"
	"              [--no-cache] [--attn FILE [--attn-layer L] [--attn-head H]] [--scores FILE]\n"
	"              [--src-vocab FILE] [--tgt-vocab FILE] [--tie] [--scale] [--base X]\n"
	"              [--layout interleaved|concat] [--bos] [--eos] [--chars] [model options] [FILE]\n"
	"       decode --arch rnn|gru|lstm --memory FILE [--hidden H] [--score additive|general|dot]\n"
	"              [--attn-hidden Hd] [--init last|zeros] [--attn FILE] [--explain[=N]] [--prefix P]\n"
	"              [--weights FILE.npz | --seed N] [--save-weights FILE.npz] [-b | --npy] [--digits N] [--threads N]\n"
	"              [FILE]\n"
	"\n"
	"The decoder of \"Attention Is All You Need\", teacher-forced: on each T x E tensor of target\n"
	"embeddings in FILE (default: standard input) and the S x E encoder output of --memory, N layers of\n"
	"masked self-attention, encoder-decoder attention and feed-forward, each with a residual connection\n"
	"and LayerNorm. Writes T x E, row labels kept. The same numbers and parameter names as PyTorch's\n"
	"nn.TransformerDecoder(nn.TransformerDecoderLayer(E, H, F, batch_first=True), N) with the causal mask\n"
	"as tgt_mask (--no-causal: without; --tgt-mask and --memory-mask: PyTorch's tgt_mask and memory_mask).\n"
	"\n"
	"With --generate: translation. Reads source text, one sentence per line; embeds and encodes each, then\n"
	"from <s> predicts one token at a time (greedy, or beam search) until </s> or --max-len; writes the\n"
	"target tokens, one line per input line. MODEL.npz holds the whole model: encoder.*, decoder.* (the\n"
	"names of nn.Transformer), src_embed.weight, tgt_embed.weight, generator.weight and .bias, and may\n"
	"hold its settings and vocabularies (docs/transformer.md); an option that contradicts them is an error.\n"
	"\n"
	"With --arch rnn, gru or lstm: the attention decoder of the RNN seq2seq (docs/rnn-seq2seq.md), teacher-\n"
	"forced: at step t, e_tj = score(s_{t-1}, h_j), a_t = softmax(e_t), c_t = sum_j a_tj h_j,\n"
	"s_t = cell([y_{t-1}; c_t], s_{t-1}), and the output o_t = tanh(W_out [s_t; c_t] + b_out) (T x H).\n"
	"\n"
	TRANSFORMER_USAGE
	RNN_DECODE_USAGE
	"      --memory FILE       the encoder output: one S x E tensor per target tensor, or one for all\n"
	"      --no-causal         self-attention sees every target position (no tgt_mask, as PyTorch's default)\n"
	"      --tgt-mask FILE     self-attention mask, T x T (or H x T x T): 1 = may attend, 0 = blocked; with\n"
	"                          the causal mask unless --no-causal (the OPPOSITE of PyTorch's bool tgt_mask)\n"
	"      --tgt-additive-mask FILE  PyTorch's float tgt_mask: added to the scores, -inf = blocked\n"
	"      --memory-mask FILE  encoder-decoder attention mask, T x S (or H x T x S), 1 = may attend\n"
	"      --memory-additive-mask FILE  PyTorch's float memory_mask: added to the scores, -inf = blocked\n"
	"                          (mask files: one tensor for all inputs, or one per input tensor)\n"
	"      --no-pad-mask       attend to positions labelled <pad> too (blocked by default)\n"
	"      --attn FILE         write the encoder-decoder attention, one N x H x T x S tensor per input;\n"
	"                          generating: one L x S tensor per line (output tokens x source tokens)\n"
	"      --self-attn FILE    write the masked self-attention, one N x H x T x T tensor per input\n"
	"      --dump DIR          write every intermediate of the teacher-forced decoder into DIR, one file\n"
	"                          per step, e.g. DIR/layers.0.multihead_attn.weights.txt (H x T x S)\n"
	"      --generate          translate text lines with a whole model (--weights MODEL.npz)\n"
	"      --beam K            beam search with K hypotheses (default 1: greedy)\n"
	"      --length-penalty A  rank finished hypotheses by log P / ((5 + length) / 6)^A (default 0)\n"
	"      --max-len N         at most N output tokens, </s> included (default 100)\n"
	"      --no-cache          recompute the whole prefix every step instead of caching keys and values\n"
	"      --attn-layer L      generation --attn: cross-attention of layer L, from 0 (default: the last)\n"
	"      --attn-head H       generation --attn: head H only (default: the mean over heads)\n"
	"      --scores FILE       generation: the log-probabilities of every step, L x V per line\n"
	"      --src-vocab FILE    source vocabulary, when the model archive has none\n"
	"      --tgt-vocab FILE    target vocabulary, when the model archive has none\n"
	"      --tie               the output projection is tgt_embed.weight (no generator.weight)\n"
	"      --scale             multiply the embeddings by sqrt(d_model), as embed --scale\n"
	"      --base X            sinusoidal encoding base (default 10000)\n"
	"      --layout L          sinusoidal layout: interleaved (default) or concat\n"
	"      --bos, --eos        put <s> before, </s> after each source sentence\n"
	"      --chars             split source lines into characters, not words\n"
	"      --prefix P          read parameters named P<name>, e.g. decoder. in a whole nn.Transformer\n"
	"      --weights FILE.npz  parameters by PyTorch's state_dict() names (layers.0.multihead_attn.in_proj_weight ...)\n"
	"      --seed N            random parameters by PyTorch's init rules (default seed 1)\n"
	"      --save-weights FILE.npz  save the parameters used\n"
	COMMON_USAGE("       ");

enum {
	OPT_MEMORY = OPT_PROGRAM,
	OPT_NO_CAUSAL,
	OPT_TGT_MASK,
	OPT_TGT_ADDITIVE,
	OPT_MEMORY_MASK,
	OPT_MEMORY_ADDITIVE,
	OPT_ATTN,
	OPT_SELF_ATTN,
	OPT_DUMP,
	OPT_PREFIX,
	OPT_GENERATE,
	OPT_BEAM,
	OPT_LENGTH_PENALTY,
	OPT_MAX_LEN,
	OPT_NO_CACHE,
	OPT_ATTN_LAYER,
	OPT_ATTN_HEAD,
	OPT_SCORES,
	OPT_SRC_VOCAB,
	OPT_TGT_VOCAB,
	OPT_TIE,
	OPT_SCALE,
	OPT_BASE,
	OPT_LAYOUT,
	OPT_BOS,
	OPT_EOS,
	OPT_CHARS,
};

static const struct option long_options[] = {
	OUTPUT_LONG_OPTIONS,
	PARAM_LONG_OPTIONS,
	TRANSFORMER_LONG_OPTIONS,
	RNN_DECODE_LONG_OPTIONS,
	{ "memory", required_argument, NULL, OPT_MEMORY },
	/* not MASK_LONG_OPTIONS: a file mask fits only one of the two attentions */
	{ "no-causal", no_argument, NULL, OPT_NO_CAUSAL },
	{ "tgt-mask", required_argument, NULL, OPT_TGT_MASK },
	{ "tgt-additive-mask", required_argument, NULL, OPT_TGT_ADDITIVE },
	{ "memory-mask", required_argument, NULL, OPT_MEMORY_MASK },
	{ "memory-additive-mask", required_argument, NULL, OPT_MEMORY_ADDITIVE },
	{ "no-pad-mask", no_argument, NULL, MASK_OPT_NO_PAD },
	{ "attn", required_argument, NULL, OPT_ATTN },
	{ "self-attn", required_argument, NULL, OPT_SELF_ATTN },
	{ "dump", required_argument, NULL, OPT_DUMP },
	{ "prefix", required_argument, NULL, OPT_PREFIX },
	{ "generate", no_argument, NULL, OPT_GENERATE },
	{ "beam", required_argument, NULL, OPT_BEAM },
	{ "length-penalty", required_argument, NULL, OPT_LENGTH_PENALTY },
	{ "max-len", required_argument, NULL, OPT_MAX_LEN },
	{ "no-cache", no_argument, NULL, OPT_NO_CACHE },
	{ "attn-layer", required_argument, NULL, OPT_ATTN_LAYER },
	{ "attn-head", required_argument, NULL, OPT_ATTN_HEAD },
	{ "scores", required_argument, NULL, OPT_SCORES },
	{ "src-vocab", required_argument, NULL, OPT_SRC_VOCAB },
	{ "tgt-vocab", required_argument, NULL, OPT_TGT_VOCAB },
	{ "tie", no_argument, NULL, OPT_TIE },
	{ "scale", no_argument, NULL, OPT_SCALE },
	{ "base", required_argument, NULL, OPT_BASE },
	{ "layout", required_argument, NULL, OPT_LAYOUT },
	{ "bos", no_argument, NULL, OPT_BOS },
	{ "eos", no_argument, NULL, OPT_EOS },
	{ "chars", no_argument, NULL, OPT_CHARS },
	{ NULL, 0, NULL, 0 },
};

static CommonOptions common;
static MaskSource tgt_masks, memory_masks; /* self-attention's (tgt_mask) and cross-attention's (memory_mask) */
static bool causal = true;
static TransformerConfig cfg;
static const char *memory_path, *attn_path, *self_attn_path, *dump_dir;
/* generation: the model's settings as given on the command line (checked against the archive's) */
static ModelConfig settings;
static bool generating, use_cache = true;
static size_t beam = 1, max_len = 100;
static long attn_layer = -1, attn_head = -1;
static double length_alpha;
static const char *scores_path, *src_vocab_path, *tgt_vocab_path;
static const char *generate_only; /* the first generation option seen, for the error without --generate */
/* --arch rnn|gru|lstm (lib/seq2seq), and an option given that belongs to the other kind of decoder */
static bool recurrent;
static RnnDecodeOptions rnn = { .score = SCORE_ADDITIVE };
static const char *transformer_only, *rnn_only;
/* decode --generate: the whole model (lib/model) */
static Model *model;

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
	Mask self_mask = { .heads = 1 }, cross_mask = { .heads = 1 };
	TraceSink *sink = NULL;

	while (stream_read(in, &y)) {
		size_t T = tensor_rows(y), E = tensor_cols(y), S, H = cfg.H;
		char shape[TENSOR_SHAPE_STR];
		transformer_for_input(&params, &m, &cfg, true, &common.params, y, stream_path(in),
				      stream_count(in) - 1);
		mem = stream_read_paired(mem_in, mem, stream_count(in) - 1);
		S = tensor_rows(mem);
		if (mem->ndim > 2 || tensor_cols(mem) != E)
			die("%s: memory is %s, expected S x %zu (d_model of the target)", stream_path(mem_in),
			    tensor_shape_str(mem, shape), E);
		if (stream_count(in) == 1 && (rnn.explain || dump_dir))
			sink = trace_sink_new(&m, "decoder", rnn.explain, dump_dir, &common.out);
		if (sink)
			trace_sink_begin(sink, stream_count(in) - 1, row_labels(y), row_labels(mem));
		/* buffers sized for this pair (the work is O(T (T + S)) anyway) */
		work = xrealloc(work, xmul(decoder_work_size(&m, T, S), sizeof(float), "work"));
		if (attn_out || sink) /* the trace shows the weights when they are kept */
			cross = xrealloc(cross, xmul(xmul(cfg.N * H, xmul(T, S, "attn"), "attn"), sizeof(float), "attn"));
		if (self_out || sink)
			self = xrealloc(self, xmul(xmul(cfg.N * H, xmul(T, T, "attn"), "attn"), sizeof(float), "attn"));
		bool self_masked = mask_build(&self_mask, &tgt_masks, stream_count(in) - 1, row_labels(y), H, T, T);
		bool cross_masked = mask_build(&cross_mask, &memory_masks, stream_count(in) - 1, row_labels(mem), H, T, S);
		size_t empty = decoder_forward(y->data, self, cross, work, &m, mem->data, self_masked ? &self_mask : NULL,
					       cross_masked ? &cross_mask : NULL, causal, T, S);
		if (empty)
			warning("%s: tensor #%zu: %zu rows had every key blocked (all <pad>, or masked?): their attention is 0",
				stream_path(in), stream_count(in) - 1, empty / H);
		tensor_require_finite(y, "output");
		stream_write(stdout, y, &common.out);
		if (attn_out)
			put_attention(attn_out, cross, y, mem, "cross-attention");
		if (self_out)
			put_attention(self_out, self, y, y, "self-attention");
		tensor_free(y);
	}
	trace_sink_free(sink, &m);
	tensor_free(mem);
	free(work);
	free(cross);
	free(self);
	mask_release(&self_mask);
	mask_release(&cross_mask);
	mask_end(&tgt_masks, stream_count(in));
	mask_end(&memory_masks, stream_count(in));
	transformer_free(&m);
	params_free(&params);
}

/* One sequence y (T x E) against its memory (S x Dm). */
static void decode_rnn_one(FILE *out, StreamWriter *attn, const RnnDecodeOptions *o, const AttnDecoderWeights *w,
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
		explain_attn_decoder(o->explain, w, &rec, a->data, y, memory, o_t->data, T, S);
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

/*
 * The recurrent attention decoder, teacher-forced: every tensor of in (y_0 .. y_{T-1}, T x E) against the
 * next tensor of memory_in (h_1 .. h_S, S x Dm), or its only one; o_1 .. o_T (T x H) on stdout, rows
 * labelled as y; attn (NULL = not wanted) the alignment (T x S).
 */
static void decode_rnn(StreamReader *in, StreamReader *memory_in, StreamWriter *attn, const RnnDecodeOptions *o)
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
			params_fill(&params, &common.params);
		}
		if (tensor_cols(y) != E)
			die("%s: tensor #%zu has %zu features, the first had %zu", stream_path(in), index,
			    tensor_cols(y), E);
		if (tensor_cols(memory) != Dm)
			die("%s: tensor #%zu has %zu features, the first had %zu", stream_path(memory_in), index,
			    tensor_cols(memory), Dm);
		decode_rnn_one(stdout, attn, o, &w, y, memory, &common.out);
		tensor_free(y);
	}
	tensor_free(memory);
	params_free(&params);
}

/* decode --generate: the model at path, read by lib/model, translates every line of input (lib/generate). */
static void generate_lines(Model *m, const char *input, StreamWriter *attn_out, StreamWriter *scores_out)
{
	const GenerateOptions o = { .beam = beam, .max_len = max_len, .alpha = length_alpha, .use_cache = use_cache,
				    .attn_layer = attn_layer, .attn_head = attn_head };
	Generator *g;

	model_read(m, &settings, src_vocab_path, tgt_vocab_path);
	g = generator_new(m, &o);
	generate_stream(input, stdout, attn_out, scores_out, g);
	generator_free(g);
}

/* A generation option without --generate is a usage error; remember the first one seen. */
static void generation_option(const char *name)
{
	if (!generate_only)
		generate_only = name;
}

int main(int argc, char **argv)
{
	const char *input = "-";
	StreamReader *in, *mem_in;
	StreamWriter *attn_out = NULL, *self_out = NULL, *scores_out = NULL;
	int c, index = 0;

	set_progname(argv[0]);
	common_init(&common);
	mask_init(&tgt_masks);
	mask_init(&memory_masks);
	transformer_defaults(&cfg);
	while ((c = options_next(argc, argv, OUTPUT_SHORT_OPTIONS, long_options, &index)) != -1) {
		if (common_option(&common, c, optarg, usage_text))
			continue;
		if (c == TRANSFORMER_OPT_ARCH && (recurrent = rnn_kind_parse(optarg, &rnn.kind))) {
			config_set(&settings, "arch", optarg, "--arch");
			continue;
		}
		if (rnn_decode_option(&rnn, &settings, c, optarg)) {
			if (c != RNN_OPT_EXPLAIN) /* --explain: both decoders */
				rnn_only = long_options[index].name;
			continue;
		}
		if (transformer_option(&cfg, &settings, c, optarg)) {
			if (c != TRANSFORMER_OPT_ARCH)
				transformer_only = long_options[index].name;
			continue;
		}
		switch (c) {
		case MASK_OPT_NO_PAD:
			tgt_masks.pad = memory_masks.pad = false;
			transformer_only = long_options[index].name;
			break;
		case OPT_NO_CAUSAL:
			causal = false;
			transformer_only = long_options[index].name;
			break;
		case OPT_TGT_MASK:
		case OPT_TGT_ADDITIVE:
		case OPT_MEMORY_MASK:
		case OPT_MEMORY_ADDITIVE: {
			MaskSource *to = c == OPT_TGT_MASK || c == OPT_TGT_ADDITIVE ? &tgt_masks : &memory_masks;
			if (c == OPT_TGT_MASK || c == OPT_MEMORY_MASK)
				mask_load(to, optarg);
			else
				mask_load_additive(to, optarg);
			transformer_only = long_options[index].name;
			break;
		}
		case OPT_MEMORY:
			memory_path = optarg;
			break;
		case OPT_ATTN:
			attn_path = optarg;
			break;
		case OPT_SELF_ATTN:
			transformer_only = "self-attn";
			self_attn_path = optarg;
			break;
		case OPT_DUMP:
			transformer_only = "dump";
			dump_dir = optarg;
			break;
		case OPT_PREFIX:
			common.params.prefix = optarg;
			break;
		case OPT_GENERATE:
			generating = true;
			break;
		case OPT_BEAM:
			beam = (size_t)parse_long(optarg, "--beam", 1, 1000);
			generation_option("--beam");
			break;
		case OPT_LENGTH_PENALTY:
			length_alpha = parse_double(optarg, "--length-penalty", 0.0, 10.0);
			generation_option("--length-penalty");
			break;
		case OPT_MAX_LEN:
			max_len = (size_t)parse_long(optarg, "--max-len", 1, 100000);
			generation_option("--max-len");
			break;
		case OPT_NO_CACHE:
			use_cache = false;
			generation_option("--no-cache");
			break;
		case OPT_ATTN_LAYER:
			attn_layer = parse_long(optarg, "--attn-layer", 0, 1000);
			generation_option("--attn-layer");
			break;
		case OPT_ATTN_HEAD:
			attn_head = parse_long(optarg, "--attn-head", 0, 65535);
			generation_option("--attn-head");
			break;
		case OPT_SCORES:
			scores_path = optarg;
			generation_option("--scores");
			break;
		case OPT_SRC_VOCAB:
			src_vocab_path = optarg;
			generation_option("--src-vocab");
			break;
		case OPT_TGT_VOCAB:
			tgt_vocab_path = optarg;
			generation_option("--tgt-vocab");
			break;
		case OPT_TIE:
			config_set(&settings, "tie", "1", "--tie");
			generation_option("--tie");
			break;
		case OPT_SCALE:
			config_set(&settings, "scale", "1", "--scale");
			generation_option("--scale");
			break;
		case OPT_BASE:
			parse_double(optarg, "--base", 1.0, 1e12);
			config_set(&settings, "posenc_base", optarg, "--base");
			generation_option("--base");
			break;
		case OPT_LAYOUT:
			if (!posenc_parse_layout(optarg, &(PosencLayout){ 0 }))
				usage_error("--layout: '%s' is not interleaved or concat", optarg);
			config_set(&settings, "posenc_layout", optarg, "--layout");
			generation_option("--layout");
			break;
		case OPT_BOS:
			config_set(&settings, "bos", "1", "--bos");
			generation_option("--bos");
			break;
		case OPT_EOS:
			config_set(&settings, "eos", "1", "--eos");
			generation_option("--eos");
			break;
		case OPT_CHARS:
			config_set(&settings, "chars", "1", "--chars");
			generation_option("--chars");
			break;
		}
	}
	if (optind < argc)
		input = argv[optind++];
	if (optind < argc)
		usage_error("one input file at most; extra argument '%s'", argv[optind]);
	/* decode --generate: the archive is opened once, here; its config says which architecture it is */
	if (generating && common.params.weights) {
		model = model_open(common.params.weights, &settings);
		recurrent = model->recurrent;
		rnn.kind = model->kind;
	}
	if (recurrent && transformer_only)
		usage_error("--%s is an option of the Transformer, not of --arch %s", transformer_only,
			    rnn_kind_name(rnn.kind));
	if (!recurrent && rnn_only)
		usage_error("--%s is an option of --arch rnn, gru or lstm", rnn_only);
	if (generating) {
		if (memory_path || self_attn_path || common.params.save_weights || *common.params.prefix)
			usage_error("--generate encodes its own source: no --memory, --self-attn, --save-weights or --prefix");
		if (!causal || mask_has_file(&tgt_masks) || mask_has_file(&memory_masks))
			usage_error("--generate predicts one token at a time, each seeing the ones before: no --no-causal "
				    "or file masks");
		if ((attn_layer >= 0 || attn_head >= 0) && !attn_path)
			usage_error("--attn-layer and --attn-head choose what --attn FILE writes: give it");
		if (attn_path)
			attn_out = writer_open(attn_path, &common.out);
		if (scores_path)
			scores_out = writer_open(scores_path, &common.out);
		if (!model)
			usage_error("--generate needs --weights MODEL.npz (the whole model)");
		if (!recurrent && (rnn.explain || dump_dir))
			usage_error("--explain and --dump show the teacher-forced decoder: not with --generate");
		if (recurrent && (!use_cache || attn_layer >= 0 || attn_head >= 0 || rnn.explain))
			usage_error("--no-cache, --attn-layer, --attn-head and --explain are not for a recurrent model's --generate");
		generate_lines(model, input, attn_out, scores_out);
	} else {
		if (generate_only)
			usage_error("%s needs --generate", generate_only);
		if (!memory_path)
			usage_error("--memory FILE is required (the encoder output)");
		in = stream_open(input);
		mem_in = stream_open(memory_path);
		if (attn_path)
			attn_out = writer_open(attn_path, &common.out);
		if (self_attn_path)
			self_out = writer_open(self_attn_path, &common.out);
		if (recurrent)
			decode_rnn(in, mem_in, attn_out, &rnn);
		else
			decode_transformer(in, mem_in, attn_out, self_out);
		stream_end_paired(mem_in, stream_count(in));
		stream_close(in);
		stream_close(mem_in);
	}
	if (attn_out)
		writer_close(attn_out);
	if (self_out)
		writer_close(self_out);
	if (scores_out)
		writer_close(scores_out);
	model_free(model);
	config_free(&settings);
	mask_free(&tgt_masks);
	mask_free(&memory_masks);
	close_stdout();
	return 0;
}
