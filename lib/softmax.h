/* SPDX-License-Identifier: MIT */
/* softmax: the one softmax, in its plain, masked, log and online (block by block) forms, and its backward. */
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
