/* SPDX-License-Identifier: MIT */
/* posenc: add the positional encoding (sinusoidal, section 3.5, or learned) to every tensor of a stream. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "explain_layers.h"
#include "opts.h"
#include "params.h"
#include "posenc.h"
#include "stream.h"
#include "tensor.h"

static const char usage_text[] =
	"usage: posenc [--layout interleaved|concat] [--base B] [--offset N] [--explain]\n"
	"              [-b | --npy] [--digits N] [--threads N] [FILE ...]\n"
	"       posenc --layout t2t [--min-timescale X] [--max-timescale Y] [--offset N]\n"
	"              [-b | --npy] [--digits N] [--threads N] [FILE ...]\n"
	"       posenc --learned [--max-len N] [--offset N] [--prefix P] [--weights FILE | --seed N]\n"
	"              [--save-weights FILE] [-b | --npy] [--digits N] [--threads N] [FILE ...]\n"
	"       posenc --only --len T --dim E [table options above] [-b | --npy] [--digits N] [--threads N]\n"
	"\n"
	"Adds PE(pos, 2i) = sin(pos / B^(2i/E)), PE(pos, 2i+1) = cos(pos / B^(2i/E)) to row pos of\n"
	"every T x E tensor read (rows and labels kept); pos counts from --offset.\n"
	"\n"
	"      --layout L           interleaved (the paper: sin in even, cos in odd columns, default)\n"
	"                           or concat (all sines, then all cosines, same frequencies),\n"
	"                           or t2t (Tensor2Tensor's get_timing_signal_1d: sines, then cosines,\n"
	"                           frequencies X (X/Y)^(i/(E/2-1)); odd E: a zero column)\n"
	"      --base B             the B of the formula (default 10000)\n"
	"      --min-timescale X    t2t: the shortest timescale (default 1)\n"
	"      --max-timescale Y    t2t: the longest timescale (default 10000)\n"
	"      --offset N           the position of the first row (T2T's start_index; default 0)\n"
	"      --explain            show angles, sin and cos, and check PE(pos+k) = M_k PE(pos) (stderr)\n"
	"      --learned            add a learned table instead: parameter weight [max_len, E]\n"
	"      --max-len N          rows of the learned table (default 512)\n"
	"      --prefix P           read the learned weight as P<name>, e.g. pos_embed. in a model archive\n"
	"      --weights FILE       the learned weight from an .npz\n"
	"      --seed N             else weight ~ normal(0, 1) from seed N (default 1)\n"
	"      --save-weights FILE  write the learned weight to an .npz\n"
	"      --only               write the table itself (rows pos, no input); needs --len and --dim\n"
	"      --len T              --only: number of positions\n"
	"      --dim E              --only: d_model\n"
	COMMON_USAGE("        ");

enum { OPT_LAYOUT = OPT_PROGRAM, OPT_BASE, OPT_OFFSET, OPT_EXPLAIN, OPT_LEARNED, OPT_MAX_LEN, OPT_ONLY, OPT_LEN,
       OPT_DIM, OPT_MIN_TIMESCALE, OPT_MAX_TIMESCALE };

static const struct option long_options[] = {
	OUTPUT_LONG_OPTIONS,
	PARAM_LONG_OPTIONS,
	{ "layout", required_argument, NULL, OPT_LAYOUT },
	{ "base", required_argument, NULL, OPT_BASE },
	{ "offset", required_argument, NULL, OPT_OFFSET },
	{ "explain", no_argument, NULL, OPT_EXPLAIN },
	{ "prefix", required_argument, NULL, STAGE_OPT_PREFIX },
	{ "learned", no_argument, NULL, OPT_LEARNED },
	{ "max-len", required_argument, NULL, OPT_MAX_LEN },
	{ "only", no_argument, NULL, OPT_ONLY },
	{ "len", required_argument, NULL, OPT_LEN },
	{ "dim", required_argument, NULL, OPT_DIM },
	{ "min-timescale", required_argument, NULL, OPT_MIN_TIMESCALE },
	{ "max-timescale", required_argument, NULL, OPT_MAX_TIMESCALE },
	{ NULL, 0, NULL, 0 },
};

#define DEFAULT_MAX_LEN 512

static CommonOptions common;
static PosencLayout layout = POSENC_INTERLEAVED;
static double base = POSENC_DEFAULT_BASE;
static size_t offset, max_len = DEFAULT_MAX_LEN, only_len, only_dim;
static int explain, learned, only, sinusoid_option_given;
/* --layout t2t: Tensor2Tensor's timing signal, its timescales; timescale_given: one of them was set */
static int t2t, timescale_given, base_given, max_len_given;
static double min_timescale = 1.0, max_timescale = 1.0e4;

static Params params;
static float *learned_weight; /* [max_len, E], PyTorch's name "weight" (an nn.Embedding of positions) */

/* Declare and fill the learned table once E is known. */
static void learned_init(size_t E)
{
	size_t shape[2];

	if (!max_len_given) /* the table's rows from --weights, else the default */
		max_len = 0;
	params_size(&common.params, "weight", 0, &max_len, "--max-len");
	if (max_len == 0)
		max_len = DEFAULT_MAX_LEN;
	shape[0] = max_len, shape[1] = E;

	params_add(&params, &learned_weight, "weight", INIT_NORMAL, 1.0, 2, shape); /* nn.Embedding: N(0, 1) */
	params_fill(&params, &common.params);
}

/* The sinusoidal rows computed so far: [cached_T, cached_E], grown when a longer sequence comes. */
static float *cached;
static size_t cached_T, cached_E;

/* The rows pe[T,E] for positions offset .. offset+T-1, from the formula or the learned table. */
static const float *table_rows(size_t T, size_t E, const char *where)
{
	if (E == 0)
		die("%s: d_model is 0: there are no columns to encode", where);
	if (learned) {
		if (offset + T > max_len)
			die("%s: %zu positions from %zu do not fit the learned table of %zu positions (--max-len)",
			    where, T, offset, max_len);
		return learned_weight + offset * E;
	}
	if (E % 2 != 0 && !t2t)
		die("%s: d_model %zu is odd: the sinusoidal table pairs a sin with a cos, so d_model must be even "
		    "(or use --learned)", where, E);
	if (T > cached_T || E != cached_E) {
		/* a stream of sentences needs the same first rows again and again: compute them once */
		free(cached);
		cached = xmalloc(xmul(xmul(T, E, "table"), sizeof(float), "table"));
		if (t2t)
			posenc_t2t_table(cached, offset, min_timescale, max_timescale, T, E);
		else
			posenc_table(cached, offset, base, layout, T, E);
		cached_T = T;
		cached_E = E;
	}
	return cached;
}

/* Row labels "pos" and, for the sinusoid, column labels sin0 cos0 ... in the layout's order. */
static void label_table(Tensor *pe)
{
	size_t T = tensor_rows(pe), E = tensor_cols(pe);
	char buf[48];

	pe->row_labels = xcalloc(T, sizeof(char *));
	for (size_t t = 0; t < T; t++) {
		snprintf(buf, sizeof(buf), "%zu", offset + t);
		pe->row_labels[t] = xstrdup(buf);
	}
	if (learned)
		return;
	pe->col_labels = xcalloc(E, sizeof(char *));
	for (size_t i = 0; i < E / 2; i++) {
		size_t s, c;
		posenc_columns(&s, &c, i, t2t ? POSENC_CONCAT : layout, E);
		snprintf(buf, sizeof(buf), "sin%zu", i);
		pe->col_labels[s] = xstrdup(buf);
		snprintf(buf, sizeof(buf), "cos%zu", i);
		pe->col_labels[c] = xstrdup(buf);
	}
	if (E % 2) /* t2t's zero column */
		pe->col_labels[E - 1] = xstrdup("pad");
}

static void write_only(void)
{
	Tensor *pe = tensor_new2(only_len, only_dim);

	if (learned)
		learned_init(only_dim);
	memcpy(pe->data, table_rows(only_len, only_dim, "--dim"), pe->size * sizeof(float));
	if (explain)
		explain_posenc(pe->data, only_len, only_dim, base, layout, offset);
	label_table(pe);
	stream_write(stdout, pe, &common.out);
	tensor_free(pe);
}

/* Every T x E slice of every tensor gets the table added, in place: rows, labels and name stay. */
static void add_to_stream(const char *path)
{
	StreamReader *r = stream_open(path);
	Tensor *x;

	while (stream_read(r, &x)) {
		size_t T = tensor_rows(x), E = tensor_cols(x), slice = xmul(T, E, "tensor");
		char where[256];
		const float *pe;
		snprintf(where, sizeof(where), "%s: tensor #%zu", strcmp(path, "-") == 0 ? "stdin" : path,
			 stream_count(r) - 1);
		if (x->ndim < 2)
			die("%s: a 1-D tensor of %zu; posenc needs rows of d_model values (T x E)", where, E);
		if (learned && params.count == 0)
			learned_init(E);
		else if (learned && E != params.items[0].shape[1])
			die("%s: d_model %zu, but the learned table has %zu", where, E, params.items[0].shape[1]);
		if (T == 0) { /* no positions: no table to compute, whatever its width */
			stream_write(stdout, x, &common.out);
			tensor_free(x);
			continue;
		}
		pe = table_rows(T, E, where);
		if (explain && stream_count(r) == 1 && T > 0)
			explain_posenc(pe, T, E, base, layout, offset);
		for (size_t j = 0; slice && j < x->size; j += slice)
			posenc_add(x->data + j, pe, T, E);
		stream_write(stdout, x, &common.out);
		tensor_free(x);
	}
	stream_close(r);
}

int main(int argc, char **argv)
{
	int c;

	set_progname(argv[0]);
	common_init(&common);
	while ((c = options_next(argc, argv, OUTPUT_SHORT_OPTIONS, long_options, NULL)) != -1) {
		if (common_option(&common, c, optarg, usage_text) || stage_option(&common, NULL, c, optarg))
			continue;
		switch (c) {
		case OPT_LAYOUT:
			t2t = strcmp(optarg, "t2t") == 0;
			if (!t2t && !posenc_parse_layout(optarg, &layout))
				usage_error("--layout: '%s' is not interleaved, concat or t2t", optarg);
			sinusoid_option_given = 1;
			break;
		case OPT_BASE:
			base = parse_double(optarg, "--base", 1.0, 1e30);
			base_given = 1;
			sinusoid_option_given = 1;
			break;
		case OPT_MIN_TIMESCALE:
			min_timescale = parse_double(optarg, "--min-timescale", 1e-30, 1e30);
			timescale_given = 1;
			break;
		case OPT_MAX_TIMESCALE:
			max_timescale = parse_double(optarg, "--max-timescale", 1e-30, 1e30);
			timescale_given = 1;
			break;
		case OPT_OFFSET:
			offset = (size_t)parse_long(optarg, "--offset", 0, 1000000000);
			break;
		case OPT_EXPLAIN:
			explain = 1;
			sinusoid_option_given = 1;
			break;
		case OPT_LEARNED:
			learned = 1;
			break;
		case OPT_MAX_LEN:
			max_len = (size_t)parse_long(optarg, "--max-len", 1, 1000000);
			max_len_given = 1;
			break;
		case OPT_ONLY:
			only = 1;
			break;
		case OPT_LEN:
			only_len = (size_t)parse_long(optarg, "--len", 1, 1000000);
			break;
		case OPT_DIM:
			only_dim = (size_t)parse_long(optarg, "--dim", 1, 1000000);
			break;
		}
	}
	argc -= optind;
	argv += optind;
	if (learned && sinusoid_option_given)
		usage_error("--layout, --base and --explain are about the sinusoidal table, not --learned");
	if (timescale_given && !t2t)
		usage_error("--min-timescale and --max-timescale are Tensor2Tensor's: they go with --layout t2t");
	if (t2t && (base_given || explain))
		usage_error("--layout t2t takes --max-timescale, not --base, and has no --explain (its frequencies "
			    "are not the paper's)");
	if (!learned && (common.params.weights || common.params.save_weights || *common.params.prefix))
		usage_error("the sinusoidal table has no parameters: --weights, --save-weights and --prefix need --learned");
	if (!only && (only_len || only_dim))
		usage_error("--len and --dim go with --only (otherwise the input sets them)");
	if (only && (only_len == 0 || only_dim == 0))
		usage_error("--only needs --len T and --dim E");
	if (only && argc)
		usage_error("--only reads no input");
	/* with --only the command line alone sets the table: what cannot be is a usage error */
	if (only && !learned && !t2t && only_dim % 2 != 0)
		usage_error("--dim %zu is odd: the sinusoidal table pairs a sin with a cos, so d_model must be even "
			    "(or use --learned)", only_dim);
	if (only && learned && offset + only_len > max_len)
		usage_error("--len %zu from --offset %zu does not fit the learned table of --max-len %zu positions",
			    only_len, offset, max_len);

	if (only) {
		write_only();
	} else if (argc == 0) {
		add_to_stream("-");
	} else {
		for (int i = 0; i < argc; i++)
			add_to_stream(argv[i]);
	}
	params_free(&params);
	free(cached);
	close_stdout();
	return 0;
}
