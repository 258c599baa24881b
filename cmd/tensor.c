/* SPDX-License-Identifier: MIT */
/* tensor: inspect, convert, compare and create tensor streams. */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "annotated.h"
#include "err.h"
#include "graph.h"
#include "npz.h"
#include "opts.h"
#include "rng.h"
#include "explain_layers.h"
#include "stream.h"
#include "tensor_ops.h"
#include "vocab.h"
#include "tensor.h"

static const char usage_text[] =
	"usage: tensor [cat] [-b | --npy] [--digits N] [--threads N] [file ...]\n"
	"       tensor info [file ...]\n"
	"       tensor rand --shape DxD... [--seed N] [--dist normal | uniform] [--count N] [-b | --npy]\n"
	"       tensor diff [--atol X] [--rtol Y] A B\n"
	"       tensor get [-b | --npy] archive.npz [name ...]\n"
	"       tensor pack archive.npz name=file ...\n"
	"       tensor adjacency [--directed] [--self-loops] [-b | --npy] edges.txt\n"
	"       tensor annotated CHECKPOINT.npz MODEL.npz\n"
	"       tensor add [--explain[=N]] A B\n"
	"       tensor scale --by X [file ...]\n"
	"       tensor matmul A B\n"
	"       tensor transpose [file ...]\n"
	"       tensor softmax [--temperature T] [file ...]\n"
	"       tensor sigmoid [file ...]\n"
	"       tensor relu [file ...]\n"
	"       tensor sparsemax [file ...]\n"
	"       tensor argmax [--vocab FILE] [--ids] [file ...]\n"
	"       tensor topk [-k K] [--vocab FILE] [--ids] [file ...]\n"
	"       tensor slice [--rows I] [--cols I] [--heads I] [--layers I] [file ...]\n"
	"       tensor pick [--rows I] [--cols I] [--heads I] [--layers I] [file ...]\n"
	"       tensor permute --rows I | --cols I | --axes A,B,.. [file ...]\n"
	"       tensor split --heads H [file ...]\n"
	"       tensor concat --heads H [file ...]\n"
	"       tensor concat [--along rows | cols] file file ...\n"
	"       tensor stack [file ...]\n"
	"       tensor unstack [file ...]\n"
	"\n"
	"  cat    convert a stream (text, binary or .npy, detected) to text, binary (-b) or .npy (--npy)\n"
	"  info   shape, name, labels, min / max / mean, NaN and Inf counts of every tensor\n"
	"  rand   random tensors: normal(0,1) or uniform[-1,1), the same on every machine for one seed\n"
	"  diff   largest absolute and relative difference of two streams; exit 0 when every value\n"
	"         satisfies |a-b| <= atol + rtol*|b| (as numpy.allclose), 1 when not, 2 on error\n"
	"  get    entries of an .npz archive by name (all of them, in archive order, when none is named)\n"
	"  adjacency  a graph's edge list (one edge 'a b' a line) as the N x N 0/1 mask of attend --mask,\n"
	"         rows and columns labelled with the node names (undirected unless --directed)\n"
	"  pack   write an .npz archive (as np.savez) whose entry NAME holds the one tensor in FILE\n"
	"  annotated  the Annotated Transformer's state_dict() (linears.0..3, sublayer.N.norm.a_2, ...) as\n"
	"         the whole model decode --generate reads (PyTorch's names, a config with its LayerNorm)\n"
	"\n"
	"The matrix tools: each reads streams (\"-\" = standard input) and keeps names and labels.\n"
	"  add        A + B, tensor by tensor (the residual connection); B of one tensor serves every one of\n"
	"             A, and B may be one row added to every row (a bias)\n"
	"  scale      every value times X\n"
	"  matmul     A B: [.., N, K] times [K, M] (or [.., K, M]), rows of A, columns of B\n"
	"  transpose  swap the last two axes (and the row and column labels)\n"
	"  softmax    softmax(row / T) of every row (the last axis)\n"
	"  sigmoid    1 / (1 + exp(-x)) of every value; relu: max(x, 0); the other normalisations of attend\n"
	"  sparsemax  every row projected onto the simplex (Martins and Astudillo 2016): max(x - tau, 0),\n"
	"             the row summing to 1, many values exactly 0\n"
	"  argmax     the column of the largest value of every row (the lowest on a tie, as torch), as its\n"
	"             label; one line per tensor\n"
	"  topk       the K largest of every row, largest first, as label and value; one line per row\n"
	"  slice      rows, columns, heads (axis 3 from the end), layers (axis 4 from the end) by index\n"
	"  pick       the same, but an axis given one plain index goes away (x[i] in numpy)\n"
	"  permute    reorder rows or columns (with their labels), or the axes (torch.permute)\n"
	"  split      T x E into H x T x E/H heads, as multi-head attention splits q, k and v\n"
	"  concat     --heads: H x T x Dh back into T x H*Dh; else the i-th tensors of the files side by\n"
	"             side (--along cols, the default) or one under the other (--along rows)\n"
	"  stack      every tensor of the input into one with a new first axis\n"
	"  unstack    each tensor into its slices along the first axis\n"
	"\n"
	"  -b, --binary     write the binary form\n"
	"      --npy        write .npy arrays\n"
	"      --digits N   round text output to N significant digits (default: shortest exact)\n"
	"      --threads N  threads to use (default: $PIPEFORMER_THREADS, else every online core)\n"
	"      --shape S    rand: the shape, e.g. 3x4 (1 to 4 dimensions)\n"
	"      --seed N     rand: the seed (default 1)\n"
	"      --dist D     rand: normal (default) or uniform\n"
	"      --count N    rand: how many tensors (default 1)\n"
	"      --atol X     diff: absolute tolerance (default 1e-5)\n"
	"      --rtol Y     diff: relative tolerance (default 0)\n"
	"      --explain[=N]  add: the two inputs and the sum of the first N rows (default 2) on stderr\n"
	"      --by X       scale: the factor\n"
	"      --temperature T  softmax: divide by T first (default 1; > 1 flatter, < 1 sharper)\n"
	"      --vocab FILE  argmax, topk: name column i by line i of FILE (default: the column labels)\n"
	"      --ids        argmax, topk: print column numbers, not labels\n"
	"  -k K             topk: how many (default 5)\n"
	"      --rows I     rows by index: 3, -1 (the last), 1:4, :2, -2:, 0,2,5 (mixed: 0,3:5)\n"
	"      --cols I     columns by index, the same way\n"
	"      --heads I    slice, pick: axis 3 from the end; split, concat: the number of heads H\n"
	"      --layers I   axis 4 from the end (encode --attn's N x H x T x T)\n"
	"      --axes A,..  permute: the new order of the axes, 0 first\n"
	"      --along rows|cols  concat: join the files one under the other, or side by side (default)\n"
	"      --directed   adjacency: an edge 'a b' goes from a to b only (default: both ways)\n"
	"      --self-loops adjacency: every node is its own neighbour too (the diagonal is 1)\n"
	HELP_USAGE("");

enum { OPT_SHAPE = OPT_PROGRAM, OPT_DIST, OPT_COUNT, OPT_ATOL, OPT_RTOL, OPT_BY, OPT_TEMPERATURE, OPT_VOCAB,
       OPT_IDS, OPT_ROWS, OPT_COLS, OPT_HEADS, OPT_LAYERS, OPT_AXES, OPT_ALONG, OPT_DIRECTED, OPT_SELF_LOOPS };

static const struct option long_options[] = {
	OUTPUT_LONG_OPTIONS,
	{ "seed", required_argument, NULL, OPT_SEED },
	{ "shape", required_argument, NULL, OPT_SHAPE },
	{ "dist", required_argument, NULL, OPT_DIST },
	{ "count", required_argument, NULL, OPT_COUNT },
	{ "atol", required_argument, NULL, OPT_ATOL },
	{ "rtol", required_argument, NULL, OPT_RTOL },
	{ "explain", optional_argument, NULL, STAGE_OPT_EXPLAIN },
	{ "by", required_argument, NULL, OPT_BY },
	{ "temperature", required_argument, NULL, OPT_TEMPERATURE },
	{ "vocab", required_argument, NULL, OPT_VOCAB },
	{ "ids", no_argument, NULL, OPT_IDS },
	{ "rows", required_argument, NULL, OPT_ROWS },
	{ "cols", required_argument, NULL, OPT_COLS },
	{ "heads", required_argument, NULL, OPT_HEADS },
	{ "layers", required_argument, NULL, OPT_LAYERS },
	{ "axes", required_argument, NULL, OPT_AXES },
	{ "along", required_argument, NULL, OPT_ALONG },
	{ "directed", no_argument, NULL, OPT_DIRECTED },
	{ "self-loops", no_argument, NULL, OPT_SELF_LOOPS },
	{ NULL, 0, NULL, 0 },
};

static CommonOptions common;
static size_t shape[TENSOR_MAX_DIMS];
static int ndim;
static int uniform;
static long count = 1;
static double abs_tol = 1e-5, rel_tol = 0.0;
static bool directed, self_loops; /* adjacency */
/* the matrix tools' options */
static size_t explain_rows, top_k = 5;
static double scale_by = 1.0, temperature = 1.0;
static const char *command_name; /* sigmoid, relu, sparsemax: which normalisation */
static bool have_by, print_ids, along_rows, heads_given;
static const char *vocab_path, *axes_spec;
static const char *index_spec[AXIS_LAYERS + 1]; /* by AxisFromEnd: --cols, --rows, --heads, --layers */
static char **vocab_labels;
static size_t vocab_size;

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

/* A cell where two streams differ: where it is, as the student reads it, and both values. */
typedef struct {
	double d, a, b;
	size_t tensor;
	char where[TENSOR_SHAPE_STR + 160]; /* "[1,2] (cat, d2)" */
} DiffCell;

enum { WORST_SHOWN = 3 };

/* Keep cell i of a and b, d apart, among the WORST_SHOWN largest differences (worst first). */
static void keep_worst(DiffCell *worst, size_t *n, const Tensor *a, const Tensor *b, size_t i, double d,
		       size_t tensor)
{
	size_t k = *n < WORST_SHOWN ? (*n)++ : WORST_SHOWN - 1, cols = tensor_cols(a);
	char buf[TENSOR_SHAPE_STR];

	if (k == WORST_SHOWN - 1 && *n == WORST_SHOWN && worst[k].d >= d)
		return;
	for (; k > 0 && worst[k - 1].d < d; k--)
		worst[k] = worst[k - 1];
	worst[k] = (DiffCell){ d, a->data[i], b->data[i], tensor, "" };
	tensor_index_str(a, i, buf);
	if ((a->row_labels && a->ndim >= 2) || a->col_labels) {
		/* the labels of the cell's row (axis ndim-2) and column (last axis): "[1,2] (row cat, col d2)" */
		char *r = a->row_labels && a->ndim >= 2 ? label_escape_str(a->row_labels[i / cols % tensor_rows(a)], NULL) : NULL;
		char *c = a->col_labels ? label_escape_str(a->col_labels[i % cols], NULL) : NULL;
		snprintf(worst[k].where, sizeof(worst[k].where), "%s (%s%.60s%s%s%.60s)", buf, r ? "row " : "", r ? r : "",
			 r && c ? ", " : "", c ? "col " : "", c ? c : "");
		free(r);
		free(c);
	} else {
		snprintf(worst[k].where, sizeof(worst[k].where), "%s", buf);
	}
}

/* Exit status 0 when every pair is within tolerance, 1 when not; errors exit 2. */
static int diff(const char *path_a, const char *path_b)
{
	StreamReader *ra = stream_open(path_a), *rb = stream_open(path_b);
	Tensor *a, *b;
	double max_abs = 0.0, max_rel = 0.0;
	size_t outside = 0, total = 0, nworst = 0, tensors = 0;
	DiffCell worst[WORST_SHOWN];

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
			if (d > abs_tol + rel_tol * ref) {
				outside++;
				keep_worst(worst, &nworst, a, b, i, d, tensors);
			}
		}
		total += a->size;
		tensors++;
		tensor_free(a);
		tensor_free(b);
	}
	if (stream_read(rb, &b))
		die("%s has more tensors than %s", path_b, path_a);
	printf("max abs diff %.9g\nmax rel diff %.9g\n%zu of %zu values outside atol %g rtol %g\n", max_abs,
	       max_rel, outside, total, abs_tol, rel_tol);
	/* where to look: the cells furthest apart, by index and labels */
	for (size_t k = 0; k < nworst; k++) {
		char num[32];
		if (k == 0)
			printf("%s:\n", nworst == 1 ? "the value outside" : "the largest differences");
		if (tensors > 1)
			snprintf(num, sizeof(num), "tensor #%zu ", worst[k].tensor);
		else
			num[0] = '\0';
		printf("  %s", num);
		fputs_printable(worst[k].where, stdout);
		printf(": %.9g in %s, %.9g in %s\n", worst[k].a, path_a, worst[k].b, path_b);
	}
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

/* ---- the matrix tools ---------------------------------------------------------------------- */

static void put(Tensor *t)
{
	stream_write(stdout, t, &common.out);
	tensor_free(t);
}

static void scale_one(const char *path, size_t index, const Tensor *t)
{
	Tensor *y = tensor_clone(t);

	(void)path, (void)index;
	for (size_t i = 0; i < y->size; i++)
		y->data[i] = (float)(y->data[i] * scale_by);
	tensor_require_finite(y, "output");
	put(y);
}

static void transpose_one(const char *path, size_t index, const Tensor *t)
{
	(void)path, (void)index;
	put(tensor_transpose(t));
}

static void softmax_one(const char *path, size_t index, const Tensor *t)
{
	Tensor *y = tensor_clone(t);

	(void)path, (void)index;
	tensor_softmax(y, temperature);
	put(y);
}

static void normalize_one(const char *path, size_t index, const Tensor *t)
{
	Tensor *y = tensor_clone(t);

	(void)path, (void)index;
	tensor_normalize(y, (Normalize)normalize_from_name(command_name));
	put(y);
}

/* Column id of t as text: its number (--ids), its token of --vocab, its column label, or its number. */
static void print_column(const Tensor *t, size_t id, const char *path)
{
	if (vocab_labels && vocab_size != tensor_cols(t))
		die("%s: %zu columns, but %zu tokens in %s", path, tensor_cols(t), vocab_size, vocab_path);
	if (!print_ids && (vocab_labels || t->col_labels))
		label_escape(stdout, (vocab_labels ? vocab_labels : t->col_labels)[id], NULL);
	else
		printf("%zu", id);
}

/* argmax and topk: a row of 0 columns has no largest value */
static void require_columns(const Tensor *t, const char *path, size_t index)
{
	if (tensor_cols(t) == 0 && tensor_row_count(t) > 0)
		die("%s: tensor #%zu has rows of 0 columns: no largest value", path, index);
}

static void argmax_one(const char *path, size_t index, const Tensor *t)
{
	size_t R = tensor_row_count(t), *ids = xmalloc(xmul(R, sizeof(size_t), "rows"));

	require_columns(t, path, index);
	tensor_argmax(ids, t);
	for (size_t r = 0; r < R; r++) {
		if (r)
			putchar(' ');
		print_column(t, ids[r], path);
	}
	putchar('\n');
	free(ids);
}

static void topk_one(const char *path, size_t index, const Tensor *t)
{
	size_t R = tensor_row_count(t), K = top_k < tensor_cols(t) ? top_k : tensor_cols(t);
	size_t *ids = xmalloc(xmul(xmul(R, K, "top-k"), sizeof(size_t), "top-k"));
	float *values = xmalloc(xmul(xmul(R, K, "top-k"), sizeof(float), "top-k"));
	char num[32];

	require_columns(t, path, index);
	tensor_topk(ids, values, t, K);
	for (size_t r = 0; r < R; r++) {
		size_t row = r % tensor_rows(t);
		if (t->ndim >= 2 && t->row_labels)
			label_escape(stdout, t->row_labels[row], NULL);
		else
			printf("%zu", r);
		putchar(':');
		for (size_t k = 0; k < K; k++) {
			putchar(' ');
			print_column(t, ids[r * K + k], path);
			format_float(num, values[r * K + k], common.out.digits ? common.out.digits : 4);
			printf(" %s", num);
		}
		putchar('\n');
	}
	free(ids);
	free(values);
}

static void slice_one(const char *path, size_t index, const Tensor *t)
{
	(void)index;
	put(tensor_select_axes(t, index_spec, false, path));
}

static void pick_one(const char *path, size_t index, const Tensor *t)
{
	(void)index;
	put(tensor_select_axes(t, index_spec, true, path));
}

static void permute_one(const char *path, size_t index, const Tensor *t)
{
	(void)index;
	if (axes_spec)
		put(tensor_permute_axes(t, axes_spec, path));
	else if (index_spec[AXIS_ROWS])
		put(tensor_reorder(t, AXIS_ROWS, index_spec[AXIS_ROWS], path));
	else
		put(tensor_reorder(t, AXIS_COLS, index_spec[AXIS_COLS], path));
}

static size_t heads_count;

static void split_one(const char *path, size_t index, const Tensor *t)
{
	(void)index;
	put(tensor_split_heads(t, heads_count, path));
}

static void merge_one(const char *path, size_t index, const Tensor *t)
{
	(void)index;
	if (t->ndim == 3 && t->shape[0] != heads_count)
		die("%s: %zu heads, not --heads %zu", path, t->shape[0], heads_count);
	put(tensor_merge_heads(t, path));
}

static void unstack_one(const char *path, size_t index, const Tensor *t)
{
	(void)index;
	if (t->ndim < 2)
		die("%s: a 1-D tensor does not unstack", path);
	for (size_t i = 0; i < t->shape[0]; i++)
		put(tensor_select(t, 0, &i, 1, true));
}

/* A + B and A B: tensor i of A with tensor i of B (a B of one tensor serves every one) */
static void binary(const char *path_a, const char *path_b, bool product)
{
	StreamReader *ra = stream_open(path_a), *rb = stream_open(path_b);
	Tensor *a, *b = NULL;

	if (strcmp(path_a, "-") == 0 && strcmp(path_b, "-") == 0)
		usage_error("A and B cannot both be standard input");
	while (stream_read(ra, &a)) {
		Tensor *y;
		b = stream_read_paired(rb, b, stream_count(ra) - 1);
		y = product ? tensor_matmul(a, b, path_a) : tensor_add(a, b, path_a);
		tensor_require_finite(y, "output");
		if (explain_rows && !product) {
			size_t K = tensor_cols(a), R = tensor_row_count(a);
			float *b_rows = xmalloc(xmul(a->size, sizeof(float), "explain")); /* a bias row repeated */
			for (size_t r = 0; r < R; r++)
				memcpy(b_rows + r * K, b->data + (b->size == a->size ? r * K : 0), K * sizeof(float));
			explain_residual(y->data, a->data, b_rows, R, K, explain_rows, a->ndim == 2 ? a->row_labels : NULL);
			free(b_rows);
		}
		put(y);
		tensor_free(a);
	}
	stream_end_paired(rb, stream_count(ra));
	tensor_free(b);
	stream_close(ra);
	stream_close(rb);
}

/* The i-th tensors of every file side by side (along = last axis) or one under the other (rows) */
static void concat_files(char **files, int n, bool rows)
{
	StreamReader **r = xcalloc((size_t)n, sizeof(*r));
	Tensor **ts = xcalloc((size_t)n, sizeof(*ts));

	for (int i = 0; i < n; i++)
		r[i] = stream_open(files[i]);
	while (stream_read(r[0], &ts[0])) {
		Tensor *y;
		for (int i = 1; i < n; i++)
			if (!stream_read(r[i], &ts[i]))
				die("%s has fewer tensors than %s", files[i], files[0]);
		y = tensor_concat(ts, (size_t)n, ts[0]->ndim - (rows && ts[0]->ndim >= 2 ? 2 : 1), files[0]);
		for (int i = 0; i < n; i++)
			tensor_free(ts[i]);
		put(y);
	}
	for (int i = 1; i < n; i++) {
		if (stream_read(r[i], &ts[i]))
			die("%s has more tensors than %s", files[i], files[0]);
		stream_close(r[i]);
	}
	stream_close(r[0]);
	free(r);
	free(ts);
}

static Tensor **stacked;
static size_t n_stacked;

static void stack_one(const char *path, size_t index, const Tensor *t)
{
	(void)path, (void)index;
	stacked = xrealloc(stacked, xmul(n_stacked + 1, sizeof(Tensor *), "stack"));
	stacked[n_stacked++] = tensor_clone(t);
}

static const char *const commands[] = { "cat", "info", "rand", "diff", "get", "pack", "adjacency", "annotated", "add", "scale", "matmul",
					"transpose", "softmax", "sigmoid", "relu", "sparsemax", "argmax", "topk", "slice", "pick", "permute",
					"split", "concat", "stack", "unstack", NULL };

/* The option values of the matrix tools, checked for the sub-command that reads them. */
static void tool_option(int c, const char *arg)
{
	switch (c) {
	case OPT_BY:
		scale_by = parse_double(arg, "--by", -1e30, 1e30);
		have_by = true;
		break;
	case OPT_TEMPERATURE:
		temperature = parse_double(arg, "--temperature", 1e-6, 1e6);
		break;
	case OPT_VOCAB:
		vocab_path = arg;
		break;
	case OPT_IDS:
		print_ids = true;
		break;
	case 'k':
		top_k = (size_t)parse_long(arg, "-k", 1, 1 << 24);
		break;
	case OPT_ALONG:
		if (strcmp(arg, "rows") != 0 && strcmp(arg, "cols") != 0)
			usage_error("--along: '%s' is neither rows nor cols", arg);
		along_rows = strcmp(arg, "rows") == 0;
		break;
	case OPT_ROWS:
		index_list_check(arg, "--rows");
		index_spec[AXIS_ROWS] = arg;
		break;
	case OPT_COLS:
		index_list_check(arg, "--cols");
		index_spec[AXIS_COLS] = arg;
		break;
	case OPT_HEADS:
		heads_given = true;
		index_spec[AXIS_HEADS] = arg;
		break;
	case OPT_LAYERS:
		index_list_check(arg, "--layers");
		index_spec[AXIS_LAYERS] = arg;
		break;
	case OPT_AXES:
		axes_spec = arg;
		break;
	case STAGE_OPT_EXPLAIN:
		explain_rows = arg ? (size_t)parse_long(arg, "--explain", 1, 1000) : 2;
		break;
	}
}

static bool is(const char *command, const char *name)
{
	return strcmp(command, name) == 0;
}

/* An option that only some sub-commands read is a usage error elsewhere (it would do nothing). */
static void check_owner(const char *command, int c, int index)
{
	static const struct {
		int code;
		const char *commands; /* " a b " */
	} owners[] = {
		{ OPT_SHAPE, " rand " }, { OPT_DIST, " rand " }, { OPT_COUNT, " rand " }, { OPT_SEED, " rand " },
		{ OPT_ATOL, " diff " }, { OPT_RTOL, " diff " }, { STAGE_OPT_EXPLAIN, " add " },
		{ OPT_BY, " scale " }, { OPT_TEMPERATURE, " softmax " }, { OPT_VOCAB, " argmax topk " },
		{ OPT_IDS, " argmax topk " }, { 'k', " topk " }, { OPT_ROWS, " slice pick permute " },
		{ OPT_COLS, " slice pick permute " }, { OPT_HEADS, " slice pick split concat " },
		{ OPT_LAYERS, " slice pick " }, { OPT_AXES, " permute " }, { OPT_ALONG, " concat " },
		{ OPT_DIRECTED, " adjacency " }, { OPT_SELF_LOOPS, " adjacency " },
	};
	char word[32], list[64];

	snprintf(word, sizeof(word), " %s ", command);
	for (size_t i = 0; i < sizeof(owners) / sizeof(owners[0]); i++) {
		if (owners[i].code != c || strstr(owners[i].commands, word))
			continue;
		/* " slice pick permute " -> "slice, pick, permute" */
		snprintf(list, sizeof(list), "%s", owners[i].commands + 1);
		list[strlen(list) - 1] = '\0';
		for (char *sp = strchr(list, ' '); sp != NULL; sp = strchr(sp + 2, ' ')) {
			memmove(sp + 1, sp, strlen(sp) + 1);
			sp[0] = ',';
		}
		if (c == 'k')
			usage_error("-k is for tensor %s, not tensor %s", list, command);
		usage_error("--%s is for tensor %s, not tensor %s", long_options[index].name, list, command);
	}
}

/* The matrix tools; returns false when command is not one of them. */
static bool run_tool(const char *command, char **files, int n)
{
	if (is(command, "add") || is(command, "matmul")) {
		if (n != 2)
			usage_error("%s takes two streams: tensor %s A B (\"-\" = standard input)", command, command);
		binary(files[0], files[1], is(command, "matmul"));
	} else if (is(command, "scale")) {
		if (!have_by)
			usage_error("scale needs --by X");
		each_tensor(files, n, false, scale_one);
	} else if (is(command, "transpose")) {
		each_tensor(files, n, false, transpose_one);
	} else if (is(command, "softmax")) {
		each_tensor(files, n, false, softmax_one);
	} else if (is(command, "sigmoid") || is(command, "relu") || is(command, "sparsemax")) {
		command_name = command;
		each_tensor(files, n, false, normalize_one);
	} else if (is(command, "argmax") || is(command, "topk")) {
		if (vocab_path) {
			Vocab *v = vocab_load(vocab_path);
			vocab_labels = labels_dup(v->tokens, vocab_size = v->count);
			vocab_free(v);
		}
		each_tensor(files, n, false, is(command, "argmax") ? argmax_one : topk_one);
		labels_free(vocab_labels, vocab_size);
	} else if (is(command, "slice") || is(command, "pick")) {
		if (index_spec[AXIS_HEADS])
			index_list_check(index_spec[AXIS_HEADS], "--heads");
		each_tensor(files, n, false, is(command, "slice") ? slice_one : pick_one);
	} else if (is(command, "permute")) {
		if (!!axes_spec + !!index_spec[AXIS_ROWS] + !!index_spec[AXIS_COLS] != 1)
			usage_error("permute takes one of --rows, --cols and --axes");
		each_tensor(files, n, false, permute_one);
	} else if (is(command, "split") || (is(command, "concat") && heads_given)) {
		if (!heads_given)
			usage_error("split needs --heads H");
		heads_count = (size_t)parse_long(index_spec[AXIS_HEADS], "--heads", 1, 65536);
		each_tensor(files, n, false, is(command, "split") ? split_one : merge_one);
	} else if (is(command, "concat")) {
		if (n < 2)
			usage_error("concat takes --heads H, or two files or more");
		concat_files(files, n, along_rows);
	} else if (is(command, "stack")) {
		each_tensor(files, n, false, stack_one);
		put(tensor_stack(stacked, n_stacked, n ? files[0] : "-"));
		for (size_t i = 0; i < n_stacked; i++)
			tensor_free(stacked[i]);
		free(stacked);
	} else if (is(command, "unstack")) {
		each_tensor(files, n, false, unstack_one);
	} else {
		return false;
	}
	return true;
}

int main(int argc, char **argv)
{
	const char *command = "cat";
	int c, index = 0, status = 0;

	set_progname(argv[0]);
	common_init(&common);
	for (int i = 0; argc > 1 && commands[i]; i++)
		if (is(argv[1], commands[i])) {
			command = argv[1];
			argv[1] = argv[0];
			argv++, argc--;
			break;
		}
	if (argc > 1 && is(command, "cat") && argv[1][0] != '-' && access(argv[1], F_OK) != 0 &&
	    word_suggestion(argv[1], commands))
		usage_error("%s: no such file, and no sub-command: did you mean tensor %s?", argv[1],
			    word_suggestion(argv[1], commands));
	if (is(command, "diff"))
		die_status = 2; /* 1 means "differs" */
	while ((c = options_next(argc, argv, OUTPUT_SHORT_OPTIONS "k:", long_options, &index)) != -1) {
		check_owner(command, c, index);
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
		case OPT_DIRECTED:
			directed = true;
			break;
		case OPT_SELF_LOOPS:
			self_loops = true;
			break;
		default:
			tool_option(c, optarg);
		}
	}
	argc -= optind;
	argv += optind;

	if (run_tool(command, argv, argc)) {
		/* done */
	} else if (is(command, "rand")) {
		if (argc)
			usage_error("rand takes no file");
		rand_tensors();
	} else if (is(command, "info")) {
		each_tensor(argv, argc, true, info_one); /* info is where a student finds NaN and Inf */
	} else if (is(command, "diff")) {
		if (argc != 2)
			usage_error("diff compares two streams: tensor diff A B");
		status = diff(argv[0], argv[1]);
	} else if (is(command, "get")) {
		if (argc < 1)
			usage_error("get needs an archive: tensor get ARCHIVE.npz [NAME ...]");
		get(argv[0], argv + 1, argc - 1);
	} else if (is(command, "adjacency")) {
		if (argc != 1)
			usage_error("adjacency reads one edge list: tensor adjacency EDGES (\"-\" = standard input)");
		put(graph_adjacency(argv[0], directed, self_loops));
	} else if (is(command, "pack")) {
		if (argc < 2)
			usage_error("pack needs an archive and at least one NAME=FILE");
		pack(argv[0], argv + 1, argc - 1);
	} else if (is(command, "annotated")) {
		if (argc != 2)
			usage_error("annotated takes two archives: tensor annotated CHECKPOINT.npz MODEL.npz");
		annotated_convert(argv[0], argv[1]);
	} else {
		each_tensor(argv, argc, false, cat_one);
	}
	close_stdout();
	return status;
}
