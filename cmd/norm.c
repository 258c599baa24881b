/* SPDX-License-Identifier: MIT */
/* norm: LayerNorm (torch.nn.LayerNorm) or RMSNorm over the last axis of each tensor. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "err.h"
#include "explain_layers.h"
#include "layers.h"
#include "opts.h"
#include "params.h"
#include "stream.h"
#include "tensor.h"
#include "tensor_ops.h"

static const char usage_text[] =
	"usage: norm [--rms | --annotated] [--eps X] [--explain[=N]] [--prefix P] [--weights FILE.npz | --seed N]\n"
	"            [--save-weights FILE.npz] [-b | --npy] [--digits N] [--threads N] [FILE]\n"
	"\n"
	"Layer normalisation of each row (the last axis, E wide) of each tensor in FILE (default: standard\n"
	"input): y = (x - mean) / sqrt(var + eps) * weight + bias, mean and biased variance over the row,\n"
	"as PyTorch's nn.LayerNorm(E) (Ba et al. 2016), the norm around every sublayer of the Transformer.\n"
	"With --rms: RMSNorm, y = x / sqrt(mean(x^2) + eps) * weight (Zhang and Sennrich 2019; no bias).\n"
	"Labels are kept.\n"
	"\n"
	"      --rms               RMSNorm instead of LayerNorm: no mean subtracted, no bias\n"
	"      --annotated         the Annotated Transformer's LayerNorm: (x - mean) / (std + eps) * weight + bias,\n"
	"                          std unbiased (over E - 1), eps outside the square root (its eps: 1e-6)\n"
	"      --eps X             added to the variance inside the square root (default 1e-5, torch's)\n"
	"      --explain[=N]       print mean, variance, the normalised row, weight and bias of the first\n"
	"                          N rows (default 2) on stderr\n"
	"      --prefix P          read parameters named P<name>, e.g. encoder.layers.0.norm1.\n"
	"      --weights FILE.npz  parameters weight [E] (gamma) and bias [E] (beta)\n"
	"      --seed N            no effect on the values: a new norm has weight 1 and bias 0, as torch's\n"
	"      --save-weights FILE.npz  save the parameters used\n"
	COMMON_USAGE("       ");

enum { OPT_RMS = OPT_PROGRAM, OPT_EPS, OPT_ANNOTATED };

static const struct option long_options[] = {
	OUTPUT_LONG_OPTIONS,
	PARAM_LONG_OPTIONS,
	{ "rms", no_argument, NULL, OPT_RMS },
	{ "eps", required_argument, NULL, OPT_EPS },
	{ "annotated", no_argument, NULL, OPT_ANNOTATED },
	STAGE_LONG_OPTIONS,
	{ NULL, 0, NULL, 0 },
};

static CommonOptions common;
static bool rms, annotated;
static float eps = 1e-5f;
static size_t explain_rows;

int main(int argc, char **argv)
{
	const char *input;
	StreamReader *in;
	Params params = { 0 };
	float *gamma = NULL, *beta = NULL, *mean = NULL, *rstd = NULL;
	size_t E = 0;
	Tensor *x;
	int c;

	set_progname(argv[0]);
	common_init(&common);
	while ((c = options_next(argc, argv, OUTPUT_SHORT_OPTIONS, long_options, NULL)) != -1) {
		if (common_option(&common, c, optarg, usage_text) || stage_option(&common, &explain_rows, c, optarg))
			continue;
		switch (c) {
		case OPT_RMS:
			rms = true;
			break;
		case OPT_ANNOTATED:
			annotated = true;
			break;
		case OPT_EPS:
			eps = (float)parse_double(optarg, "--eps", 0.0, 1.0);
			break;
		}
	}
	input = stage_input(argc, argv, optind);
	if (annotated && (rms || explain_rows))
		usage_error("--annotated is one LayerNorm: not with --rms, and without --explain (which shows torch's)");

	in = stream_open(input);
	while (stream_read(in, &x)) {
		size_t N;
		Tensor *y;
		N = tensor_rows_of_width(&E, x, input, stream_count(in) - 1);
		if (E == 0)
			die("%s: rows of 0 features cannot be normalised", input);
		if (stream_count(in) == 1) {
			/* nn.LayerNorm(E): weight 1, bias 0 (E is the first tensor's width) */
			params_add(&params, &gamma, "weight", INIT_ONES, 0, 1, &E);
			if (!rms)
				params_add(&params, &beta, "bias", INIT_ZEROS, 0, 1, &E);
			params_fill(&params, &common.params);
		}
		y = tensor_clone(x);
		/* each row's mean and 1/sqrt(var + eps), kept for --explain */
		mean = xrealloc(mean, xmul(N ? N : 1, sizeof(float), "rows"));
		rstd = xrealloc(rstd, xmul(N ? N : 1, sizeof(float), "rows"));
		if (rms)
			rms_norm(y->data, rstd, x->data, gamma, eps, N, E);
		else if (annotated)
			layer_norm_annotated(y->data, x->data, gamma, beta, eps, N, E);
		else
			layer_norm_forward(y->data, mean, rstd, x->data, gamma, beta, eps, N, E);
		tensor_require_finite(y, "output");
		if (explain_rows)
			explain_norm(y->data, x->data, rms ? NULL : mean, rstd, gamma, beta, eps, N, E, explain_rows,
				     x->ndim == 2 ? x->row_labels : NULL);
		stream_write(stdout, y, &common.out);
		tensor_free(y);
		tensor_free(x);
	}
	stream_close(in);
	params_free(&params);
	free(mean);
	free(rstd);
	close_stdout();
	return 0;
}
