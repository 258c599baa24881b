/* SPDX-License-Identifier: MIT */
/* explain: the --explain walkthrough on stderr: headings, prose, labelled matrices (summarised when large). */
#ifndef PF_EXPLAIN_H
#define PF_EXPLAIN_H

#include <stdbool.h>
#include <stddef.h>

#include "softmax.h"
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
/* A row vector x[n] on one line after a right-aligned label ("x", "gamma"), summarised like a matrix row. */
void explain_vector(const char *label, const float *x, size_t n);
/* "name: rows x cols" and where it came from, e.g. explain_shape("Q", t, "the queries, stdin"). */
void explain_shape(const char *what, const Tensor *t, const char *from);

/*
 * The mask of attention: allowed[T,S] (NULL = all) and causal, as a table of "1" (may attend) and
 * "." (blocked), labelled with the query and key labels.
 */
void explain_mask(const unsigned char *allowed, bool causal, size_t T, size_t S, char *const *q_labels,
		  char *const *k_labels);

/*
 * The steps of one attention, for the first T query rows (the caller passes a few; total_T is how many
 * queries the input has, for "the first 8 of 512"). Split so that mha can call them per head.
 *
 * explain_scores: raw[T,S] = the raw dot products q.k (NULL when the score is not a dot product: then
 * only scores[T,S] is shown); scale = what multiplies raw to give scores. With raw, the variance of the
 * raw dot products is shown next to Dk and after scaling (footnote 4 of the paper: for components of
 * mean 0 and variance 1, q.k has variance Dk, which 1/sqrt(Dk) brings back to 1).
 */
void explain_scores(const float *raw, const float *scores, float scale, size_t total_T, size_t T, size_t S,
		    size_t Dk, char *const *q_labels, char *const *k_labels);
/* The softmax row by row: the row's largest visible score, exp(score - max), their sum, the weights and
 * their sum (1, or 0 for a row with every key blocked). scores[T,S] with blocked entries = -inf. */
void explain_softmax(const float *scores, const float *weights, size_t T, size_t S, char *const *q_labels,
		     char *const *k_labels);
/* The normalisation how (lib/softmax) row by row: explain_softmax for the softmax; otherwise its formula, each
 * row's scores and weights and their sum (and sparsemax's threshold tau). scores[T,S] blocked = -inf. */
void explain_normalize(Normalize how, const float *scores, const float *weights, size_t T, size_t S,
		       char *const *q_labels, char *const *k_labels);
/* out_0 = sum_s w_0s v_s for the first query, written out term by term: w[S] its weights, v[S,Dv]. */
void explain_weighted_sum(const float *out_0, const float *w, const float *v, size_t S, size_t Dv,
			  const char *q_label, char *const *k_labels);

/* The widest label printed in tables; longer ones are cut with a trailing '~'. */
#define EXPLAIN_LABEL_WIDTH 10

#endif
