/* tensor: inspect, convert, compare and create tensor streams. */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "npz.h"
#include "opts.h"
#include "rng.h"
#include "stream.h"
#include "tensor.h"

static const char usage_text[] =
	"usage: tensor [cat] [-b | --npy] [--digits N] [file ...]\n"
	"       tensor info [file ...]\n"
	"       tensor rand --shape DxD... [--seed N] [--dist normal | uniform] [--count N] [-b | --npy]\n"
	"       tensor diff [--atol X] [--rtol Y] A B\n"
	"       tensor get [-b | --npy] archive.npz [name ...]\n"
	"       tensor pack archive.npz name=file ...\n"
	"\n"
	"  cat    convert a stream (text, binary or .npy, detected) to text, binary (-b) or .npy (--npy)\n"
	"  info   shape, name, labels, min / max / mean, NaN and Inf counts of every tensor\n"
	"  rand   random tensors: normal(0,1) or uniform[-1,1), the same on every machine for one seed\n"
	"  diff   largest absolute and relative difference of two streams; exit 0 when every value\n"
	"         satisfies |a-b| <= atol + rtol*|b| (as numpy.allclose), 1 when not, 2 on error\n"
	"  get    entries of an .npz archive by name (all of them, in archive order, when none is named)\n"
	"  pack   write an .npz archive (as np.savez) whose entry NAME holds the one tensor in FILE\n"
	"\n"
	"  -b, --binary     write the binary form\n"
	"      --npy        write .npy arrays\n"
	"      --digits N   round text output to N significant digits (default: shortest exact)\n"
	"      --shape S    rand: the shape, e.g. 3x4 (1 to 4 dimensions)\n"
	"      --seed N     rand: the seed (default 1)\n"
	"      --dist D     rand: normal (default) or uniform\n"
	"      --count N    rand: how many tensors (default 1)\n"
	"      --atol X     diff: absolute tolerance (default 1e-5)\n"
	"      --rtol Y     diff: relative tolerance (default 0)\n"
	"  -h, --help       this help\n"
	"      --version    the version\n";

enum { OPT_SHAPE = OPT_PROGRAM, OPT_DIST, OPT_COUNT, OPT_ATOL, OPT_RTOL };

static const struct option long_options[] = {
	OUTPUT_LONG_OPTIONS,
	{ "seed", required_argument, NULL, OPT_SEED },
	{ "shape", required_argument, NULL, OPT_SHAPE },
	{ "dist", required_argument, NULL, OPT_DIST },
	{ "count", required_argument, NULL, OPT_COUNT },
	{ "atol", required_argument, NULL, OPT_ATOL },
	{ "rtol", required_argument, NULL, OPT_RTOL },
	{ NULL, 0, NULL, 0 },
};

static CommonOptions common;
static size_t shape[TENSOR_MAX_DIMS];
static int ndim;
static int uniform;
static long count = 1;
static double abs_tol = 1e-5, rel_tol = 0.0;

/* Call visit on every tensor of the files in order (standard input when there is none). */
static void each_tensor(char **files, int n, bool allow_nonfinite,
			void (*visit)(const char *path, size_t index, const Tensor *t))
{
	static char *stdin_only[] = { "-" };

	if (n == 0)
		files = stdin_only, n = 1;
	for (int i = 0; i < n; i++) {
		StreamReader *r = stream_open(files[i]);
		Tensor *t;
		if (allow_nonfinite)
			stream_allow_nonfinite(r);
		while (stream_read(r, &t)) {
			visit(files[i], stream_count(r) - 1, t);
			tensor_free(t);
		}
		stream_close(r);
	}
}

static void cat_one(const char *path, size_t index, const Tensor *t)
{
	(void)path, (void)index;
	stream_write(stdout, t, &common.out);
}

static void print_labels(const char *what, char *const *labels, size_t n)
{
	printf("  %s:", what);
	for (size_t i = 0; i < n && i < 16; i++) {
		putchar(' ');
		label_escape(stdout, labels[i], NULL);
	}
	printf("%s\n", n > 16 ? " ..." : "");
}

static void info_one(const char *path, size_t index, const Tensor *t)
{
	char shape_buf[TENSOR_SHAPE_STR];
	double sum = 0.0, lo = INFINITY, hi = -INFINITY;
	size_t nans = 0, infs = 0, finite = 0;

	for (size_t i = 0; i < t->size; i++) {
		if (isnan(t->data[i])) {
			nans++;
			continue;
		}
		if (isinf(t->data[i])) {
			infs++;
			continue;
		}
		finite++;
		sum += t->data[i];
		lo = fmin(lo, t->data[i]);
		hi = fmax(hi, t->data[i]);
	}
	printf("%s #%zu: %s", path, index, tensor_shape_str(t, shape_buf));
	if (t->name) {
		printf(" name ");
		label_escape(stdout, t->name, NULL);
	}
	putchar('\n');
	if (t->row_labels && t->ndim >= 2)
		print_labels("rows", t->row_labels, tensor_rows(t));
	if (t->col_labels)
		print_labels("cols", t->col_labels, tensor_cols(t));
	if (finite)
		printf("  min %.9g  max %.9g  mean %.9g  (of the finite values)\n", lo, hi, sum / (double)finite);
	printf("  NaN %zu  Inf %zu\n", nans, infs);
}

static void rand_tensors(void)
{
	Rng rng;

	if (ndim == 0)
		usage_error("rand needs --shape");
	rng_seed(&rng, common.params.seed);
	for (long k = 0; k < count; k++) {
		Tensor *t = tensor_new(ndim, shape);
		if (uniform)
			fill_uniform(&rng, t->data, t->size, 1.0);
		else
			fill_normal(&rng, t->data, t->size, 1.0);
		stream_write(stdout, t, &common.out);
		tensor_free(t);
	}
}

/* Exit status 0 when every pair is within tolerance, 1 when not; errors exit 2. */
static int diff(const char *path_a, const char *path_b)
{
	StreamReader *ra = stream_open(path_a), *rb = stream_open(path_b);
	Tensor *a, *b;
	double max_abs = 0.0, max_rel = 0.0;
	size_t outside = 0, total = 0;

	while (stream_read(ra, &a)) {
		char sa[TENSOR_SHAPE_STR], sb[TENSOR_SHAPE_STR];
		if (!stream_read(rb, &b))
			die("%s has more tensors than %s", path_a, path_b);
		if (a->ndim != b->ndim || memcmp(a->shape, b->shape, sizeof(size_t) * (size_t)a->ndim) != 0)
			die("tensor #%zu: shape %s in %s, %s in %s", stream_count(ra) - 1, tensor_shape_str(a, sa),
			    path_a, tensor_shape_str(b, sb), path_b);
		for (size_t i = 0; i < a->size; i++) {
			double d = fabs((double)a->data[i] - (double)b->data[i]);
			double ref = fabs((double)b->data[i]);
			max_abs = fmax(max_abs, d);
			if (ref > 0)
				max_rel = fmax(max_rel, d / ref);
			else if (d > 0)
				max_rel = INFINITY;
			outside += d > abs_tol + rel_tol * ref;
		}
		total += a->size;
		tensor_free(a);
		tensor_free(b);
	}
	if (stream_read(rb, &b))
		die("%s has more tensors than %s", path_b, path_a);
	printf("max abs diff %.9g\nmax rel diff %.9g\n%zu of %zu values outside atol %g rtol %g\n", max_abs,
	       max_rel, outside, total, abs_tol, rel_tol);
	stream_close(ra);
	stream_close(rb);
	return outside ? 1 : 0;
}

static void get(const char *path, char **names, int n)
{
	Npz *z = npz_open(path);

	for (size_t i = 0; i < (n ? (size_t)n : npz_count(z)); i++) {
		const char *name = n ? names[i] : npz_name(z, i);
		Tensor *t;
		if (n == 0 && npz_is_text(z, name))
			continue; /* a model's config and vocabularies: text, not tensors */
		t = npz_read(z, name);
		if (t == NULL) {
			char list[512] = "";
			for (size_t k = 0; k < npz_count(z) && strlen(list) < 400; k++)
				snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s", k ? " " : "",
					 npz_name(z, k));
			die("%s: no entry '%s' (entries: %s)", path, name, list);
		}
		if (t->name == NULL)
			tensor_set_name(t, name);
		stream_write(stdout, t, &common.out);
		tensor_free(t);
	}
	npz_close(z);
}

static void pack(const char *path, char **pairs, int n)
{
	NpzWriter *w = npz_create(path);

	for (int i = 0; i < n; i++) {
		char *eq = strchr(pairs[i], '=');
		Tensor *t;
		if (eq == NULL || eq == pairs[i])
			usage_error("pack: '%s' is not NAME=FILE", pairs[i]);
		*eq = '\0';
		t = stream_read_single(eq + 1);
		npz_add(w, pairs[i], t);
		tensor_free(t);
	}
	npz_commit(w);
}

int main(int argc, char **argv)
{
	const char *command = "cat";
	int c, status = 0;

	set_progname(argv[0]);
	common_init(&common);
	if (argc > 1 && (strcmp(argv[1], "cat") == 0 || strcmp(argv[1], "info") == 0 ||
			 strcmp(argv[1], "rand") == 0 || strcmp(argv[1], "diff") == 0 ||
			 strcmp(argv[1], "get") == 0 || strcmp(argv[1], "pack") == 0)) {
		command = argv[1];
		argv[1] = argv[0];
		argv++, argc--;
	}
	if (strcmp(command, "diff") == 0)
		die_status = 2; /* 1 means "differs" */
	while ((c = getopt_long(argc, argv, OUTPUT_SHORT_OPTIONS, long_options, NULL)) != -1) {
		if (common_option(&common, c, optarg, usage_text))
			continue;
		switch (c) {
		case OPT_SHAPE:
			ndim = parse_shape(optarg, "--shape", shape);
			break;
		case OPT_DIST:
			if (strcmp(optarg, "normal") != 0 && strcmp(optarg, "uniform") != 0)
				usage_error("--dist: '%s' is neither normal nor uniform", optarg);
			uniform = strcmp(optarg, "uniform") == 0;
			break;
		case OPT_COUNT:
			count = parse_long(optarg, "--count", 0, 1000000);
			break;
		case OPT_ATOL:
			abs_tol = parse_double(optarg, "--atol", 0, INFINITY);
			break;
		case OPT_RTOL:
			rel_tol = parse_double(optarg, "--rtol", 0, INFINITY);
			break;
		}
	}
	argc -= optind;
	argv += optind;

	if (strcmp(command, "rand") == 0) {
		if (argc)
			usage_error("rand takes no file");
		rand_tensors();
	} else if (strcmp(command, "info") == 0) {
		each_tensor(argv, argc, true, info_one); /* info is where a student finds NaN and Inf */
	} else if (strcmp(command, "diff") == 0) {
		if (argc != 2)
			usage_error("diff compares two streams: tensor diff A B");
		status = diff(argv[0], argv[1]);
	} else if (strcmp(command, "get") == 0) {
		if (argc < 1)
			usage_error("get needs an archive: tensor get ARCHIVE.npz [NAME ...]");
		get(argv[0], argv + 1, argc - 1);
	} else if (strcmp(command, "pack") == 0) {
		if (argc < 2)
			usage_error("pack needs an archive and at least one NAME=FILE");
		pack(argv[0], argv + 1, argc - 1);
	} else {
		each_tensor(argv, argc, false, cat_one);
	}
	close_stdout();
	return status;
}
