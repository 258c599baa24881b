/* SPDX-License-Identifier: MIT */
/* softmax: the one softmax, in its plain, masked, log and online (block by block) forms, and its backward; and
 * the other normalisations of attention scores (sigmoid, relu, sparsemax, none) beside it. */
#ifndef PF_SOFTMAX_H
#define PF_SOFTMAX_H

#include <stdbool.h>
#include <stddef.h>

/* T = rows (queries), S = columns (keys), V = vocabulary */

/*
 * w[S] = softmax(x[S]) over the visible keys: w_s = exp(x_s - max) / sum over visible s' of exp(x_s' - max),
 * where key s is visible when s < visible and allowed_row[s] != 0 (allowed_row NULL = all). Blocked keys
 * get weight 0. A row with no visible key (or no finite maximum) is all zeros and returns false, never
 * 0/0. w may equal x.
 */
bool softmax_row(float *w, const float *x, const unsigned char *allowed_row, size_t visible, size_t S);

/* x[T,S]: each row replaced by softmax(row) (softmax_row with every key visible) */
void softmax_rows(float *x, size_t T, size_t S);

/*
 * weights[T,S] = softmax_row of each row of scores, with blocked keys (allowed[t*S+s] == 0, or s > t when
 * causal) given weight 0. Returns the number of rows with every key blocked (all zeros). weights may
 * equal scores (in place).
 */
size_t masked_softmax(float *weights, const float *scores, const unsigned char *allowed, bool causal, size_t T,
		      size_t S);

/* masked[T,S] = scores with the blocked keys (as masked_softmax) at -inf: what the softmax sees */
void mask_scores(float *masked, const float *scores, const unsigned char *allowed, bool causal, size_t T, size_t S);

/*
 * How a row of scores becomes weights. The course's self-attention lecture: the softmax "is not required,
 * other activation functions work too". For a row x[S] with visible keys V (blocked keys: weight 0 always):
 *   softmax    w_s = exp(x_s) / sum over V of exp(x_s')             (eq. 1; rows sum to 1)
 *   sigmoid    w_s = 1 / (1 + exp(-x_s))                             (each weight on its own, in (0, 1))
 *   relu       w_s = max(x_s, 0)
 *   sparsemax  w = the Euclidean projection of x onto the simplex: w_s = max(x_s - tau, 0), tau such that
 *              the weights sum to 1 (Martins and Astudillo 2016); many weights are exactly 0
 *   none       w_s = x_s, the raw scores
 * NORMALIZE_SOFTMAX is 0, so a zeroed struct means the paper's softmax.
 */
typedef enum { NORMALIZE_SOFTMAX, NORMALIZE_SIGMOID, NORMALIZE_RELU, NORMALIZE_SPARSEMAX, NORMALIZE_NONE } Normalize;
#define NORMALIZE_COUNT 5
/* "softmax", "sigmoid", "relu", "sparsemax", "none", by Normalize */
extern const char *const normalize_names[NORMALIZE_COUNT];
/* The Normalize called name, or -1 when none is. */
int normalize_from_name(const char *name);

/*
 * Sparsemax (Martins and Astudillo 2016, Algorithm 1) of the visible keys of x[S] (as softmax_row):
 *   sort the visible z descending, z_(1) >= z_(2) >= ...;  k* = max { k : 1 + k z_(k) > sum_{j<=k} z_(j) };
 *   tau = (sum_{j<=k*} z_(j) - 1) / k*;  w_s = max(x_s - tau, 0), blocked keys 0.
 * Tied scores get the same weight. sorted[S] is scratch the caller owns; it may be w when w != x.
 * *tau (NULL = not wanted) receives the threshold. Returns false, with w all zeros, when no key is visible.
 */
bool sparsemax_row(float *w, const float *x, const unsigned char *allowed_row, size_t visible, size_t S, float *sorted,
		   float *tau);

/*
 * w[S] = the normalisation how of the visible keys of x[S] (as softmax_row: blocked keys 0, a row with no
 * visible key all zeros and false). scratch[S]: sparsemax's sorting space (see sparsemax_row), unused by
 * the others (may be NULL then). w may equal x for every mode; then scratch may not be w.
 */
bool normalize_row(float *w, const float *x, const unsigned char *allowed_row, size_t visible, size_t S, Normalize how,
		   float *scratch);

/*
 * masked_softmax with any normalisation: weights[T,S] = normalize_row of each row of scores, blocked keys 0.
 * For sparsemax weights may not equal scores (each weights row is the row's sorting space).
 * Returns the rows with every key blocked.
 */
size_t masked_normalize(float *weights, const float *scores, const unsigned char *allowed, bool causal, Normalize how,
			size_t T, size_t S);

/* out[V] = log softmax(logits[V]) = logits - max - log(sum exp(logits - max)), in double; out may equal logits */
void log_softmax(float *out, const float *logits, size_t V);

/*
 * The online form (Milakov and Gimelshein 2018, as FlashAttention uses it): one row's softmax seen a block
 * of scores at a time, keeping only the running maximum and the running sum of exp(x - max).
 */
typedef struct {
	float max;    /* the largest visible score so far (-inf: none yet) */
	double sum;   /* sum of exp(x - max) so far, in double: S terms may be many */
} OnlineSoftmax;

void online_softmax_init(OnlineSoftmax *o);
/*
 * Take the next block x[n] (blocked keys already -inf): x becomes p = exp(x - max) in place, the maximum
 * being the new running one, and the sum grows by the block's. *rescale = exp(max_old - max_new), the
 * factor by which whatever was accumulated with the old maximum (an unnormalised output sum p v) must be
 * multiplied; 1 when the maximum did not change. A block with no visible key changes nothing and returns
 * false (x left as it is). The row's weights are p / o->sum once every block is in.
 */
bool online_softmax_block(OnlineSoftmax *o, float *x, size_t n, float *rescale);

/*
 * The backward of y = softmax(x) row by row: dy_m/dx_j = y_m (delta_mj - y_j), so
 *   d_x[t,j] += y[t,j] (d_y[t,j] - sum over m of d_y[t,m] y[t,m])
 * A zero weight (a blocked key) passes no gradient, so masks need no special case here.
 */
void softmax_rows_backward(float *d_x, const float *d_y, const float *y, size_t T, size_t S);

#endif
