/* explain: the --explain walkthrough on stderr: headings, prose, labelled matrices (summarised when large). */
#ifndef PF_EXPLAIN_H
#define PF_EXPLAIN_H

#include <stdbool.h>
#include <stddef.h>

#include "tensor.h"

/* T = query positions, S = key positions, Dk = query/key width, Dv = value width */

/* Matrices up to this size are printed whole; larger ones show their first and last rows / columns. */
#define EXPLAIN_MAX_ROWS 8
#define EXPLAIN_MAX_COLS 8

/* "== 1. title" : a numbered step (the number counts up over the run, per program). */
void explain_step(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* One line of prose, indented under the current step. */
void explain_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * x[rows,cols] as a table under a title, with row and column labels (NULL = numbered 0, 1, ...).
 * Entries that are -inf print as "-inf" (blocked scores). Larger than EXPLAIN_MAX_ROWS x EXPLAIN_MAX_COLS:
 * the corners and a line saying what was left out.
 */
void explain_matrix(const char *title, const float *x, size_t rows, size_t cols, char *const *row_labels,
		    char *const *col_labels);
/* A tensor's last two axes, with its own labels (rows of a 1-D tensor: one). */
void explain_tensor(const char *title, const Tensor *t);
/* "name: rows x cols" and where it came from, e.g. explain_shape("Q", t, "the queries, stdin"). */
void explain_shape(const char *what, const Tensor *t, const char *from);

/*
 * The mask of attention: allowed[T,S] (NULL = all) and causal, as a table of "1" (may attend) and
 * "." (blocked), labelled with the query and key labels.
 */
void explain_mask(const unsigned char *allowed, bool causal, size_t T, size_t S, char *const *q_labels,
		  char *const *k_labels);

/*
 * The steps of one attention, for the first T rows shown (the caller passes at most a few):
 * raw[T,S] = the raw similarities (before scale and temperature; NULL to skip the variance argument),
 * scores[T,S] the scores after scale, weights[T,S] after masking and softmax, out[T,Dv] the output,
 * v[S,Dv] the values. Prints the scale and why (variance of the raw dot products next to Dk, footnote 4
 * of the paper), the softmax row by row with each row's sum, and the weighted sum of the first query
 * written out term by term. total_T is the number of queries in the whole input (for "first N of M").
 */
void explain_attention(const float *raw, const float *scores, const float *weights, const float *out,
		       const float *v, float scale, size_t total_T, size_t T, size_t S, size_t Dk, size_t Dv,
		       char *const *q_labels, char *const *k_labels);

/* The widest label printed in tables; longer ones are cut with a trailing '~'. */
#define EXPLAIN_LABEL_WIDTH 10

#endif
