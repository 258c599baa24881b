#include "opts.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "rng.h"

void common_init(CommonOptions *o)
{
	memset(o, 0, sizeof(*o));
	o->out.format = FORMAT_TEXT;
	o->params.seed = DEFAULT_SEED;
	o->params.prefix = "";
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
