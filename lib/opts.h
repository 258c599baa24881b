/* opts: the options every program shares (-b, --npy, --digits, --weights, --seed, --save-weights, --help, --version). */
#ifndef PF_OPTS_H
#define PF_OPTS_H

#include <getopt.h>
#include <stdint.h>

#include "params.h"
#include "stream.h"

#ifndef PIPEFORMER_VERSION
#define PIPEFORMER_VERSION "0.1.0"
#endif
/* The backends --version names; the Makefile reads them off the libraries the programs link. */
#ifndef PIPEFORMER_BLAS
#define PIPEFORMER_BLAS "none"
#endif
#ifndef PIPEFORMER_FONTS
#define PIPEFORMER_FONTS "none (the built-in bitmap font)"
#endif

/* Long-option codes above any character. Programs number their own from OPT_PROGRAM. */
enum {
	OPT_NPY = 1000,
	OPT_DIGITS,
	OPT_WEIGHTS,
	OPT_SEED,
	OPT_SAVE_WEIGHTS,
	OPT_VERSION,
	OPT_PROGRAM = 1100,
};

/* For a program's struct option table: output forms, help, version; and the parameter options. */
#define OUTPUT_LONG_OPTIONS                                                                  \
	{ "binary", no_argument, NULL, 'b' }, { "npy", no_argument, NULL, OPT_NPY },          \
		{ "digits", required_argument, NULL, OPT_DIGITS },                             \
		{ "help", no_argument, NULL, 'h' }, { "version", no_argument, NULL, OPT_VERSION }
#define PARAM_LONG_OPTIONS                                                                   \
	{ "weights", required_argument, NULL, OPT_WEIGHTS },                                  \
		{ "seed", required_argument, NULL, OPT_SEED },                                 \
		{ "save-weights", required_argument, NULL, OPT_SAVE_WEIGHTS }
/* Their short forms for getopt_long's optstring. */
#define OUTPUT_SHORT_OPTIONS "bh"

typedef struct {
	WriteOptions out;
	ParamSource params;
} CommonOptions;

/* Defaults: text output, shortest digits, seed DEFAULT_SEED. */
void common_init(CommonOptions *o);
/*
 * Handle a shared option; returns 0 when c is not one. --help prints usage_text on stdout and
 * exits 0; --version prints the version and exits 0; '?' (getopt's error) exits 2.
 */
int common_option(CommonOptions *o, int c, const char *arg, const char *usage_text);

/* Numbers from the command line, range-checked: a bad one is a usage error naming the option. */
long parse_long(const char *s, const char *option, long min, long max);
double parse_double(const char *s, const char *option, double min, double max);
uint64_t parse_seed(const char *s, const char *option);
/* "3x4x5" into shape; returns ndim (1 to 4). */
int parse_shape(const char *s, const char *option, size_t *shape);

#endif
