/* SPDX-License-Identifier: MIT */
/* tensor: a float32 array of 1 to 4 dimensions with an optional name and token labels. */
#ifndef PF_TENSOR_H
#define PF_TENSOR_H

#include <stdbool.h>
#include <stddef.h>

#define TENSOR_MAX_DIMS 4

/*
 * Row-major float32 data. Labels name the positions of the last two axes:
 * row_labels has shape[ndim-2] entries (only when ndim >= 2), col_labels has
 * shape[ndim-1] entries. Labels are tokens: non-empty, any bytes but NUL and
 * whitespace (the text form escapes the rest). NULL means "no labels".
 */
typedef struct {
	int ndim;
	size_t shape[TENSOR_MAX_DIMS];
	size_t size;        /* product of the shape: number of floats in data */
	float *data;
	char *name;         /* NULL when unnamed */
	char **row_labels;  /* [shape[ndim-2]] or NULL */
	char **col_labels;  /* [shape[ndim-1]] or NULL */
} Tensor;

/* A zero-filled tensor; dies when the shape is invalid or its product overflows. */
Tensor *tensor_new(int ndim, const size_t *shape);
Tensor *tensor_new2(size_t rows, size_t cols);
/* A tensor that takes ownership of data (malloc'd, product-of-shape floats; the product already checked). */
Tensor *tensor_wrap(int ndim, const size_t *shape, float *data);
void tensor_free(Tensor *t);
/* A deep copy: data, name and labels. */
Tensor *tensor_clone(const Tensor *t);

/* Rows and columns of the last two axes (rows = 1 for a 1-D tensor). */
size_t tensor_rows(const Tensor *t);
size_t tensor_cols(const Tensor *t);

/* Setters copy their argument; NULL clears. */
void tensor_set_name(Tensor *t, const char *name);
void tensor_set_row_labels(Tensor *t, char *const *labels);
void tensor_set_col_labels(Tensor *t, char *const *labels);
/* Copy name and row labels from src (same row count); a common step for programs that keep rows. */
void tensor_keep_rows(Tensor *dst, const Tensor *src);

char **labels_dup(char *const *labels, size_t n);
void labels_free(char **labels, size_t n);

/* "3x4" into buf (at least TENSOR_SHAPE_STR bytes). */
#define TENSOR_SHAPE_STR 96
const char *tensor_shape_str(const Tensor *t, char *buf);
/* "[1,2]": the multi-index of flat position i, into buf (at least TENSOR_SHAPE_STR bytes). */
const char *tensor_index_str(const Tensor *t, size_t i, char *buf);

/* Index of the first NaN or Inf, or t->size when every value is finite. */
size_t tensor_find_nonfinite(const Tensor *t);
/* Die "where: NaN at [i,j]" when the data has a NaN or Inf. */
void tensor_require_finite(const Tensor *t, const char *where);

#endif
