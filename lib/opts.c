/* SPDX-License-Identifier: MIT */
#include "opts.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "threads.h"
#include "rng.h"

void common_init(CommonOptions *o)
{
	memset(o, 0, sizeof(*o));
	o->out.format = FORMAT_TEXT;
	o->params.seed = DEFAULT_SEED;
	o->params.prefix = "";
	threads_from_env();
}

int common_option(CommonOptions *o, int c, const char *arg, const char *usage_text)
{
	switch (c) {
	case 'b':
		o->out.format = FORMAT_BINARY;
		return 1;
	case OPT_NPY:
		o->out.format = FORMAT_NPY;
		return 1;
	case OPT_DIGITS:
		o->out.digits = (int)parse_long(arg, "--digits", 1, 9);
		return 1;
	case OPT_WEIGHTS:
		o->params.weights = arg;
		return 1;
	case OPT_SEED:
		o->params.seed = parse_seed(arg, "--seed");
		return 1;
	case OPT_SAVE_WEIGHTS:
		o->params.save_weights = arg;
		return 1;
	case OPT_THREADS:
		threads_set((int)parse_long(arg, "--threads", 1, THREADS_MAX));
		return 1;
	case 'h':
		fputs(usage_text, stdout);
		close_stdout();
		exit(0);
	case OPT_VERSION:
		printf("%s (pipeformer) %s\nBLAS: %s\nfonts: %s\n", progname, PIPEFORMER_VERSION, PIPEFORMER_BLAS,
		       PIPEFORMER_FONTS);
		close_stdout();
		exit(0);
	case '?':
		fprintf(stderr, "Try '%s --help' for more information.\n", progname);
		exit(2);
	default:
		return 0;
	}
}

/*
 * Edits that turn a into b: insertions, deletions, substitutions and swaps of two neighbours (the
 * optimal string alignment distance; "casual" -> "causal" is one swap). Names of options are short:
 * longer ones count as far.
 */
static size_t edit_distance(const char *a, size_t n, const char *b)
{
	enum { MAX = 32 };
	size_t m = strlen(b), d[MAX + 1][MAX + 1];

	if (n > MAX || m > MAX)
		return SIZE_MAX;
	for (size_t i = 0; i <= n; i++)
		d[i][0] = i;
	for (size_t j = 0; j <= m; j++)
		d[0][j] = j;
	for (size_t i = 1; i <= n; i++)
		for (size_t j = 1; j <= m; j++) {
			size_t best = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
			if (d[i - 1][j] + 1 < best)
				best = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < best)
				best = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < best)
				best = d[i - 2][j - 2] + 1;
			d[i][j] = best;
		}
	return d[n][m];
}

/* Keep name in *found when it is nearer to s[0..n) than *best edits; a name that s starts is nearest of all. */
static void consider(const char *s, size_t n, const char *name, size_t *best, const char **found)
{
	size_t d = strncmp(name, s, n) == 0 ? 0 : edit_distance(s, n, name);

	if (d < *best)
		*best = d, *found = name;
}

/* one edit for short words, two from 5 letters on: further than that is another word */
static const char *near_enough(size_t n, size_t best, const char *found)
{
	return found && best <= (n < 5 ? 1 : 2) ? found : NULL;
}

const char *option_suggestion(const char *arg, const struct option *longopts)
{
	size_t n, best = SIZE_MAX;
	const char *found = NULL;

	if (strncmp(arg, "--", 2) != 0 || arg[2] == '\0')
		return NULL;
	arg += 2;
	n = strcspn(arg, "=");
	for (const struct option *o = longopts; o->name; o++) {
		if (strncmp(o->name, arg, n) == 0) /* a start of some name: getopt said it was ambiguous */
			return NULL;
		consider(arg, n, o->name, &best, &found);
	}
	return near_enough(n, best, found);
}

const char *word_suggestion(const char *word, const char *const *words)
{
	size_t n = strlen(word), best = SIZE_MAX;
	const char *found = NULL;

	for (size_t i = 0; words[i]; i++) {
		if (strcmp(words[i], word) == 0)
			return NULL;
		consider(word, n, words[i], &best, &found);
	}
	return near_enough(n, best, found);
}

int options_next(int argc, char **argv, const char *shortopts, const struct option *longopts, int *index)
{
	int c;

	argv[0] = (char *)progname; /* getopt's own messages begin "attend:", as ours do, not "bin/attend:" */
	c = getopt_long(argc, argv, shortopts, longopts, index);

	/* an unknown long option: getopt has said so and stepped past it */
	if (c == '?' && optopt == 0 && optind > 0 && optind <= argc) {
		const char *s = option_suggestion(argv[optind - 1], longopts);
		if (s)
			fprintf(stderr, "%s: did you mean --%s?\n", progname, s);
	}
	return c;
}

long parse_long(const char *s, const char *option, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (end == s || *end != '\0')
		usage_error("%s: '%s' is not a whole number", option, s);
	if (errno == ERANGE || v < min || v > max)
		usage_error("%s: %s is out of range (%ld to %ld)", option, s, min, max);
	return v;
}

double parse_double(const char *s, const char *option, double min, double max)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || *end != '\0' || !isfinite(v))
		usage_error("%s: '%s' is not a number", option, s);
	if (errno == ERANGE || v < min || v > max)
		usage_error("%s: %s is out of range (%g to %g)", option, s, min, max);
	return v;
}

size_t parse_doubles(const char *s, const char *option, double min, double max, double *out, size_t max_count)
{
	size_t n = 0;
	char *copy = xstrdup(s), *item = copy;

	for (;;) {
		char *comma = strchr(item, ',');
		if (comma)
			*comma = '\0';
		if (n == max_count)
			usage_error("%s: '%s' has more than %zu numbers", option, s, max_count);
		out[n++] = parse_double(item, option, min, max);
		if (comma == NULL)
			break;
		item = comma + 1;
	}
	free(copy);
	return n;
}

uint64_t parse_seed(const char *s, const char *option)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (end == s || *end != '\0' || *s == '-' || errno == ERANGE)
		usage_error("%s: '%s' is not a whole number from 0 to %" PRIu64, option, s, UINT64_MAX);
	return (uint64_t)v;
}

int parse_shape(const char *s, const char *option, size_t *shape)
{
	int ndim = 0;
	const char *p = s;

	for (;;) {
		char *end;
		unsigned long long d;
		if (ndim == TENSOR_MAX_DIMS || *p < '0' || *p > '9')
			usage_error("%s: '%s' is not a shape like 3x4 (1 to %d dimensions)", option, s,
				    TENSOR_MAX_DIMS);
		errno = 0;
		d = strtoull(p, &end, 10);
		if (errno == ERANGE || d > SIZE_MAX)
			usage_error("%s: dimension too large in '%s'", option, s);
		shape[ndim++] = (size_t)d;
		if (*end == '\0')
			return ndim;
		if (*end != 'x')
			usage_error("%s: '%s' is not a shape like 3x4", option, s);
		p = end + 1;
	}
}

/* ---- masks and sides (lib/mask, lib/sides) ------------------------------------------------------ */

int mask_option(MaskSource *m, int c, const char *arg)
{
	switch (c) {
	case MASK_OPT_FILE:
		mask_load(m, arg);
		return 1;
	case MASK_OPT_ADDITIVE:
		mask_load_additive(m, arg);
		return 1;
	case MASK_OPT_NO_PAD:
		m->pad = false;
		return 1;
	default:
		return 0;
	}
}

int side_option(Sides *s, int c, const char *arg)
{
	switch (c) {
	case SIDE_OPT_MEMORY:
		s->keys_path = s->values_path = arg;
		s->memory = true;
		return 1;
	case SIDE_OPT_KEYS:
		s->keys_path = arg;
		return 1;
	case SIDE_OPT_VALUES:
		s->values_path = arg;
		return 1;
	case SIDE_OPT_CAUSAL:
		s->causal = true;
		return 1;
	case SIDE_OPT_ROPE:
		s->rope = true;
		return 1;
	case SIDE_OPT_ROPE_BASE:
		s->rope_base = parse_double(arg, "--rope-base", 1.0, 1e12);
		s->rope_set = true;
		return 1;
	case SIDE_OPT_OFFSET:
		s->rope_offset = (size_t)parse_long(arg, "--offset", 0, 1L << 40);
		s->rope_set = true;
		return 1;
	case SIDE_OPT_ATTN:
		s->attn_path = arg;
		return 1;
	case SIDE_OPT_NORMALIZE: {
		const int how = normalize_from_name(arg);
		if (how < 0)
			usage_error("--normalize: '%s' is not one of softmax, sigmoid, relu, sparsemax, none", arg);
		s->normalize = (Normalize)how;
		return 1;
	}
	default:
		return 0;
	}
}

/* ---- the Transformer: encode and decode (lib/transformer) -------------------------------------- */

/* Record an option in settings (NULL: not wanted). */
static void given(ModelConfig *settings, const char *key, const char *value, const char *option)
{
	if (settings)
		config_set(settings, key, value, option);
}

int transformer_option(TransformerConfig *cfg, ModelConfig *settings, int c, const char *arg)
{
	switch (c) {
	case TRANSFORMER_OPT_ARCH:
		if (strcmp(arg, "transformer") != 0)
			usage_error("--arch: '%s' is not an architecture (transformer, rnn, gru, lstm)", arg);
		given(settings, "arch", arg, "--arch");
		return 1;
	case TRANSFORMER_OPT_LAYERS:
		cfg->N = (size_t)parse_long(arg, "--layers", 1, 1000);
		cfg->layers_given = true;
		given(settings, "encoder_layers", arg, "--layers");
		given(settings, "decoder_layers", arg, "--layers");
		return 1;
	case TRANSFORMER_OPT_HEADS:
		cfg->H = (size_t)parse_long(arg, "--heads", 1, 65536);
		given(settings, "heads", arg, "--heads");
		return 1;
	case TRANSFORMER_OPT_FF:
		cfg->F = (size_t)parse_long(arg, "--ff", 1, 1 << 24);
		given(settings, "d_ff", arg, "--ff");
		return 1;
	case TRANSFORMER_OPT_ACTIVATION:
		if (!activation_parse(&cfg->activation, arg))
			usage_error("--activation: '%s' is not relu or gelu", arg);
		given(settings, "activation", arg, "--activation");
		return 1;
	case TRANSFORMER_OPT_NORM_FIRST:
		cfg->norm_first = true;
		given(settings, "norm_first", "1", "--norm-first");
		return 1;
	case TRANSFORMER_OPT_FINAL_NORM:
		cfg->final_norm = true;
		given(settings, "final_norm", "1", "--final-norm");
		return 1;
	case TRANSFORMER_OPT_EPS:
		cfg->eps = (float)parse_double(arg, "--eps", 1e-12, 1.0);
		given(settings, "eps", arg, "--eps");
		return 1;
	case TRANSFORMER_OPT_FINAL_EPS:
		cfg->final_eps = (float)parse_double(arg, "--final-eps", 1e-12, 1.0);
		given(settings, "final_eps", arg, "--final-eps");
		return 1;
	case TRANSFORMER_OPT_NORM:
		if (strcmp(arg, "torch") != 0 && strcmp(arg, "annotated") != 0)
			usage_error("--norm: '%s' is not torch or annotated", arg);
		cfg->annotated_norm = strcmp(arg, "annotated") == 0;
		given(settings, "norm", arg, "--norm");
		return 1;
	default:
		return 0;
	}
}

/* ---- the recurrent seq2seq: encode and decode --arch rnn|gru|lstm (lib/rnn) ---------------------- */

int rnn_encode_option(RnnEncodeOptions *o, int c, const char *arg)
{
	switch (c) {
	case RNN_OPT_HIDDEN:
		o->hidden = (size_t)parse_long(arg, "--hidden", 1, 1 << 20);
		return 1;
	case RNN_OPT_BIDIRECTIONAL:
		o->bidirectional = true;
		return 1;
	case RNN_OPT_LAST:
		o->last = true;
		return 1;
	case RNN_OPT_OVER_TIME:
		o->over_time = true;
		return 1;
	default:
		return 0;
	}
}

int rnn_decode_option(RnnDecodeOptions *o, ModelConfig *settings, int c, const char *arg)
{
	const char *key = NULL, *option = NULL;

	switch (c) {
	case RNN_OPT_HIDDEN:
		o->hidden = (size_t)parse_long(arg, "--hidden", 1, 1 << 20);
		key = "decoder_hidden", option = "--hidden";
		break;
	case RNN_OPT_SCORE:
		if (!rnn_score_parse(arg, &o->score))
			usage_error("--score: '%s' is not additive, general or dot", arg);
		key = "score", option = "--score";
		break;
	case RNN_OPT_ATTN_HIDDEN:
		o->attn_hidden = (size_t)parse_long(arg, "--attn-hidden", 1, 1 << 20);
		key = "attn_hidden", option = "--attn-hidden";
		break;
	case RNN_OPT_INIT:
		if (strcmp(arg, "last") != 0 && strcmp(arg, "zeros") != 0)
			usage_error("--init: '%s' is neither last nor zeros", arg);
		o->init_zeros = strcmp(arg, "zeros") == 0;
		key = "init", option = "--init";
		break;
	case RNN_OPT_EXPLAIN:
		o->explain = arg ? (size_t)parse_long(arg, "--explain", 1, 1000000) : 2;
		break;
	default:
		return 0;
	}
	/* as given on the command line, for decode --generate to check against the archive */
	if (settings && key)
		config_set(settings, key, arg, option);
	return 1;
}

int stage_option(CommonOptions *o, size_t *explain_rows, int c, const char *arg)
{
	switch (c) {
	case STAGE_OPT_EXPLAIN:
		if (explain_rows == NULL)
			return 0;
		*explain_rows = arg ? (size_t)parse_long(arg, "--explain", 1, 1000) : 2;
		return 1;
	case STAGE_OPT_PREFIX:
		o->params.prefix = arg;
		o->params.allow_extra = 1;
		return 1;
	default:
		return 0;
	}
}

const char *stage_input(int argc, char **argv, int optind_)
{
	if (optind_ + 1 < argc)
		usage_error("one input file at most; extra argument '%s'", argv[optind_ + 1]);
	return optind_ < argc ? argv[optind_] : "-";
}
