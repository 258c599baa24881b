#include "stage.h"

#include "err.h"

int stage_option(CommonOptions *o, size_t *explain_rows, int c, const char *arg)
{
	switch (c) {
	case OPT_STAGE_EXPLAIN:
		*explain_rows = arg ? (size_t)parse_long(arg, "--explain", 1, 1000) : 2;
		return 1;
	case OPT_STAGE_PREFIX:
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

size_t stage_rows(size_t *width, const Tensor *x, const char *path, size_t index)
{
	size_t w = x->shape[x->ndim - 1];

	if (index == 0)
		*width = w;
	else if (w != *width)
		die("%s: tensor #%zu is %zu wide, expected %zu (the first tensor's width)", path, index, w, *width);
	return w ? x->size / w : 0;
}
