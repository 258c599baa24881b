/* SPDX-License-Identifier: MIT */
#include "mask.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "stream.h"

void mask_init(MaskSource *m)
{
	memset(m, 0, sizeof(*m));
	m->pad = true;
}

/* A mask is a matrix (or a vector, one query): more axes would need a rule for which to drop. */
static void require_matrix(const Tensor *t, const char *path)
{
	char buf[TENSOR_SHAPE_STR];

	if (t->ndim > 2)
		die("%s: a mask is queries x keys (2 axes), this tensor is %s", path, tensor_shape_str(t, buf));
}

void mask_load(MaskSource *m, const char *path)
{
	Tensor *t = stream_read_single(path);
	char at[TENSOR_SHAPE_STR];

	require_matrix(t, path);
	for (size_t i = 0; i < t->size; i++)
		if (t->data[i] != 0.0f && t->data[i] != 1.0f)
			die("%s: mask value %g at %s: a mask holds 1 (attend) and 0 (blocked) only", path,
			    (double)t->data[i], tensor_index_str(t, i, at));
	tensor_free(m->mask);
	free(m->mask_path);
	m->mask = t;
	m->mask_path = xstrdup(path);
}

void mask_load_additive(MaskSource *m, const char *path)
{
	StreamReader *r = stream_open(path);
	Tensor *t, *extra;
	char at[TENSOR_SHAPE_STR];

	/* the one reader that lets -inf in: it is how PyTorch writes "blocked" */
	stream_allow_nonfinite(r);
	stream_read(r, &t);
	if (stream_read(r, &extra))
		die("%s: holds more than one tensor; one was expected", path);
	stream_close(r);
	require_matrix(t, path);
	for (size_t i = 0; i < t->size; i++) {
		float x = t->data[i];
		if (x == 0.0f)
			t->data[i] = 1.0f; /* adds nothing: attend */
		else if (x <= ADDITIVE_MASK_BLOCKED)
			t->data[i] = 0.0f; /* -inf (or as good as): blocked */
		else
			die("%s: additive mask value %g at %s: only 0 (attend) and -inf or <= -1e9 (blocked) are supported",
			    path, (double)x, tensor_index_str(t, i, at));
	}
	tensor_free(m->additive);
	free(m->additive_path);
	m->additive = t;
	m->additive_path = xstrdup(path);
}

/* allowed[T,S] *= mask[T,S], after checking that the file's shape is the attention's. */
static void apply_file_mask(unsigned char *allowed, const Tensor *mask, const char *path, size_t T, size_t S)
{
	char buf[TENSOR_SHAPE_STR];

	if (tensor_rows(mask) != T || tensor_cols(mask) != S)
		die("%s: mask is %s, the attention is %zux%zu (queries x keys)", path, tensor_shape_str(mask, buf),
		    T, S);
	for (size_t i = 0; i < T * S; i++)
		allowed[i] &= mask->data[i] != 0.0f;
}

bool mask_build(unsigned char *allowed, const MaskSource *m, char *const *key_labels, size_t T, size_t S)
{
	size_t TS = xmul(T, S, "mask");
	bool blocked = false;

	if (TS > 0) /* an empty sequence may come with no buffer: memset(NULL, 1, 0) is undefined */
		memset(allowed, 1, TS);
	if (m->mask)
		apply_file_mask(allowed, m->mask, m->mask_path, T, S);
	if (m->additive)
		apply_file_mask(allowed, m->additive, m->additive_path, T, S);
	/* padding: a key labelled <pad> is blocked for every query (PyTorch's key_padding_mask) */
	if (m->pad && key_labels)
		for (size_t s = 0; s < S; s++)
			if (strcmp(key_labels[s], PAD_LABEL) == 0)
				for (size_t t = 0; t < T; t++)
					allowed[t * S + s] = 0;
	for (size_t i = 0; i < TS && !blocked; i++)
		blocked = !allowed[i];
	return blocked;
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
	const char *paths[2] = { m->mask_path, m->additive_path };

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
	free(m->mask_path);
	free(m->additive_path);
	mask_init(m);
}
