/* SPDX-License-Identifier: MIT */
#include "tensor_ops.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "layers.h"
#include "linalg.h"
#include "mha.h"
#include "search.h"
#include "softmax.h"

/* N = rows, K = inner size / columns, M = columns of a product, H = heads, T = positions, Dh = E / H */

/* The labels that name axis of t: rows (second-last), columns (last), or none. */
static char *const *axis_labels(const Tensor *t, int axis)
{
	if (axis == t->ndim - 1)
		return t->col_labels;
	if (t->ndim >= 2 && axis == t->ndim - 2)
		return t->row_labels;
	return NULL;
}

/* Give axis of out the labels (copied); an axis that is neither rows nor columns keeps none. */
static void set_axis_labels(Tensor *out, int axis, char *const *labels)
{
	if (axis == out->ndim - 1)
		tensor_set_col_labels(out, labels);
	else if (out->ndim >= 2 && axis == out->ndim - 2)
		tensor_set_row_labels(out, labels);
}

static bool same_shape(const Tensor *a, const Tensor *b)
{
	return a->ndim == b->ndim && memcmp(a->shape, b->shape, (size_t)a->ndim * sizeof(size_t)) == 0;
}

size_t tensor_row_count(const Tensor *t)
{
	size_t rows = 1;

	for (int i = 0; i < t->ndim - 1; i++) /* the leading axes' product: also right for rows of 0 columns */
		rows *= t->shape[i];
	return rows;
}

size_t tensor_rows_of_width(size_t *width, const Tensor *x, const char *path, size_t index)
{
	size_t w = x->shape[x->ndim - 1];

	if (index == 0)
		*width = w;
	else if (w != *width)
		die("%s: tensor #%zu is %zu wide, expected %zu (the first tensor's width)", path, index, w, *width);
	return tensor_row_count(x);
}

Tensor *tensor_add(const Tensor *a, const Tensor *b, const char *where)
{
	char sa[TENSOR_SHAPE_STR], sb[TENSOR_SHAPE_STR];
	size_t K = tensor_cols(a);
	Tensor *sum = tensor_clone(a);

	if (same_shape(a, b)) {
		residual_add(sum->data, b->data, a->size);
	} else if (b->size == K && tensor_cols(b) == K) {
		for (size_t n = 0; n < tensor_row_count(a); n++)
			residual_add(sum->data + n * K, b->data, K); /* a bias: the same row added to every row */
	} else {
		die("%s: cannot add %s and %s (the same shape, or a row as wide as the first)", where,
		    tensor_shape_str(a, sa), tensor_shape_str(b, sb));
	}
	return sum;
}

Tensor *tensor_matmul(const Tensor *a, const Tensor *b, const char *where)
{
	char sa[TENSOR_SHAPE_STR], sb[TENSOR_SHAPE_STR];
	size_t N = tensor_rows(a), K = tensor_cols(a), M = tensor_cols(b), shape[TENSOR_MAX_DIMS];
	size_t batches = (N * K) > 0 ? a->size / (N * K) : 0, b_step;
	Tensor *out;

	if (b->ndim < 2 || tensor_rows(b) != K || (b->ndim > 2 && (b->ndim != a->ndim ||
	    memcmp(a->shape, b->shape, (size_t)(a->ndim - 2) * sizeof(size_t)) != 0)))
		die("%s: cannot multiply %s by %s (a [.., N, K] times b [K, M] or [.., K, M])", where,
		    tensor_shape_str(a, sa), tensor_shape_str(b, sb));
	memcpy(shape, a->shape, sizeof(shape));
	shape[a->ndim - 1] = M;
	out = tensor_new(a->ndim, shape);
	b_step = b->ndim > 2 ? K * M : 0; /* a 2-D b serves every leading index of a */
	for (size_t i = 0; i < batches; i++)
		matmul(out->data + i * N * M, a->data + i * N * K, b->data + i * b_step, N, K, M);
	tensor_keep_rows(out, a);
	tensor_set_col_labels(out, b->col_labels);
	return out;
}

Tensor *tensor_transpose(const Tensor *t)
{
	size_t N = tensor_rows(t), K = tensor_cols(t), shape[TENSOR_MAX_DIMS];
	int ndim = t->ndim < 2 ? 2 : t->ndim;
	Tensor *out;

	memcpy(shape, t->shape, sizeof(shape));
	shape[ndim - 2] = K;
	shape[ndim - 1] = N;
	out = tensor_new(ndim, shape);
	for (size_t i = 0; (N * K) > 0 && i < t->size / (N * K); i++) {
		const float *x_i = t->data + i * N * K;
		float *out_i = out->data + i * N * K;
		for (size_t n = 0; n < N; n++)
			for (size_t k = 0; k < K; k++)
				out_i[k * N + n] = x_i[n * K + k];
	}
	tensor_set_name(out, t->name);
	tensor_set_row_labels(out, t->col_labels);
	if (t->ndim >= 2)
		tensor_set_col_labels(out, t->row_labels);
	return out;
}

void tensor_softmax(Tensor *t, double temperature)
{
	if (temperature != 1.0)
		for (size_t i = 0; i < t->size; i++)
			t->data[i] = (float)(t->data[i] / temperature); /* x / T, as torch.softmax(x / T) */
	softmax_rows(t->data, tensor_row_count(t), tensor_cols(t));
}

void tensor_normalize(Tensor *t, Normalize how)
{
	const size_t K = tensor_cols(t);
	float *sorted = xmalloc(xmul(K ? K : 1, sizeof(float), "normalize")); /* sparsemax's sorting space */

	for (size_t r = 0; r < tensor_row_count(t); r++)
		normalize_row(t->data + r * K, t->data + r * K, NULL, K, K, how, sorted);
	free(sorted);
}

void tensor_argmax(size_t *ids, const Tensor *t)
{
	size_t K = tensor_cols(t);

	for (size_t r = 0; r < tensor_row_count(t); r++)
		ids[r] = argmax(t->data + r * K, K);
}

void tensor_topk(size_t *ids, float *values, const Tensor *t, size_t K)
{
	size_t V = tensor_cols(t);

	for (size_t r = 0; r < tensor_row_count(t); r++) {
		const float *x_r = t->data + r * V;
		size_t *ids_r = ids + r * K;
		/* insertion into a sorted list of K: a later id only passes an earlier one when strictly larger */
		for (size_t v = 0, have = 0; v < V; v++) {
			size_t k = have < K ? have++ : K;
			while (k > 0 && x_r[v] > x_r[ids_r[k - 1]]) {
				if (k < K)
					ids_r[k] = ids_r[k - 1];
				k--;
			}
			if (k < K)
				ids_r[k] = v;
		}
		for (size_t k = 0; k < K; k++)
			values[r * K + k] = x_r[ids_r[k]];
	}
}

/* ---- index lists ----------------------------------------------------------------------------- */

/* One whole number at *s (a sign allowed), advancing *s; false when there is none. */
static bool index_number(const char **s, long *v)
{
	char *end;

	errno = 0;
	*v = strtol(*s, &end, 10);
	if (end == *s || errno == ERANGE || (**s != '-' && (**s < '0' || **s > '9')))
		return false;
	*s = end;
	return true;
}

/* i counted from the end when negative, into [0, len]; false when outside (end: len itself allowed) */
static bool index_wrap(long i, size_t len, bool end, size_t *out)
{
	long n = (long)len;

	if (i < 0)
		i += n;
	if (i < 0 || i > n || (i == n && !end))
		return false;
	*out = (size_t)i;
	return true;
}

/*
 * Walk spec: each comma-separated item is "i" or "a:b" (either end may be empty). With len = 0 only the
 * syntax is checked. Returns false on bad syntax; *bad_index is set (and true returned) on an index outside.
 */
static bool index_walk(const char *spec, size_t len, size_t **idx, size_t *n, bool *single, long *bad,
		       bool *outside)
{
	const char *s = spec;
	size_t cap = 0;

	*n = 0;
	*outside = false;
	*single = strchr(spec, ',') == NULL && strchr(spec, ':') == NULL;
	for (;;) {
		long a = 0, b = (long)len;
		bool range, have_a = false, have_b = false;
		size_t from, to;
		if (*s != ':' && *s != ',' && *s != '\0')
			have_a = index_number(&s, &a);
		if (!have_a && *s != ':')
			return false;
		range = *s == ':';
		if (range) {
			s++;
			if (*s != ',' && *s != '\0' && !(have_b = index_number(&s, &b)))
				return false;
		}
		if (*s != ',' && *s != '\0')
			return false;
		if (idx) {
			if (!range) {
				if (!index_wrap(a, len, false, &from)) {
					*bad = a, *outside = true;
					return true;
				}
				to = from + 1;
			} else {
				if (!index_wrap(have_a ? a : 0, len, true, &from) ||
				    !index_wrap(have_b ? b : (long)len, len, true, &to)) {
					*bad = !index_wrap(have_a ? a : 0, len, true, &from) ? a : b;
					*outside = true;
					return true;
				}
			}
			for (size_t i = from; i < to; i++) {
				if (*n == cap)
					*idx = xrealloc(*idx, xmul(cap = cap ? 2 * cap : 8, sizeof(size_t), "indices"));
				(*idx)[(*n)++] = i;
			}
		}
		if (*s == '\0')
			return true;
		s++;
	}
}

void index_list_check(const char *spec, const char *option)
{
	size_t n;
	bool single, outside;
	long bad;

	if (!index_walk(spec, 0, NULL, &n, &single, &bad, &outside))
		usage_error("%s: '%s' is not a list of indices like 0, -1, 1:4, :2 or 0,2,5", option, spec);
}

size_t index_list_resolve(size_t **idx, bool *single, const char *spec, size_t len, const char *option,
			  const char *where)
{
	size_t n;
	long bad;
	bool outside;

	*idx = NULL;
	index_walk(spec, len, idx, &n, single, &bad, &outside);
	if (outside && len == 0)
		die("%s: %s %s: that axis is empty", where, option, spec);
	if (outside)
		die("%s: %s %s: index %ld is outside 0 .. %zu", where, option, spec, bad, len - 1);
	if (n == 0)
		die("%s: %s %s selects nothing", where, option, spec);
	return n;
}

/* ---- moving data between axes ---------------------------------------------------------------- */

Tensor *tensor_select(const Tensor *t, int axis, const size_t *idx, size_t n, bool drop)
{
	size_t outer = 1, inner = 1, len = t->shape[axis], shape[TENSOR_MAX_DIMS];
	int ndim = t->ndim;
	Tensor *out;
	char **labels = NULL;
	char *const *from = axis_labels(t, axis);

	drop = drop && n == 1 && t->ndim > 1;
	for (int i = 0; i < axis; i++)
		outer *= t->shape[i];
	for (int i = axis + 1; i < t->ndim; i++)
		inner *= t->shape[i];
	memcpy(shape, t->shape, sizeof(shape));
	shape[axis] = n;
	if (drop) {
		memmove(shape + axis, shape + axis + 1, (size_t)(t->ndim - axis - 1) * sizeof(size_t));
		ndim--;
	}
	out = tensor_new(ndim, shape);
	for (size_t o = 0; o < outer; o++)
		for (size_t j = 0; j < n; j++)
			memcpy(out->data + (o * n + j) * inner, t->data + (o * len + idx[j]) * inner,
			       inner * sizeof(float));
	tensor_set_name(out, t->name);
	/* every other axis keeps its labels, wherever it now stands; the selected one is selected too */
	for (int a = 0; a < t->ndim; a++) {
		int b = drop && a > axis ? a - 1 : a;
		if (a == axis && drop)
			continue;
		if (a != axis) {
			set_axis_labels(out, b, axis_labels(t, a));
		} else if (from) {
			labels = xcalloc(n, sizeof(char *));
			for (size_t j = 0; j < n; j++)
				labels[j] = from[idx[j]];
			set_axis_labels(out, b, labels);
			free(labels);
		}
	}
	return out;
}

Tensor *tensor_permute(const Tensor *t, const int *perm)
{
	size_t shape[TENSOR_MAX_DIMS], stride[TENSOR_MAX_DIMS], index[TENSOR_MAX_DIMS] = { 0 };
	Tensor *out;

	/* stride[i]: the step in t of axis i */
	stride[t->ndim - 1] = 1;
	for (int i = t->ndim - 1; i > 0; i--)
		stride[i - 1] = stride[i] * t->shape[i];
	for (int i = 0; i < t->ndim; i++)
		shape[i] = t->shape[perm[i]];
	out = tensor_new(t->ndim, shape);
	for (size_t k = 0; k < out->size; k++) {
		size_t from = 0;
		for (int i = 0; i < t->ndim; i++)
			from += index[i] * stride[perm[i]];
		out->data[k] = t->data[from];
		for (int i = t->ndim - 1; i >= 0 && ++index[i] == shape[i]; i--) /* the next index, row-major */
			index[i] = 0;
	}
	tensor_set_name(out, t->name);
	for (int i = 0; i < t->ndim; i++)
		set_axis_labels(out, i, axis_labels(t, perm[i]));
	return out;
}

static const char *axis_option(int from_end)
{
	static const char *names[] = { "", "--cols", "--rows", "--heads", "--layers" };
	return names[from_end];
}

Tensor *tensor_select_axes(const Tensor *t, const char *const spec[AXIS_LAYERS + 1], bool drop, const char *where)
{
	Tensor *y = tensor_clone(t);

	/* the first axis (layers) first: dropping it does not move the others, counted from the end */
	for (int e = AXIS_LAYERS; e >= AXIS_COLS; e--) {
		size_t *idx, n;
		bool single;
		Tensor *next;
		if (!spec[e])
			continue;
		if (y->ndim < e)
			die("%s: %s: a %d-D tensor has no such axis (%s is axis %d from the end)", where, axis_option(e),
			    y->ndim, axis_option(e), e);
		n = index_list_resolve(&idx, &single, spec[e], y->shape[y->ndim - e], axis_option(e), where);
		next = tensor_select(y, y->ndim - e, idx, n, drop && single);
		tensor_free(y);
		free(idx);
		y = next;
	}
	return y;
}

Tensor *tensor_reorder(const Tensor *t, AxisFromEnd e, const char *spec, const char *where)
{
	size_t len, *idx, n;
	bool single, *hit;
	Tensor *out;

	if (t->ndim < (int)e)
		die("%s: %s: a %d-D tensor has no such axis", where, axis_option(e), t->ndim);
	len = t->shape[t->ndim - e];
	n = index_list_resolve(&idx, &single, spec, len, axis_option(e), where);
	hit = xcalloc(len, sizeof(bool));
	for (size_t i = 0; i < n; i++) {
		if (n != len || hit[idx[i]])
			die("%s: %s %s is not a permutation of 0 .. %zu (each once)", where, axis_option(e), spec, len - 1);
		hit[idx[i]] = true;
	}
	out = tensor_select(t, t->ndim - e, idx, n, false);
	free(idx);
	free(hit);
	return out;
}

Tensor *tensor_permute_axes(const Tensor *t, const char *spec, const char *where)
{
	int perm[TENSOR_MAX_DIMS], n = 0;
	bool seen[TENSOR_MAX_DIMS] = { false }, ok = true;
	const char *s = spec;

	/* "a,b,..": every axis once */
	while (ok && n < t->ndim) {
		char *end;
		long a = strtol(s, &end, 10);
		ok = end != s && *s != '-' && *s != '+' && a < t->ndim && !seen[a] && (*end == ',') == (n + 1 < t->ndim);
		if (ok) {
			seen[a] = true;
			perm[n++] = (int)a;
			s = *end == ',' ? end + 1 : end;
		}
	}
	if (!ok || *s != '\0')
		die("%s: --axes %s is not an order of the %d axes 0 .. %d", where, spec, t->ndim, t->ndim - 1);
	return tensor_permute(t, perm);
}

Tensor *tensor_split_heads(const Tensor *t, size_t H, const char *where)
{
	char buf[TENSOR_SHAPE_STR];
	size_t T = tensor_rows(t), E = tensor_cols(t), shape[3];
	Tensor *out;

	if (t->ndim != 2)
		die("%s: split --heads takes a matrix T x E, not %s", where, tensor_shape_str(t, buf));
	if (E % H)
		die("%s: %zu columns do not split into %zu heads", where, E, H);
	shape[0] = H, shape[1] = T, shape[2] = E / H;
	out = tensor_new(3, shape);
	split_heads(out->data, t->data, T, H, E / H);
	tensor_keep_rows(out, t);
	return out;
}

Tensor *tensor_merge_heads(const Tensor *t, const char *where)
{
	char buf[TENSOR_SHAPE_STR];
	Tensor *out;

	if (t->ndim != 3)
		die("%s: concat --heads takes H x T x Dh, not %s", where, tensor_shape_str(t, buf));
	out = tensor_new2(t->shape[1], xmul(t->shape[0], t->shape[2], "heads"));
	merge_heads(out->data, t->data, t->shape[1], t->shape[0], t->shape[2]);
	tensor_keep_rows(out, t);
	return out;
}

Tensor *tensor_concat(Tensor *const *ts, size_t n, int axis, const char *where)
{
	const Tensor *t0 = ts[0];
	size_t shape[TENSOR_MAX_DIMS], outer = 1, inner = 1, done = 0;
	char sa[TENSOR_SHAPE_STR], sb[TENSOR_SHAPE_STR];
	bool labelled = axis_labels(t0, axis) != NULL;
	char **labels;
	Tensor *out;

	memcpy(shape, t0->shape, sizeof(shape));
	shape[axis] = 0;
	for (size_t j = 0; j < n; j++) {
		for (int i = 0; i < t0->ndim; i++)
			if (ts[j]->ndim != t0->ndim || (i != axis && ts[j]->shape[i] != t0->shape[i]))
				die("%s: cannot put %s beside %s along axis %d", where, tensor_shape_str(ts[j], sb),
				    tensor_shape_str(t0, sa), axis);
		shape[axis] += ts[j]->shape[axis];
		labelled = labelled && axis_labels(ts[j], axis);
	}
	for (int i = 0; i < axis; i++)
		outer *= t0->shape[i];
	for (int i = axis + 1; i < t0->ndim; i++)
		inner *= t0->shape[i];
	out = tensor_new(t0->ndim, shape);
	labels = xcalloc(shape[axis] ? shape[axis] : 1, sizeof(char *));
	for (size_t j = 0; j < n; j++) {
		size_t len = ts[j]->shape[axis] * inner;
		for (size_t o = 0; o < outer; o++)
			memcpy(out->data + o * shape[axis] * inner + done * inner, ts[j]->data + o * len,
			       len * sizeof(float));
		for (size_t i = 0; labelled && i < ts[j]->shape[axis]; i++)
			labels[done + i] = axis_labels(ts[j], axis)[i];
		done += ts[j]->shape[axis];
	}
	tensor_set_name(out, t0->name);
	for (int a = 0; a < t0->ndim; a++)
		set_axis_labels(out, a, a == axis ? (labelled ? labels : NULL) : axis_labels(t0, a));
	free(labels);
	return out;
}

Tensor *tensor_stack(Tensor *const *ts, size_t n, const char *where)
{
	const Tensor *t0 = ts[0];
	size_t shape[TENSOR_MAX_DIMS];
	char sa[TENSOR_SHAPE_STR], sb[TENSOR_SHAPE_STR];
	Tensor *out;

	if (t0->ndim == TENSOR_MAX_DIMS)
		die("%s: stacking %s would make more than %d axes", where, tensor_shape_str(t0, sa), TENSOR_MAX_DIMS);
	shape[0] = n;
	memcpy(shape + 1, t0->shape, (size_t)t0->ndim * sizeof(size_t));
	out = tensor_new(t0->ndim + 1, shape);
	for (size_t j = 0; j < n; j++) {
		if (!same_shape(ts[j], t0))
			die("%s: tensor #%zu is %s, the first %s: stack needs one shape", where, j,
			    tensor_shape_str(ts[j], sb), tensor_shape_str(t0, sa));
		memcpy(out->data + j * t0->size, ts[j]->data, t0->size * sizeof(float));
	}
	tensor_set_name(out, t0->name);
	tensor_set_col_labels(out, t0->col_labels);
	tensor_set_row_labels(out, t0->ndim >= 2 ? t0->row_labels : NULL);
	return out;
}
