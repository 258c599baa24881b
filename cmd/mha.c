/* SPDX-License-Identifier: MIT */
/* mha: multi-head attention, numerically the same as torch.nn.MultiheadAttention (batch_first). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "explain_attention.h"
#include "mask.h"
#include "mha.h"
#include "opts.h"
#include "sides.h"
#include "stream.h"
#include "tensor.h"

static const char usage_text[] =
	"usage: mha --heads H [--memory FILE | --keys FILE [--values FILE]] [--kdim N] [--vdim N]\n"
	"           [--no-bias] [--add-bias-kv] [--add-zero-attn] [--causal] [--mask FILE]\n"
	"           [--additive-mask FILE] [--no-pad-mask]\n"
	"           [--rope [--rope-base B] [--offset N]] [--normalize softmax|sigmoid|relu|sparsemax|none]\n"
	"           [--incremental] [--attn FILE [--average]]\n"
	"           [--explain] [--prefix P] [--weights FILE.npz | --seed N] [--save-weights FILE.npz]\n"
	"           [-b | --npy] [--digits N] [--threads N] [FILE]\n"
	"\n"
	"Multi-head attention (Vaswani et al. 2017, section 3.2.2) of each T x E query tensor in FILE\n"
	"(default: standard input): the same parameters, names and numbers as PyTorch's\n"
	"nn.MultiheadAttention(E, H, batch_first=True). Writes T x E, the query's row labels kept.\n"
	"\n"
	"      --heads H           number of heads; E must be divisible by H\n"
	"      --memory FILE       cross-attention: keys = values = the S x E tensors of FILE\n"
	"      --keys FILE         keys (S x kdim), one tensor per query tensor (or one for all)\n"
	"      --values FILE       values (S x vdim); default: the keys\n"
	"      --kdim N            width of the keys when not E (k_proj_weight is E x N)\n"
	"      --vdim N            width of the values when not E (v_proj_weight is E x N)\n"
	"      --no-bias           no in_proj_bias, no out_proj.bias\n"
	"      --add-bias-kv       one more key and value, the parameters bias_k and bias_v (1 x 1 x E each),\n"
	"                          after the projections (PyTorch's add_bias_kv=True)\n"
	"      --add-zero-attn     one more key and value of zeros in every head (add_zero_attn=True)\n"
	"                          (both: every query sees them, whatever the masks; the weights get a column each)\n"
	"      --causal            query t attends to keys 0 .. t only\n"
	"      --mask FILE         T x S tensor: 1 = may attend, 0 = blocked; H x T x S: one per head\n"
	"      --additive-mask FILE  PyTorch's float attn_mask, added to the scores: -inf = blocked\n"
	"                          (mask files: one tensor for all query tensors, or one per tensor)\n"
	"      --no-pad-mask       let queries attend to keys labelled <pad> (blocked by default)\n"
	"      --rope              rotate each head's queries and keys by their positions (RoPE, RoFormer;\n"
	"                          not part of PyTorch's module); E / H must be even\n"
	"      --rope-base B       RoPE's base (default 10000)\n"
	"      --offset N          RoPE: the position of the first row (default 0)\n"
	"      --normalize N       how each head's scores become weights: softmax (the default, PyTorch's),\n"
	"                          sigmoid, relu, sparsemax or none (see attend); blocked keys weigh 0\n"
	"      --incremental       compute as a decoder does, one query at a time through a KV cache\n"
	"                          (self-attention: with --causal); the same numbers\n"
	"      --attn FILE         write each head's weights, one H x T x S tensor per input (S + 1 or S + 2\n"
	"                          columns with --add-bias-kv, --add-zero-attn)\n"
	"      --average           with --attn: their mean over heads, T x S (average_attn_weights)\n"
	"      --explain           print the steps on standard error, with the actual numbers\n"
	"      --prefix P          read parameters named P<name>, e.g. encoder.layers.0.self_attn.\n"
	"      --weights FILE.npz  parameters by PyTorch's state_dict() names\n"
	"      --seed N            random parameters by PyTorch's init rules (default seed 1)\n"
	"      --save-weights FILE.npz  save the parameters used\n"
	COMMON_USAGE("       ");

enum {
	OPT_HEADS = OPT_PROGRAM,
	OPT_KDIM,
	OPT_VDIM,
	OPT_NO_BIAS,
	OPT_AVERAGE,
	OPT_EXPLAIN,
	OPT_INCREMENTAL,
	OPT_PREFIX,
	OPT_ADD_BIAS_KV,
	OPT_ADD_ZERO_ATTN,
};

static const struct option long_options[] = {
	OUTPUT_LONG_OPTIONS,
	PARAM_LONG_OPTIONS,
	{ "heads", required_argument, NULL, OPT_HEADS },
	{ "kdim", required_argument, NULL, OPT_KDIM },
	{ "vdim", required_argument, NULL, OPT_VDIM },
	{ "no-bias", no_argument, NULL, OPT_NO_BIAS },
	{ "add-bias-kv", no_argument, NULL, OPT_ADD_BIAS_KV },
	{ "add-zero-attn", no_argument, NULL, OPT_ADD_ZERO_ATTN },
	SIDE_LONG_OPTIONS,
	MASK_LONG_OPTIONS,
	{ "average", no_argument, NULL, OPT_AVERAGE },
	{ "explain", no_argument, NULL, OPT_EXPLAIN },
	{ "incremental", no_argument, NULL, OPT_INCREMENTAL },
	{ "prefix", required_argument, NULL, OPT_PREFIX },
	{ NULL, 0, NULL, 0 },
};

static CommonOptions common;
static MaskSource masks;
static Sides sides;
static size_t heads, kdim, vdim;
static bool no_bias, average, explain, incremental, add_bias_kv, add_zero_attn;

/* rows x width with width = want (a 1-D tensor is one row); otherwise die naming both */
static void require_width(const Tensor *t, size_t want, const char *where, const char *what)
{
	char buf[TENSOR_SHAPE_STR];

	if (t->ndim > 2)
		die("%s: %s must be a matrix (positions x features), not %s", where, what, tensor_shape_str(t, buf));
	if (tensor_cols(t) != want)
		die("%s: %s are %zu wide, expected %zu (%s)", where, what, tensor_cols(t), want,
		    strcmp(what, "queries") == 0 ? "the first tensor's width, d_model" :
		    strcmp(what, "keys") == 0   ? "--kdim, or d_model without it" :
						  "--vdim, or d_model without it");
}

/* ---- one query tensor --------------------------------------------------------------------- */

static void attend_one(const Tensor *x, const Tensor *k, const Tensor *v, const MhaWeights *w, size_t index,
		       StreamWriter *attn_out, const char *x_path, const char *k_path, const char *v_path)
{
	size_t T = tensor_rows(x), S = tensor_rows(k), E = w->E, H = w->H;
	size_t S2 = S + mha_extra_keys(w); /* the weights' columns: the keys and the extra ones */
	size_t TS = xmul(T, S2, "attention");
	Tensor *y = tensor_new2(T, E);
	Mask mask = { .heads = 1 };
	/* the weights, kept only when they are written or explained (8 MB of fresh pages at T = S = 512, H = 8) */
	float *attn = attn_out || explain ? xmalloc(xmul(xmul(H, TS, "attention"), sizeof(float), "attention")) : NULL;
	size_t work_size = incremental ? mha_incremental_work_size(w, S) : mha_work_size(w, T, S);
	float *work = xmalloc(xmul(work_size, sizeof(float), "attention"));
	char **key_labels = k->ndim >= 2 ? k->row_labels : NULL;
	bool blocked;
	size_t empty;

	require_width(x, E, x_path, "queries");
	require_width(k, w->kdim, k_path, "keys");
	require_width(v, w->vdim, v_path, "values");
	if (tensor_rows(v) != S)
		die("%s: %zu values for %zu keys (%s)", v_path, tensor_rows(v), S, k_path);
	blocked = mask_build(&mask, &masks, index, key_labels, H, T, S);
	mask_check_labels(&masks, x->ndim >= 2 ? x->row_labels : NULL, key_labels, T, S);
	if (incremental) {
		/* a decoder's way: one query at a time, keys and values projected once into the KV cache */
		size_t bytes = xmul(xmul(S, E, "cache"), sizeof(float), "cache");
		MhaCache cache = { .k = xmalloc(bytes), .v = xmalloc(bytes), .len = 0, .capacity = S };
		empty = mha_forward_incremental(y->data, attn, work, w, &cache, x->data, k->data, v->data,
						blocked ? &mask : NULL, sides.causal, T, S);
		free(cache.k);
		free(cache.v);
	} else {
		empty = mha_forward(y->data, attn, work, w, x->data, k->data, v->data, blocked ? &mask : NULL,
				    sides.causal, T, S);
	}
	if (empty)
		warning("%s: %zu query rows have every key blocked: their heads output 0 (PyTorch gives NaN)", x_path,
			empty / H);
	tensor_keep_rows(y, x);
	tensor_require_finite(y, "output");
	if (explain) {
		MhaParts parts;
		mha_work_parts(&parts, work, w, T, S);
		explain_mha(w, &parts, attn, blocked ? &mask : NULL, sides.causal, x, k == x ? NULL : k, y->data,
			    strcmp(x_path, "-") == 0 ? "standard input" : x_path, k_path);
	}
	stream_write(stdout, y, &common.out);
	if (attn_out) {
		size_t shape[3] = { H, T, S2 };
		Tensor *a = average ? tensor_new2(T, S2) : tensor_new(3, shape);
		char **col_labels = mha_key_labels(key_labels, w, S);
		if (average)
			mha_average_heads(a->data, attn, H, T, S2);
		else
			memcpy(a->data, attn, xmul(H, TS, "attention") * sizeof(float));
		tensor_keep_rows(a, x);
		tensor_set_col_labels(a, col_labels);
		if (col_labels != key_labels)
			free(col_labels);
		if (sides.normalize != NORMALIZE_SOFTMAX)
			tensor_set_name(a, sides_attn_name(&sides));
		writer_put(attn_out, a);
		tensor_free(a);
	}
	tensor_free(y);
	mask_release(&mask);
	free(attn);
	free(work);
}

int main(int argc, char **argv)
{
	const char *input = "-";
	StreamReader *in;
	Tensor *x;
	Params params = { 0 };
	MhaWeights w;
	int c;

	set_progname(argv[0]);
	common_init(&common);
	sides_init(&sides);
	mask_init(&masks);
	while ((c = options_next(argc, argv, OUTPUT_SHORT_OPTIONS, long_options, NULL)) != -1) {
		if (common_option(&common, c, optarg, usage_text) || side_option(&sides, c, optarg) ||
		    mask_option(&masks, c, optarg))
			continue;
		switch (c) {
		case OPT_HEADS:
			heads = (size_t)parse_long(optarg, "--heads", 1, 65536);
			break;
		case OPT_KDIM:
			kdim = (size_t)parse_long(optarg, "--kdim", 1, 1 << 20);
			break;
		case OPT_VDIM:
			vdim = (size_t)parse_long(optarg, "--vdim", 1, 1 << 20);
			break;
		case OPT_NO_BIAS:
			no_bias = true;
			break;
		case OPT_AVERAGE:
			average = true;
			break;
		case OPT_EXPLAIN:
			explain = true;
			break;
		case OPT_INCREMENTAL:
			incremental = true;
			break;
		case OPT_ADD_BIAS_KV:
			add_bias_kv = true;
			break;
		case OPT_ADD_ZERO_ATTN:
			add_zero_attn = true;
			break;
		case OPT_PREFIX:
			common.params.prefix = optarg;
			common.params.allow_extra = 1; /* one sublayer of a larger model */
			break;
		}
	}
	if (optind < argc)
		input = argv[optind++];
	if (optind < argc)
		usage_error("one input file at most; extra argument '%s'", argv[optind]);
	if (heads == 0)
		usage_error("--heads is required");
	sides_check(&sides, input, SIDES_KEYS_AS_VALUES);
	if ((kdim || vdim) && !sides.keys_path)
		usage_error("--kdim and --vdim describe --keys and --values (or --memory): give them");
	if (incremental && explain)
		usage_error("--explain shows the whole computation at once: not with --incremental");
	if (incremental && !sides.causal && !sides.keys_path)
		usage_error("--incremental self-attention is a decoder's: it needs --causal");
	if (average && !sides.attn_path)
		usage_error("--average needs --attn FILE");
	/* kdim and vdim from separate projections in --weights; no in_proj_bias: bias=False */
	params_size(&common.params, "k_proj_weight", 1, &kdim, "--kdim");
	params_size(&common.params, "v_proj_weight", 1, &vdim, "--vdim");
	if (common.params.weights && !params_source_has(&common.params, "out_proj.bias") &&
	    !params_source_has(&common.params, "in_proj_bias"))
		no_bias = true;

	in = stream_open(input);
	sides_open(&sides, &common.out);
	while (stream_read(in, &x)) {
		if (stream_count(in) == 1) {
			/* d_model comes from the first query tensor; the parameters' shapes follow from it */
			size_t E = tensor_cols(x);
			params_size(&common.params, "out_proj.weight", 1, &E, "d_model (the queries' width)");
			mha_declare(&params, &w, "", E, heads, kdim, vdim, !no_bias);
			if (add_bias_kv)
				mha_declare_bias_kv(&params, &w, "");
			w.add_zero_attn = add_zero_attn;
			params_fill(&params, &common.params);
			if (sides.rope && (w.E / w.H) % 2)
				usage_error("--rope turns pairs of columns in each head: E / H = %zu / %zu = %zu is odd",
					    w.E, w.H, w.E / w.H);
			w.rope_base = sides.rope ? sides.rope_base : 0.0;
			w.rope_offset = sides.rope_offset;
			w.normalize = sides.normalize;
		}
		sides_read(&sides, stream_count(in) - 1);
		attend_one(x, sides_keys(&sides, x), sides_values(&sides, x), &w, stream_count(in) - 1, sides.attn, input,
			   sides_keys_path(&sides, input), sides_values_path(&sides, input));
		tensor_free(x);
	}
	sides_close(&sides, stream_count(in));
	mask_end(&masks, stream_count(in));
	stream_close(in);
	params_free(&params);
	mask_free(&masks);
	close_stdout();
	return 0;
}
