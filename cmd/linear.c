/* SPDX-License-Identifier: MIT */
/* linear: y = x W^T + b, one linear layer, numerically the same as torch.nn.Linear. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "explain_layers.h"
#include "linalg.h"
#include "opts.h"
#include "params.h"
#include "stream.h"
#include "tensor.h"
#include "tensor_ops.h"
#include "vocab.h"

static const char usage_text[] =
	"usage: linear [--out M] [--no-bias] [--vocab FILE] [--explain[=N]] [--prefix P]\n"
	"              [--weights FILE.npz | --seed N] [--save-weights FILE.npz] [-b | --npy] [--digits N] [--threads N]\n"
	"              [FILE]\n"
	"\n"
	"One linear layer on each tensor of FILE (default: standard input): y = x W^T + b over the last\n"
	"axis, K wide (the width of the first tensor) to M wide, as PyTorch's nn.Linear(K, M): parameters\n"
	"weight [M, K] and bias [M]. The projections of attention, the feed-forward network's two layers and\n"
	"the generator (decoder output to vocabulary scores) are all this. Row labels are kept.\n"
	"\n"
	"      --out M             output features (default: from the archive's weight with --weights)\n"
	"      --no-bias           y = x W^T, no bias (nn.Linear(K, M, bias=False))\n"
	"      --vocab FILE        label the M output columns with the tokens of FILE (one per line), e.g.\n"
	"                          the target vocabulary for the generator's scores\n"
	"      --explain[=N]       print y = x W^T + b on the numbers of the first N rows (default 2) on stderr\n"
	"      --prefix P          read parameters named P<name>, e.g. generator. in a whole-model archive\n"
	"      --weights FILE.npz  parameters weight and bias, PyTorch's state_dict() names\n"
	"      --seed N            random parameters by nn.Linear's init rule (default seed 1)\n"
	"      --save-weights FILE.npz  save the parameters used\n"
	COMMON_USAGE("       ");

enum { OPT_OUT = OPT_PROGRAM, OPT_NO_BIAS, OPT_VOCAB };

static const struct option long_options[] = {
	OUTPUT_LONG_OPTIONS,
	PARAM_LONG_OPTIONS,
	{ "out", required_argument, NULL, OPT_OUT },
	{ "no-bias", no_argument, NULL, OPT_NO_BIAS },
	{ "vocab", required_argument, NULL, OPT_VOCAB },
	STAGE_LONG_OPTIONS,
	{ NULL, 0, NULL, 0 },
};

static CommonOptions common;
static size_t M;
static bool no_bias;
static const char *vocab_path;
static size_t explain_rows;

/* M from the archive's weight [M, K] when --out was not given */
static size_t out_from_archive(const char *path, const char *prefix)
{
	size_t shape[TENSOR_MAX_DIMS];
	int ndim = params_peek_shape(path, prefix, "weight", shape);

	if (ndim == 0)
		die("%s: missing parameter %sweight", path, prefix);
	if (ndim != 2)
		die("%s: parameter %sweight is not a matrix [out, in]", path, prefix);
	return shape[0];
}

int main(int argc, char **argv)
{
	const char *input;
	StreamReader *in;
	Params params = { 0 };
	float *weight = NULL, *bias = NULL;
	char **out_labels = NULL;
	size_t K = 0;
	Tensor *x;
	int c;

	set_progname(argv[0]);
	common_init(&common);
	while ((c = options_next(argc, argv, OUTPUT_SHORT_OPTIONS, long_options, NULL)) != -1) {
		if (common_option(&common, c, optarg, usage_text) || stage_option(&common, &explain_rows, c, optarg))
			continue;
		switch (c) {
		case OPT_OUT:
			M = (size_t)parse_long(optarg, "--out", 1, 1L << 24);
			break;
		case OPT_NO_BIAS:
			no_bias = true;
			break;
		case OPT_VOCAB:
			vocab_path = optarg;
			break;
		}
	}
	input = stage_input(argc, argv, optind);
	if (M == 0 && !common.params.weights)
		usage_error("--out M is required (or --weights, whose weight gives it)");
	if (M == 0)
		M = out_from_archive(common.params.weights, common.params.prefix);
	else
		params_size(&common.params, "weight", 0, &M, "--out");
	if (common.params.weights && !params_source_has(&common.params, "bias"))
		no_bias = true; /* nn.Linear(bias=False)'s state_dict */
	if (vocab_path) {
		Vocab *v = vocab_load(vocab_path);
		if (v->count != M)
			die("%s: %zu tokens for %zu output columns", vocab_path, v->count, M);
		out_labels = labels_dup(v->tokens, M);
		vocab_free(v);
	}

	in = stream_open(input);
	while (stream_read(in, &x)) {
		size_t shape[TENSOR_MAX_DIMS], N;
		Tensor *y;
		N = tensor_rows_of_width(&K, x, input, stream_count(in) - 1);
		if (stream_count(in) == 1) {
			/* K is the first tensor's width; the parameters' shapes follow from it */
			size_t w_shape[2];
			w_shape[0] = M, w_shape[1] = K;
			params_add(&params, &weight, "weight", INIT_LINEAR, 0, 2, w_shape);
			if (!no_bias)
				params_add(&params, &bias, "bias", INIT_UNIFORM, K ? 1.0 / sqrt((double)K) : 0.0, 1,
					   &M); /* torch: bound 0 when there are no inputs */
			params_fill(&params, &common.params);
		}
		memcpy(shape, x->shape, sizeof(shape));
		shape[x->ndim - 1] = M;
		y = tensor_new(x->ndim, shape);
		linear(y->data, x->data, weight, bias, N, K, M);
		tensor_keep_rows(y, x);
		tensor_set_col_labels(y, out_labels);
		tensor_require_finite(y, "output");
		if (explain_rows)
			explain_linear(y->data, x->data, weight, bias, N, K, M, explain_rows,
				       x->ndim == 2 ? x->row_labels : NULL, out_labels);
		stream_write(stdout, y, &common.out);
		tensor_free(y);
		tensor_free(x);
	}
	stream_close(in);
	params_free(&params);
	labels_free(out_labels, M);
	close_stdout();
	return 0;
}
