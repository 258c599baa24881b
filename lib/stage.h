/* stage: what the one-equation stage programs (linear, norm, ffn) share: --prefix, --explain[=N], input checks. */
#ifndef PF_STAGE_H
#define PF_STAGE_H

#include <stddef.h>

#include "opts.h"
#include "tensor.h"

/* Option codes above the programs' own and transformer.h's. */
enum { OPT_STAGE_EXPLAIN = OPT_PROGRAM + 200, OPT_STAGE_PREFIX };

#define STAGE_LONG_OPTIONS                                                   \
	{ "explain", optional_argument, NULL, OPT_STAGE_EXPLAIN },           \
		{ "prefix", required_argument, NULL, OPT_STAGE_PREFIX }

/*
 * --explain[=N] into *explain_rows (N rows, default 2) and --prefix P into o->params (P's other
 * entries are then allowed: a stage reads one piece of a larger model). Returns 0 for other options.
 */
int stage_option(CommonOptions *o, size_t *explain_rows, int c, const char *arg);

/* The one input file after the options (default "-"); more is a usage error. */
const char *stage_input(int argc, char **argv, int optind_);

/*
 * The width of x's last axis, which every tensor of the stream shares: *width is set by tensor 0 and
 * checked for every later one (dies naming path and the tensor). Returns the number of rows, size / width.
 */
size_t stage_rows(size_t *width, const Tensor *x, const char *path, size_t index);

#endif
