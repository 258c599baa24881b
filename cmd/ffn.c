/* SPDX-License-Identifier: MIT */
/* ffn: the position-wise feed-forward network of a Transformer layer (linear1, activation, linear2). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "explain_layers.h"
#include "layers.h"
#include "opts.h"
#include "params.h"
#include "stream.h"
#include "tensor.h"
#include "tensor_ops.h"

static const char usage_text[] =
	"usage: ffn [--ff F] [--activation relu|gelu] [--explain[=N]] [--prefix P]\n"
	"           [--weights FILE.npz | --seed N] [--save-weights FILE.npz] [-b | --npy] [--digits N] [--threads N]\n"
	"           [FILE]\n"
	"\n"
	"The position-wise feed-forward network (Vaswani et al. 2017, section 3.3) on every row of each\n"
	"T x E tensor in FILE (default: standard input): y = act(x W1^T + b1) W2^T + b2, F hidden units,\n"
	"with the parameter names of nn.TransformerEncoderLayer: linear1.weight [F, E], linear1.bias [F],\n"
	"linear2.weight [E, F], linear2.bias [E]. Row labels are kept.\n"
	"\n"
	"      --ff F              hidden width d_ff (default: from linear1.weight with --weights, else 4 E)\n"
	"      --activation A      relu (the paper's, default) or gelu (x Phi(x), torch's exact form)\n"
	"      --explain[=N]       print the hidden pre-activation of the first N rows (default 2), and how\n"
	"                          many units the activation zeroed, on stderr\n"
	"      --prefix P          read parameters named P<name>, e.g. encoder.layers.0.\n"
	"      --weights FILE.npz  parameters by PyTorch's state_dict() names\n"
	"      --seed N            random parameters by nn.Linear's init rule (default seed 1)\n"
	"      --save-weights FILE.npz  save the parameters used\n"
	COMMON_USAGE("       ");

enum { OPT_FF = OPT_PROGRAM, OPT_ACTIVATION };

static const struct option long_options[] = {
	OUTPUT_LONG_OPTIONS,
	PARAM_LONG_OPTIONS,
	{ "ff", required_argument, NULL, OPT_FF },
	{ "activation", required_argument, NULL, OPT_ACTIVATION },
	STAGE_LONG_OPTIONS,
	{ NULL, 0, NULL, 0 },
};

static CommonOptions common;
static size_t F;
static Activation activation = ACT_RELU;
static size_t explain_rows;

/* The FFN's parameters, by nn.TransformerEncoderLayer's names */
typedef struct {
	float *linear1_weight; /* [F, E] */
	float *linear1_bias;   /* [F] */
	float *linear2_weight; /* [E, F] */
	float *linear2_bias;   /* [E] */
} FfnWeights;

/* Declare them for d_model E and d_ff F with nn.Linear's init rules (as transformer_declare does). */
static void declare(Params *p, FfnWeights *w, size_t E)
{
	size_t w1[2] = { F, E }, w2[2] = { E, F };

	params_add(p, &w->linear1_weight, "linear1.weight", INIT_LINEAR, 0, 2, w1);
	params_add(p, &w->linear1_bias, "linear1.bias", INIT_UNIFORM, 1.0 / sqrt((double)E), 1, &F);
	params_add(p, &w->linear2_weight, "linear2.weight", INIT_LINEAR, 0, 2, w2);
	params_add(p, &w->linear2_bias, "linear2.bias", INIT_UNIFORM, 1.0 / sqrt((double)F), 1, &E);
}

int main(int argc, char **argv)
{
	const char *input;
	StreamReader *in;
	Params params = { 0 };
	FfnWeights w = { 0 };
	size_t E = 0;
	Tensor *x;
	int c;

	set_progname(argv[0]);
	common_init(&common);
	while ((c = options_next(argc, argv, OUTPUT_SHORT_OPTIONS, long_options, NULL)) != -1) {
		if (common_option(&common, c, optarg, usage_text) || stage_option(&common, &explain_rows, c, optarg))
			continue;
		switch (c) {
		case OPT_FF:
			F = (size_t)parse_long(optarg, "--ff", 1, 1L << 24);
			break;
		case OPT_ACTIVATION:
			if (!activation_parse(&activation, optarg))
				usage_error("--activation: '%s' is neither relu nor gelu", optarg);
			break;
		}
	}
	input = stage_input(argc, argv, optind);
	params_size(&common.params, "linear1.weight", 0, &F, "--ff");

	in = stream_open(input);
	while (stream_read(in, &x)) {
		size_t N;
		Tensor *y;
		float *hidden;
		N = tensor_rows_of_width(&E, x, input, stream_count(in) - 1);
		if (E == 0)
			die("%s: rows of 0 features cannot be put through the network", input);
		if (stream_count(in) == 1) {
			if (F == 0)
				F = xmul(4, E, "d_ff"); /* the paper's 2048 for 512 */
			declare(&params, &w, E);
			params_fill(&params, &common.params);
		}
		y = tensor_clone(x);
		hidden = xmalloc(xmul(xmul(N, F, "hidden"), sizeof(float), "hidden"));
		if (explain_rows) {
			/* the same network, keeping the hidden layer before the activation too */
			float *pre = xmalloc(xmul(xmul(N, F, "hidden"), sizeof(float), "hidden"));
			feed_forward_train(y->data, pre, hidden, x->data, w.linear1_weight, w.linear1_bias,
					   w.linear2_weight, w.linear2_bias, NULL, activation, N, E, F);
			tensor_require_finite(y, "output");
			explain_ffn(y->data, x->data, pre, hidden, activation, N, E, F, explain_rows,
				    x->ndim == 2 ? x->row_labels : NULL);
			free(pre);
		} else {
			feed_forward(y->data, hidden, x->data, w.linear1_weight, w.linear1_bias, w.linear2_weight,
				     w.linear2_bias, activation, N, E, F);
			tensor_require_finite(y, "output");
		}
		stream_write(stdout, y, &common.out);
		free(hidden);
		tensor_free(y);
		tensor_free(x);
	}
	stream_close(in);
	params_free(&params);
	close_stdout();
	return 0;
}
