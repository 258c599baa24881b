/* SPDX-License-Identifier: MIT */
/* tensor_ops: the matrix tools of `tensor` on whole tensors, labels kept: add, matmul, transpose, softmax,
 * argmax / top-k, selecting rows, columns and heads, heads split and merged, stacking, permuting axes. */
#ifndef PF_TENSOR_OPS_H
#define PF_TENSOR_OPS_H

#include <stdbool.h>
#include <stddef.h>

#include "softmax.h"
#include "tensor.h"

/*
 * Shapes: [.., N, K] means any leading axes, then N rows of K columns. Row labels name the second-last
 * axis, column labels the last (tensor.h); an operation that moves an axis moves its labels with it.
 * Functions that return a tensor return a new one (the caller frees it); `where` names the input in
 * errors ("tensor: x.txt: ..."), which exit 1.
 */

/*
 * a + b element by element (the residual connection x + Sublayer(x)), a's name and labels; b has a's
 * shape, or is one row ([K] or [1, K]) added to every row of a (a bias). Calls residual_add.
 */
Tensor *tensor_add(const Tensor *a, const Tensor *b, const char *where);
/* a[.., N, K] b[K, M] (or b[.., K, M] with a's leading axes): rows and name of a, columns of b. Calls matmul. */
Tensor *tensor_matmul(const Tensor *a, const Tensor *b, const char *where);
/* t[.., N, K] -> [.., K, N], labels swapped; a 1-D tensor [K] becomes the column [K, 1]. */
Tensor *tensor_transpose(const Tensor *t);
/* Every row (the last axis) replaced by softmax(row / temperature), in place. Calls softmax_rows. */
void tensor_softmax(Tensor *t, double temperature);
/* Every row (the last axis) replaced by its normalisation how (lib/softmax: sigmoid, relu, sparsemax, ...), in
 * place. Calls normalize_row. */
void tensor_normalize(Tensor *t, Normalize how);
/* ids[r] = the column of the largest value of row r (r over every row of every leading axis), the
 * lowest id on a tie as torch.argmax. Calls argmax (lib/search). ids has tensor_row_count(t) entries. */
void tensor_argmax(size_t *ids, const Tensor *t);
/* ids[r, k], values[r, k] = the k-th largest of row r, k < K; ties in order of id (the lowest first). */
void tensor_topk(size_t *ids, float *values, const Tensor *t, size_t K);
/* The rows of t over all its leading axes: size / (last axis). */
size_t tensor_row_count(const Tensor *t);
/*
 * For a stream whose tensors share the width of their last axis (a stage's input): tensor 0 sets
 * *width, every later one must have it (dies naming path and the tensor). Returns tensor_row_count(x).
 */
size_t tensor_rows_of_width(size_t *width, const Tensor *x, const char *path, size_t index);

/* Axis names of the command line: counted from the end, so a 2-D tensor has rows and columns only. */
typedef enum { AXIS_COLS = 1, AXIS_ROWS = 2, AXIS_HEADS = 3, AXIS_LAYERS = 4 } AxisFromEnd;

/*
 * An index list of the command line: "3", "-1" (from the end), "1:4" (1, 2, 3), ":2", "-2:", "0,2,5"
 * or a mix ("0,3:5"). index_list_check dies with a usage error naming option when spec is not one;
 * index_list_resolve turns it into *idx (n entries, caller frees) for an axis of length len, dying
 * naming where when an index is outside; *single is true for one plain index ("3", "-1": pick drops
 * that axis).
 */
void index_list_check(const char *spec, const char *option);
size_t index_list_resolve(size_t **idx, bool *single, const char *spec, size_t len, const char *option,
			  const char *where);

/*
 * The entries idx[n] of axis `axis` (0 = first) of t, in that order: rows, columns, heads. With drop
 * (and n = 1) the axis goes away, as x[i] in numpy. Labels of a selected axis are selected too.
 */
Tensor *tensor_select(const Tensor *t, int axis, const size_t *idx, size_t n, bool drop);
/*
 * slice and pick: spec[e] (NULL = all) the index list of axis e from the end (AxisFromEnd: 1 columns,
 * 2 rows, 3 heads, 4 layers); with drop, an axis given one plain index goes away. Dies naming where
 * when t has no such axis or an index is outside.
 */
Tensor *tensor_select_axes(const Tensor *t, const char *const spec[AXIS_LAYERS + 1], bool drop, const char *where);
/* The rows (e = AXIS_ROWS) or columns of t in the order of spec, which must take each one once. */
Tensor *tensor_reorder(const Tensor *t, AxisFromEnd e, const char *spec, const char *where);
/* t with its axes in the order perm[ndim] (torch.permute): axis i of the result is axis perm[i] of t. */
Tensor *tensor_permute(const Tensor *t, const int *perm);
/* The same from the command line's "1,0,2", which must name every axis once. */
Tensor *tensor_permute_axes(const Tensor *t, const char *spec, const char *where);

/* [T, E] -> [H, T, E / H]: head h takes columns h Dh .. h Dh + Dh - 1 (as mha splits q, k and v). */
Tensor *tensor_split_heads(const Tensor *t, size_t H, const char *where);
/* [H, T, Dh] -> [T, H Dh]: the heads side by side again ("Concat" of section 3.2.2). */
Tensor *tensor_merge_heads(const Tensor *t, const char *where);
/* ts[n] side by side along axis (all other axes equal); labels of that axis concatenated. */
Tensor *tensor_concat(Tensor *const *ts, size_t n, int axis, const char *where);
/* ts[n] of one shape -> [n, shape..]; name and labels of the first. */
Tensor *tensor_stack(Tensor *const *ts, size_t n, const char *where);

#endif
