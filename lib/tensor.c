/* SPDX-License-Identifier: MIT */
#include "tensor.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"

/* The number of floats of a shape; dies when the shape is invalid or its product overflows. */
static size_t shape_size(int ndim, const size_t *shape)
{
	size_t size = 1;

	if (ndim < 1 || ndim > TENSOR_MAX_DIMS)
		die("a tensor has 1 to %d dimensions, not %d", TENSOR_MAX_DIMS, ndim);
	for (int i = 0; i < ndim; i++)
		if (!size_mul(size, shape[i], &size))
			die("tensor shape overflows size_t");
	xmul(size, sizeof(float), "tensor data");
	return size;
}

Tensor *tensor_wrap(int ndim, const size_t *shape, float *data)
{
	Tensor *t = xcalloc(1, sizeof(*t));

	t->size = shape_size(ndim, shape);
	t->ndim = ndim;
	memcpy(t->shape, shape, (size_t)ndim * sizeof(size_t));
	t->data = data;
	return t;
}

Tensor *tensor_new(int ndim, const size_t *shape)
{
	return tensor_wrap(ndim, shape, xcalloc(shape_size(ndim, shape), sizeof(float)));
}

Tensor *tensor_new2(size_t rows, size_t cols)
{
	size_t shape[2] = { rows, cols };

	return tensor_new(2, shape);
}

size_t tensor_rows(const Tensor *t)
{
	return t->ndim >= 2 ? t->shape[t->ndim - 2] : 1;
}

size_t tensor_cols(const Tensor *t)
{
	return t->shape[t->ndim - 1];
}

void labels_free(char **labels, size_t n)
{
	if (labels == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		free(labels[i]);
	free(labels);
}

char **labels_dup(char *const *labels, size_t n)
{
	char **copy;

	if (labels == NULL)
		return NULL;
	copy = xcalloc(n, sizeof(char *));
	for (size_t i = 0; i < n; i++)
		copy[i] = xstrdup(labels[i]);
	return copy;
}

void tensor_free(Tensor *t)
{
	if (t == NULL)
		return;
	free(t->data);
	free(t->name);
	labels_free(t->row_labels, t->ndim >= 2 ? tensor_rows(t) : 0);
	labels_free(t->col_labels, tensor_cols(t));
	free(t);
}

Tensor *tensor_clone(const Tensor *t)
{
	Tensor *c = tensor_new(t->ndim, t->shape);

	if (t->size)
		memcpy(c->data, t->data, t->size * sizeof(float));
	tensor_set_name(c, t->name);
	tensor_set_row_labels(c, t->row_labels);
	tensor_set_col_labels(c, t->col_labels);
	return c;
}

void tensor_set_name(Tensor *t, const char *name)
{
	free(t->name);
	t->name = name ? xstrdup(name) : NULL;
}

void tensor_set_row_labels(Tensor *t, char *const *labels)
{
	if (t->ndim < 2)
		return;
	labels_free(t->row_labels, tensor_rows(t));
	t->row_labels = labels_dup(labels, tensor_rows(t));
}

void tensor_set_col_labels(Tensor *t, char *const *labels)
{
	labels_free(t->col_labels, tensor_cols(t));
	t->col_labels = labels_dup(labels, tensor_cols(t));
}

void tensor_keep_rows(Tensor *dst, const Tensor *src)
{
	tensor_set_name(dst, src->name);
	if (tensor_rows(dst) == tensor_rows(src))
		tensor_set_row_labels(dst, src->row_labels);
}

const char *tensor_shape_str(const Tensor *t, char *buf)
{
	size_t used = 0;

	buf[0] = '\0';
	for (int i = 0; i < t->ndim; i++)
		used += (size_t)snprintf(buf + used, TENSOR_SHAPE_STR - used, "%s%zu", i ? "x" : "",
					 t->shape[i]);
	return buf;
}

const char *tensor_index_str(const Tensor *t, size_t i, char *buf)
{
	size_t index[TENSOR_MAX_DIMS];
	size_t used = 0;

	for (int d = t->ndim - 1; d >= 0; d--) {
		index[d] = t->shape[d] ? i % t->shape[d] : 0;
		i = t->shape[d] ? i / t->shape[d] : 0;
	}
	used += (size_t)snprintf(buf, TENSOR_SHAPE_STR, "[");
	for (int d = 0; d < t->ndim; d++)
		used += (size_t)snprintf(buf + used, TENSOR_SHAPE_STR - used, "%s%zu", d ? "," : "",
					 index[d]);
	snprintf(buf + used, TENSOR_SHAPE_STR - used, "]");
	return buf;
}

size_t tensor_find_nonfinite(const Tensor *t)
{
	for (size_t i = 0; i < t->size; i++)
		if (!isfinite(t->data[i]))
			return i;
	return t->size;
}

void tensor_require_finite(const Tensor *t, const char *where)
{
	char buf[TENSOR_SHAPE_STR];
	size_t i = tensor_find_nonfinite(t);

	if (i < t->size)
		die("%s: %s at %s", where, isnan(t->data[i]) ? "NaN" : "Inf", tensor_index_str(t, i, buf));
}
