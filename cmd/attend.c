/* SPDX-License-Identifier: MIT */
/* attend: one attention layer: queries from stdin, keys and values from the same stream or another. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attention.h"
#include "err.h"
#include "explain.h"
#include "explain_attention.h"
#include "linalg.h"
#include "mask.h"
#include "opts.h"
#include "params.h"
#include "sides.h"
#include "stream.h"
#include "tensor.h"

static const char usage_text[] =
	"usage: attend [--score dot|scaled|cosine|general|additive] [--temperature X] [--hidden N]\n"
	"              [--normalize softmax|sigmoid|relu|sparsemax|none]\n"
	"              [--memory FILE | --keys FILE --values FILE] [--project [--dk N] [--dv N] [--bias]]\n"
	"              [--causal] [--mask FILE] [--additive-mask FILE] [--no-pad-mask]\n"
	"              [--rope [--rope-base B] [--offset N]] [--attn FILE] [--scores FILE] [--plain]\n"
	"              [--explain] [--prefix P] [--weights FILE | --seed N] [--save-weights FILE]\n"
	"              [-b | --npy] [--digits N] [--threads N] [FILE]\n"
	"\n"
	"Attention: out = softmax(score(Q, K) + mask) V, one output row per query row.\n"
	"Queries Q: each tensor (T x d) of FILE or stdin. Keys K and values V: the same tensor\n"
	"(self-attention), or --memory (both), or --keys and --values.\n"
	"\n"
	"      --score F          similarity of a query q and a key k:\n"
	"                           dot       q.k\n"
	"                           scaled    q.k / sqrt(d_k)   (the default; paper eq. 1)\n"
	"                           cosine    q.k / (|q| |k|)\n"
	"                           general   q^T W k           (Luong; parameter W [d_q, d_k])\n"
	"                           additive  v^T tanh(W1 q + W2 k)  (Bahdanau; W1 [N, d_q], W2 [N, d_k], v [N])\n"
	"      --temperature X    divide every score by X (any non-zero number; negative reverses; default 1)\n"
	"      --hidden N         additive: the width N of tanh's layer (default d_k)\n"
	"      --normalize N      how scores become weights: softmax (the default; eq. 1), sigmoid or relu\n"
	"                         (each score on its own), sparsemax (rows sum to 1, many weights exactly 0),\n"
	"                         none (the raw scores); blocked keys weigh 0 in every mode\n"
	"      --memory FILE      keys and values from FILE (cross-attention)\n"
	"      --keys FILE        keys from FILE (with --values)\n"
	"      --values FILE      values from FILE (with --keys)\n"
	"      --project          learnable projections, as torch.nn.Linear ([out, in], no bias):\n"
	"                         Q = x q_proj.weight^T, K = keys k_proj.weight^T, V = values v_proj.weight^T\n"
	"      --dk N, --dv N     projected widths (default: the input widths)\n"
	"      --bias             --project with biases (q_proj.bias, k_proj.bias, v_proj.bias)\n"
	"      --causal           query i sees keys 0..i only (the decoder's masked self-attention)\n"
	"      --mask FILE        a T x S tensor: 1 = may attend, 0 = blocked (as the attn_mask of\n"
	"                         F.scaled_dot_product_attention, the OPPOSITE of a bool attn_mask\n"
	"                         or key_padding_mask of nn.MultiheadAttention, where True = blocked)\n"
	"      --additive-mask FILE  PyTorch's float attn_mask, added to the scores: -inf = blocked\n"
	"                         (mask files: one tensor for all query tensors, or one per tensor)\n"
	"      --no-pad-mask      let queries attend to keys labelled <pad> (blocked by default)\n"
	"      --rope             rotate queries and keys by their positions (RoPE, RoFormer)\n"
	"      --rope-base B      RoPE's base (default 10000)\n"
	"      --offset N         position of the first row, for RoPE (default 0)\n"
	"      --attn FILE        write the weights (T x S, rows = queries, columns = keys)\n"
	"      --scores FILE      write the scores before the mask and the softmax (T x S)\n"
	"      --plain            compute through the whole T x S matrix even without --attn or --scores\n"
	"                         (the reference; otherwise a tiled online softmax uses O(T d) memory)\n"
	"      --explain          the computation step by step on stderr (for the first tensor)\n"
	"      --prefix P         read the parameters as P<name>, one layer of a larger archive\n"
	"      --weights FILE     parameters from an .npz (names as above)\n"
	"      --seed N           random parameters, PyTorch's initialisation (default 1)\n"
	"      --save-weights FILE  write the parameters to an .npz\n"
	COMMON_USAGE("      ");

enum {
	OPT_SCORE = OPT_PROGRAM, OPT_TEMPERATURE, OPT_HIDDEN, OPT_PROJECT, OPT_DK, OPT_DV, OPT_BIAS, OPT_SCORES,
	OPT_PLAIN, OPT_EXPLAIN,
};

static const struct option long_options[] = {
	OUTPUT_LONG_OPTIONS,
	PARAM_LONG_OPTIONS,
	{ "score", required_argument, NULL, OPT_SCORE },
	{ "temperature", required_argument, NULL, OPT_TEMPERATURE },
	{ "hidden", required_argument, NULL, OPT_HIDDEN },
	{ "project", no_argument, NULL, OPT_PROJECT },
	{ "dk", required_argument, NULL, OPT_DK },
	{ "dv", required_argument, NULL, OPT_DV },
	{ "bias", no_argument, NULL, OPT_BIAS },
	SIDE_LONG_OPTIONS,
	MASK_LONG_OPTIONS,
	{ "scores", required_argument, NULL, OPT_SCORES },
	{ "plain", no_argument, NULL, OPT_PLAIN },
	{ "explain", no_argument, NULL, OPT_EXPLAIN },
	{ "prefix", required_argument, NULL, STAGE_OPT_PREFIX },
	{ NULL, 0, NULL, 0 },
};

static const char *const score_names[] = { "dot", "scaled", "cosine", "general", "additive" };

static CommonOptions common;
static Scorer scorer = { .kind = SCORE_SCALED, .temperature = 1.0f };
static bool project, bias, plain, explain;
static size_t dk_opt, dv_opt, hidden_opt;
static const char *scores_path;
static Sides sides;
static MaskSource masks;

/* The parameters, declared once the widths are known (from the first tensors). */
static Params params;
static size_t Dq_in, Dk_in, Dv_in; /* widths of the inputs */
static size_t Dq, Dk, Dv;          /* widths after --project */
static float *q_proj_weight, *k_proj_weight, *v_proj_weight; /* [Dq, Dq_in], [Dk, Dk_in], [Dv, Dv_in] */
static float *q_proj_bias, *k_proj_bias, *v_proj_bias;       /* [Dq], [Dk], [Dv] or NULL */

static void add_linear(float **w, float **b, const char *name, size_t out, size_t in)
{
	char full[32];
	size_t shape[2] = { out, in };

	snprintf(full, sizeof(full), "%s.weight", name);
	params_add(&params, w, full, INIT_LINEAR, 0.0, 2, shape);
	if (bias) {
		snprintf(full, sizeof(full), "%s.bias", name);
		params_add(&params, b, full, INIT_UNIFORM, 1.0 / sqrt((double)in), 1, shape);
	}
}

static void declare_params(size_t q_in, size_t k_in, size_t v_in)
{
	Dq_in = q_in, Dk_in = k_in, Dv_in = v_in;
	/* the sizes --weights holds: --dk, --dv of the projections, --hidden of the additive score */
	if (project) {
		params_size(&common.params, "k_proj.weight", 0, &dk_opt, "--dk");
		params_size(&common.params, "v_proj.weight", 0, &dv_opt, "--dv");
		bias = bias || params_source_has(&common.params, "q_proj.bias");
	}
	if (scorer.kind == SCORE_ADDITIVE)
		params_size(&common.params, "W1", 0, &hidden_opt, "--hidden");
	Dq = Dq_in, Dk = Dk_in, Dv = Dv_in;
	if (project) {
		Dq = Dk = dk_opt ? dk_opt : Dq_in;
		Dv = dv_opt ? dv_opt : Dv_in;
		add_linear(&q_proj_weight, &q_proj_bias, "q_proj", Dq, Dq_in);
		add_linear(&k_proj_weight, &k_proj_bias, "k_proj", Dk, Dk_in);
		add_linear(&v_proj_weight, &v_proj_bias, "v_proj", Dv, Dv_in);
	}
	scorer.hidden = hidden_opt ? hidden_opt : Dk;
	scorer_declare(&params, &scorer, "", Dq, Dk);
	params_fill(&params, &common.params);
}

/* A T x d matrix from the stream, or die naming it. */
static void require_matrix(const Tensor *t, const char *path, size_t index)
{
	char buf[TENSOR_SHAPE_STR];

	if (t->ndim > 2)
		die("%s: tensor #%zu is %s: attend takes one sequence (rows x width) per tensor", path, index,
		    tensor_shape_str(t, buf));
}

/* x[T,in] through a Linear into a new [T,out] buffer, or x itself without --project. */
static float *maybe_project(const Tensor *x, const float *w, const float *b, size_t out)
{
	float *y;

	if (!project)
		return x->data;
	y = xmalloc(xmul(xmul(tensor_rows(x), out, "projection"), sizeof(float), "projection"));
	linear(y, x->data, w, b, tensor_rows(x), tensor_cols(x), out);
	return y;
}

static bool has_pad_key(const Tensor *keys)
{
	for (size_t s = 0; keys->row_labels && s < tensor_rows(keys); s++)
		if (strcmp(keys->row_labels[s], PAD_LABEL) == 0)
			return true;
	return false;
}

/*
 * The buffers of the plain attention (lib/attention) for T queries and S keys, in one allocation; raw
 * only when --explain reads it, masked then and when the mask adds a bias (attention() sums there).
 */
static void parts_new(AttentionParts *p, size_t T, size_t S, bool for_explain, bool biased)
{
	const size_t TS = xmul(T, S, "attention"), n = 2 + for_explain + (for_explain || biased);
	float *buf = xmalloc(xmul(xmul(n, TS, "attention") + attention_scores_scratch(&scorer, S, Dk), sizeof(float),
				  "attention"));

	p->scores = buf;
	p->weights = p->scores + TS;
	p->raw = for_explain ? p->weights + TS : NULL;
	p->masked = for_explain || biased ? p->weights + (1 + for_explain) * TS : NULL;
	p->scratch = buf + n * TS;
}

/* Whether out [T, width] is empty and so is the T x S matrix, or it is not wanted. */
static bool nothing_to_compute(size_t T, size_t S, size_t width, bool want_weights)
{
	size_t n;

	return T == 0 || width == 0 ? !want_weights || (size_mul(T, S, &n) && n == 0) : false;
}

/* One attention: x [T, Dq_in] with keys [S, Dk_in] and values [S, Dv_in]; writes out and the side outputs. */
static void attend(const Tensor *x, const Tensor *keys, const Tensor *values, size_t index, StreamWriter *attn,
		   StreamWriter *scores_out)
{
	const size_t T = tensor_rows(x), S = tensor_rows(keys);
	char qs[TENSOR_SHAPE_STR], ks[TENSOR_SHAPE_STR], vs[TENSOR_SHAPE_STR];
	float *q, *k, *v;
	Mask mask = { .heads = 1 };       /* blocked pairs and the additive mask's bias (lib/mask) */
	const bool explaining = explain && index == 0;
	AttentionParts p = { 0 };         /* the plain attention's intermediates */
	float *first = NULL;              /* --explain after the tiled path: the plain output of the first rows */
	const float *explained = NULL;    /* the output --explain shows */
	size_t blocked;
	Tensor *out;

	if (tensor_rows(values) != S)
		die("tensor #%zu: keys are %s but values are %s: they need the same number of rows", index,
		    tensor_shape_str(keys, ks), tensor_shape_str(values, vs));
	if (tensor_cols(x) != Dq_in || tensor_cols(keys) != Dk_in || tensor_cols(values) != Dv_in)
		die("tensor #%zu: queries %s, keys %s, values %s: widths differ from the first tensor's (%zu, %zu, %zu)",
		    index, tensor_shape_str(x, qs), tensor_shape_str(keys, ks), tensor_shape_str(values, vs), Dq_in,
		    Dk_in, Dv_in);
	if (nothing_to_compute(T, S, Dv, attn || scores_out || plain)) {
		/* an empty output and no weights wanted: a "#tensor 1152921504606846976 0" costs no loop */
		out = tensor_new2(T, Dv);
		tensor_keep_rows(out, x);
		stream_write(stdout, out, &common.out);
		tensor_free(out);
		return;
	}
	q = maybe_project(x, q_proj_weight, q_proj_bias, Dq);
	k = maybe_project(keys, k_proj_weight, k_proj_bias, Dk);
	v = maybe_project(values, v_proj_weight, v_proj_bias, Dv);
	if (sides.rope) {
		if (!project) { /* rotate copies: the input stays the values */
			q = memcpy(xmalloc(x->size * sizeof(float)), q, x->size * sizeof(float));
			k = memcpy(xmalloc(keys->size * sizeof(float)), k, keys->size * sizeof(float));
		}
		rope_apply(q, sides.rope_base, sides.rope_offset, T, Dq, Dq);
		rope_apply(k, sides.rope_base, sides.rope_offset, S, Dk, Dk);
	}
	if (mask_has_file(&masks) || (masks.pad && has_pad_key(keys))) {
		mask_build(&mask, &masks, index, keys->ndim >= 2 ? keys->row_labels : NULL, 1, T, S);
		mask_check_labels(&masks, x->ndim >= 2 ? x->row_labels : NULL, keys->ndim >= 2 ? keys->row_labels : NULL,
				  T, S);
	}

	out = tensor_new2(T, Dv);
	tensor_keep_rows(out, x);
	if (!project)
		tensor_set_col_labels(out, values->col_labels);
	if (attn || scores_out || plain || scorer.normalize != NORMALIZE_SOFTMAX) {
		/* the plain attention (the tiled path knows only the softmax): the whole T x S matrix, every intermediate kept (--explain reads them) */
		Tensor *w = tensor_new2(T, S);
		parts_new(&p, T, S, explaining, mask.bias != NULL);
		blocked = attention(out->data, &p, &scorer, q, k, v, mask.allowed, mask.bias, sides.causal, T, S, Dq, Dk,
				    Dv);
		explained = out->data;
		tensor_set_row_labels(w, x->ndim >= 2 ? x->row_labels : NULL);
		tensor_set_col_labels(w, keys->ndim >= 2 ? keys->row_labels : NULL);
		if (scores_out) {
			memcpy(w->data, p.scores, w->size * sizeof(float));
			tensor_set_name(w, "scores");
			tensor_require_finite(w, "scores");
			writer_put(scores_out, w);
		}
		memcpy(w->data, p.weights, w->size * sizeof(float));
		tensor_set_name(w, sides_attn_name(&sides));
		tensor_require_finite(w, "attention weights");
		if (attn)
			writer_put(attn, w);
		tensor_free(w);
	} else {
		float *work = xmalloc(xmul(attention_tiled_work_size(&scorer, Dk, Dv), sizeof(float), "work"));
		blocked = attention_tiled(out->data, work, &scorer, q, k, v, mask.allowed, mask.bias, sides.causal, T, S,
					  Dq, Dk, Dv);
		free(work);
		if (explaining) {
			/* the tiled path holds no weights: the walkthrough follows the plain attention of the first
			 * queries, the rows it shows */
			const size_t n = T < EXPLAIN_MAX_ROWS ? T : EXPLAIN_MAX_ROWS;
			first = xmalloc(xmul(xmul(n, Dv, "explain"), sizeof(float), "explain"));
			parts_new(&p, n, S, true, true);
			attention(first, &p, &scorer, q, k, v, mask.allowed, mask.bias, sides.causal, n, S, Dq, Dk, Dv);
			explained = first;
		}
	}
	if (blocked)
		warning("tensor #%zu: %zu of %zu queries have every key blocked: their output and weights are 0",
			index, blocked, T);
	if (explaining)
		explain_attention(&(AttendInputs){ .x = x, .keys = keys, .values = values, .q = q, .k = k, .v = v, .Dq = Dq,
					   .Dk = Dk, .Dv = Dv, .projected = project, .rope = sides.rope },
				  &scorer, &p, explained, &mask, sides.causal);
	free(p.scores);
	free(first);
	tensor_require_finite(out, "output");
	stream_write(stdout, out, &common.out);
	tensor_free(out);
	mask_release(&mask);
	if (q != x->data)
		free(q);
	if (k != keys->data)
		free(k);
	if (v != values->data)
		free(v);
}

int main(int argc, char **argv)
{
	const char *input = "-";
	StreamReader *in;
	StreamWriter *scores_out = NULL;
	Tensor *x;
	int c;

	set_progname(argv[0]);
	common_init(&common);
	sides_init(&sides);
	mask_init(&masks);
	while ((c = options_next(argc, argv, OUTPUT_SHORT_OPTIONS, long_options, NULL)) != -1) {
		if (common_option(&common, c, optarg, usage_text) || side_option(&sides, c, optarg) ||
		    mask_option(&masks, c, optarg) || stage_option(&common, NULL, c, optarg))
			continue;
		switch (c) {
		case OPT_SCORE: {
			size_t i = 0;
			while (i < 5 && strcmp(optarg, score_names[i]) != 0)
				i++;
			if (i == 5)
				usage_error("--score: '%s' is not one of dot, scaled, cosine, general, additive", optarg);
			scorer.kind = (ScoreKind)i;
			break;
		}
		case OPT_TEMPERATURE:
			/* any finite non-zero number, negative too (Keras learns its scale 1/X freely) */
			scorer.temperature = (float)parse_double(optarg, "--temperature", -FLT_MAX, FLT_MAX);
			if (!isnormal(scorer.temperature) || !isfinite(1.0f / scorer.temperature))
				usage_error("--temperature: %s: every score is divided by it; 0 (or so near it) "
					    "cannot be", optarg);
			break;
		case OPT_HIDDEN:
			hidden_opt = (size_t)parse_long(optarg, "--hidden", 1, 1 << 20);
			break;
		case OPT_PROJECT:
			project = true;
			break;
		case OPT_DK:
			dk_opt = (size_t)parse_long(optarg, "--dk", 1, 1 << 20);
			break;
		case OPT_DV:
			dv_opt = (size_t)parse_long(optarg, "--dv", 1, 1 << 20);
			break;
		case OPT_BIAS:
			bias = true;
			break;
		case OPT_SCORES:
			scores_path = optarg;
			break;
		case OPT_PLAIN:
			plain = true;
			break;
		case OPT_EXPLAIN:
			explain = true;
			break;
		}
	}
	if (optind < argc)
		input = argv[optind++];
	if (optind < argc)
		usage_error("one input at most (queries); keys and values come with --memory or --keys/--values");
	sides_check(&sides, input, SIDES_PAIRED);
	scorer.normalize = sides.normalize;
	if ((dk_opt || dv_opt || bias) && !project)
		usage_error("--dk, --dv and --bias set the projections of --project");
	if (hidden_opt && scorer.kind != SCORE_ADDITIVE)
		usage_error("--hidden is the width of --score additive");

	in = stream_open(input);
	sides_open(&sides, &common.out);
	if (scores_path)
		scores_out = writer_open(scores_path, &common.out);
	while (stream_read(in, &x)) {
		const size_t index = stream_count(in) - 1;
		char qs[TENSOR_SHAPE_STR], ks[TENSOR_SHAPE_STR];
		require_matrix(x, input, index);
		sides_read(&sides, index);
		if (sides.keys)
			require_matrix(sides.k, sides.keys_path, stream_count(sides.keys) - 1);
		if (sides.values)
			require_matrix(sides.v, sides.values_path, stream_count(sides.values) - 1);
		const Tensor *k = sides_keys(&sides, x), *v = sides_values(&sides, x);
		if (index == 0) {
			if ((scorer.kind == SCORE_DOT || scorer.kind == SCORE_SCALED || scorer.kind == SCORE_COSINE) &&
			    !project && tensor_cols(x) != tensor_cols(k))
				die("queries are %s but keys are %s: --score %s needs the same width (use --project or --score general)",
				    tensor_shape_str(x, qs), tensor_shape_str(k, ks), score_names[scorer.kind]);
			declare_params(tensor_cols(x), tensor_cols(k), tensor_cols(v));
			if (sides.rope && (Dq % 2 || Dk % 2))
				die("queries are %zu wide and keys %zu: --rope turns pairs of components, so both must be even",
				    Dq, Dk);
		}
		attend(x, k, v, index, sides.attn, scores_out);
		tensor_free(x);
	}
	sides_close(&sides, stream_count(in));
	mask_end(&masks, stream_count(in));
	if (scores_out)
		writer_close(scores_out);
	stream_close(in);
	mask_free(&masks);
	params_free(&params);
	close_stdout();
	return 0;
}
