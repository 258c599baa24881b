/* SPDX-License-Identifier: MIT */
#include "mask.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"

/* H = heads, T = query positions, S = key positions */

const unsigned char *mask_head_allowed(const Mask *m, size_t h, size_t T, size_t S)
{
	if (m == NULL || m->allowed == NULL)
		return NULL;
	return m->heads > 1 ? m->allowed + h * T * S : m->allowed;
}

const float *mask_head_bias(const Mask *m, size_t h, size_t T, size_t S)
{
	if (m == NULL || m->bias == NULL)
		return NULL;
	return m->heads > 1 ? m->bias + h * T * S : m->bias;
}

void mask_init(MaskSource *m)
{
	memset(m, 0, sizeof(*m));
	m->pad = true;
}

void mask_load(MaskSource *m, const char *path)
{
	if (m->mask_in)
		stream_close(m->mask_in);
	m->mask_in = stream_open(path);
}

void mask_load_additive(MaskSource *m, const char *path)
{
	if (m->additive_in)
		stream_close(m->additive_in);
	m->additive_in = stream_open(path);
	/* the one reader that lets -inf in: it is how PyTorch writes "blocked"; NaN and +inf die below */
	stream_allow_nonfinite(m->additive_in);
}

bool mask_has_file(const MaskSource *m)
{
	return m->mask_in || m->additive_in;
}

/* A mask is queries x keys (a vector: one query), or heads x queries x keys. */
static void require_mask_shape(const Tensor *t, const char *path)
{
	char buf[TENSOR_SHAPE_STR];

	if (t->ndim > 3)
		die("%s: a mask is queries x keys, or heads x queries x keys; this tensor is %s", path,
		    tensor_shape_str(t, buf));
}

/* --mask: 1 and 0 only */
static void check_mask(const Tensor *t, const char *path)
{
	char at[TENSOR_SHAPE_STR];

	require_mask_shape(t, path);
	for (size_t i = 0; i < t->size; i++)
		if (t->data[i] != 0.0f && t->data[i] != 1.0f)
			die("%s: mask value %g at %s: a mask holds 1 (attend) and 0 (blocked) only", path,
			    (double)t->data[i], tensor_index_str(t, i, at));
}

/* --additive-mask: any finite value, or -inf; NaN and +inf would make every weight of the row NaN */
static void check_additive(const Tensor *t, const char *path)
{
	char at[TENSOR_SHAPE_STR];

	require_mask_shape(t, path);
	for (size_t i = 0; i < t->size; i++) {
		float x = t->data[i];
		if (isnan(x) || x == INFINITY)
			die("%s: additive mask value %g at %s: an additive mask holds finite values (added to the "
			    "scores) and -inf (blocked)",
			    path, (double)x, tensor_index_str(t, i, at));
	}
}

/* The next tensor of in, replacing *cur unless in holds one tensor for every input; check validates it. */
static void read_paired(StreamReader *in, Tensor **cur, size_t index, void (*check)(const Tensor *, const char *))
{
	/* a caller that skipped an input (nothing to compute) catches up here */
	while (stream_count(in) <= index) {
		Tensor *t = stream_read_paired(in, *cur, index);
		if (t == *cur)
			return; /* one tensor for all */
		check(t, stream_path(in));
		*cur = t;
	}
}

/* How many heads the file mask t gives (1 for a matrix), after checking it is [T,S] or [H,T,S]. */
static size_t file_mask_heads(const Tensor *t, const char *path, size_t H, size_t T, size_t S)
{
	char buf[TENSOR_SHAPE_STR];

	if (tensor_rows(t) != T || tensor_cols(t) != S)
		die("%s: mask is %s, the attention is %zux%zu (queries x keys)", path, tensor_shape_str(t, buf), T,
		    S);
	if (t->ndim < 3)
		return 1;
	if (t->shape[0] != H)
		die("%s: mask is %s: a 3-D mask gives each head its own (heads x queries x keys), and the attention "
		    "has %zu head%s",
		    path, tensor_shape_str(t, buf), H, H == 1 ? "" : "s");
	return H;
}

/* Entry i of the [heads,T,S] mask from file tensor t of its own number of heads (1: the same for all). */
static float file_value(const Tensor *t, size_t i, size_t TS)
{
	return t->ndim == 3 ? t->data[i] : t->data[i % TS];
}

bool mask_build(Mask *out, MaskSource *m, size_t index, char *const *key_labels, size_t H, size_t T, size_t S)
{
	size_t TS = xmul(T, S, "mask"), heads = 1, n;
	bool blocked = false, biased = false;

	mask_release(out);
	if (m->mask_in)
		read_paired(m->mask_in, &m->mask, index, check_mask);
	if (m->additive_in)
		read_paired(m->additive_in, &m->additive, index, check_additive);
	if (m->mask && file_mask_heads(m->mask, stream_path(m->mask_in), H, T, S) > 1)
		heads = H;
	if (m->additive && file_mask_heads(m->additive, stream_path(m->additive_in), H, T, S) > 1)
		heads = H;
	out->heads = heads;
	n = xmul(heads, TS, "mask");
	if (n == 0) /* an empty sequence: nothing to mask */
		return false;
	out->allowed = xmalloc(n);
	memset(out->allowed, 1, n);
	if (m->mask)
		for (size_t i = 0; i < n; i++)
			out->allowed[i] &= file_value(m->mask, i, TS) != 0.0f;
	if (m->additive)
		for (size_t i = 0; i < n; i++) {
			float x = file_value(m->additive, i, TS);
			out->allowed[i] &= x != -INFINITY;
			biased |= x != 0.0f && x != -INFINITY;
		}
	/* padding: a key labelled <pad> is blocked for every query (PyTorch's key_padding_mask) */
	if (m->pad && key_labels)
		for (size_t s = 0; s < S; s++)
			if (strcmp(key_labels[s], PAD_LABEL) == 0)
				for (size_t r = 0; r < heads * T; r++)
					out->allowed[r * S + s] = 0;
	for (size_t i = 0; i < n && !blocked; i++)
		blocked = !out->allowed[i];
	if (!blocked) /* all ones: the kernels take NULL and skip the test */
		free(out->allowed), out->allowed = NULL;
	if (biased) {
		/* the finite values are added to the scores; -inf is in allowed (a 0 here, never -inf + x) */
		out->bias = xmalloc(xmul(n, sizeof(float), "mask"));
		for (size_t i = 0; i < n; i++) {
			float x = file_value(m->additive, i, TS);
			out->bias[i] = x == -INFINITY ? 0.0f : x;
		}
	}
	return blocked || biased;
}

void mask_release(Mask *out)
{
	free(out->allowed);
	free(out->bias);
	out->allowed = NULL;
	out->bias = NULL;
	out->heads = 1;
}

void mask_end(MaskSource *m, size_t n_inputs)
{
	if (m->mask_in)
		stream_end_paired(m->mask_in, n_inputs);
	if (m->additive_in)
		stream_end_paired(m->additive_in, n_inputs);
}

/* labels[n] of a mask's axis (what: "row", "column") against the features' (theirs: "query", "key") */
static void check_axis(const char *path, char *const *labels, char *const *features, size_t n, const char *what,
		       const char *theirs)
{
	for (size_t i = 0; labels && features && i < n; i++)
		if (strcmp(labels[i], features[i]) != 0)
			die("%s: the mask's %s %zu is labelled '%s' but %s %zu is '%s': the mask and the features must "
			    "list the nodes in one order",
			    path, what, i, labels[i], theirs, i, features[i]);
}

void mask_check_labels(const MaskSource *m, char *const *query_labels, char *const *key_labels, size_t T, size_t S)
{
	const Tensor *masks[2] = { m->mask, m->additive };
	const char *paths[2] = { m->mask_in ? stream_path(m->mask_in) : NULL,
				 m->additive_in ? stream_path(m->additive_in) : NULL };

	for (int i = 0; i < 2; i++) {
		if (!masks[i] || masks[i]->ndim != 2 || tensor_rows(masks[i]) != T || tensor_cols(masks[i]) != S)
			continue;
		check_axis(paths[i], masks[i]->row_labels, query_labels, T, "row", "query");
		check_axis(paths[i], masks[i]->col_labels, key_labels, S, "column", "key");
	}
}

void mask_free(MaskSource *m)
{
	tensor_free(m->mask);
	tensor_free(m->additive);
	if (m->mask_in)
		stream_close(m->mask_in);
	if (m->additive_in)
		stream_close(m->additive_in);
	mask_init(m);
}
