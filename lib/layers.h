/* SPDX-License-Identifier: MIT */
/* layers: the pieces of a Transformer layer around attention: LayerNorm, feed-forward network, residual. */
#ifndef PF_LAYERS_H
#define PF_LAYERS_H

#include <stddef.h>

#include "rng.h"

/* T = positions (rows), E = d_model, F = d_ff */

/*
 * out[T,E] = (x - mean) / sqrt(var + eps) * gamma + beta, mean and (biased) variance over each row of x
 * (Ba et al. 2016; torch.nn.LayerNorm(E, eps): weight = gamma, bias = beta). out may equal x.
 */
void layer_norm(float *out, const float *x, const float *gamma, const float *beta, float eps, size_t T,
		size_t E);
/* The same, saving what the backward pass needs: mean[T] and rstd[T] = 1 / sqrt(var + eps) of each row. */
void layer_norm_forward(float *out, float *mean, float *rstd, const float *x, const float *gamma, const float *beta,
			float eps, size_t T, size_t E);
/*
 * The backward of y = xhat * gamma + beta, xhat = (x - mean) * rstd, row by row. With g = d_y * gamma:
 *   d_x = rstd * (g - mean(g) - xhat * mean(g * xhat)),  d_gamma += d_y * xhat,  d_beta += d_y
 * (the mean and the variance depend on every x_e of the row: that gives the two subtracted means).
 * d_x[T,E] is accumulated; d_gamma or d_beta may be NULL. d_x must not alias d_y.
 */
void layer_norm_backward(float *d_x, float *d_gamma, float *d_beta, const float *d_y, const float *x,
			 const float *mean, const float *rstd, const float *gamma, size_t T, size_t E);

/*
 * out[T,E] = gamma * (x - mean) / (std + eps) + beta: the LayerNorm of the Annotated Transformer
 * (harvardnlp; its a_2 = gamma, b_2 = beta, eps 1e-6), where std is the unbiased standard deviation of the row,
 * sqrt(sum (x - mean)^2 / (E - 1)) as torch.std, and eps is added to it outside the square root. (E = 1:
 * the unbiased std is undefined, torch gives NaN; here it is taken as 0.) out may equal x.
 */
void layer_norm_annotated(float *out, const float *x, const float *gamma, const float *beta, float eps, size_t T,
			  size_t E);

/*
 * out[T,E] = x / sqrt(mean(x^2) + eps) * gamma, the mean of squares over each row of x
 * (RMSNorm, Zhang and Sennrich 2019: LayerNorm without the mean subtracted and without beta;
 * torch.nn.RMSNorm(E, eps) from PyTorch 2.4: weight = gamma). out may equal x. rstd[T] (NULL = not
 * wanted) receives 1 / sqrt(mean(x^2) + eps) of each row.
 */
void rms_norm(float *out, float *rstd, const float *x, const float *gamma, float eps, size_t T, size_t E);

typedef enum { ACT_RELU, ACT_GELU } Activation;

/* "relu" / "gelu" into *act; 0 when the name is neither. */
int activation_parse(Activation *act, const char *name);
const char *activation_name(Activation act);

/*
 * x[n] = act(x[n]) in place:
 *   relu(x) = max(0, x)                                 (paper, eq. 2)
 *   gelu(x) = x * Phi(x) = x/2 * (1 + erf(x / sqrt(2)))  (Hendrycks and Gimpel 2016; torch's exact form)
 */
void activate(float *x, Activation act, size_t n);
/*
 * The backward of y = act(x), x the input saved before activation:
 *   relu'(x) = 1 when x > 0, else 0 (torch's choice at 0)
 *   gelu'(x) = Phi(x) + x phi(x),  phi(x) = exp(-x^2/2) / sqrt(2 pi)
 * d_x[n] += d_y[n] act'(x[n]).
 */
void activate_backward(float *d_x, const float *d_y, const float *x, Activation act, size_t n);

/*
 * out[T,E] = act(x W1^T + b1) W2^T + b2   (the position-wise feed-forward network, section 3.3, eq. 2)
 * x[T,E], w1[F,E], b1[F], w2[E,F], b2[E] (torch.nn.Linear's layout: linear1, linear2); hidden[T,F] is
 * caller-owned work space. out must not alias x.
 */
void feed_forward(float *out, float *hidden, const float *x, const float *w1, const float *b1, const float *w2,
		  const float *b2, Activation act, size_t T, size_t E, size_t F);

/*
 * The training forward of the same network, saving pre[T,F] = x W1^T + b1 (before the activation) and
 * hidden[T,F] = act(pre) * drop (drop[T,F]: the dropout mask of dropout_mask, NULL = no dropout).
 */
void feed_forward_train(float *out, float *pre, float *hidden, const float *x, const float *w1, const float *b1,
			const float *w2, const float *b2, const float *drop, Activation act, size_t T, size_t E,
			size_t F);
/*
 * Its backward: d_hidden = d_out W2, d_pre = d_hidden * drop * act'(pre), d_x += d_pre W1, and the
 * weights' gradients as linear_backward. d_pre[T,F] is caller-owned work space (overwritten).
 */
void feed_forward_backward(float *d_x, float *d_w1, float *d_b1, float *d_w2, float *d_b2, float *d_pre,
			   const float *d_out, const float *x, const float *pre, const float *hidden,
			   const float *w1, const float *w2, const float *drop, Activation act, size_t T, size_t E,
			   size_t F);

/*
 * Dropout (Srivastava et al. 2014) as torch.nn.Dropout(p) in training: each value is kept with
 * probability 1 - p and then scaled by 1 / (1 - p), so that its expectation is unchanged.
 * mask[n] = 0 or 1 / (1 - p), drawn from rng; x[n] *= mask[n]. The backward is d_x = d_y * mask.
 */
void dropout_mask(float *mask, Rng *rng, float p, size_t n);
void dropout_apply(float *x, const float *mask, size_t n);

/* x[n] += y[n]   (the residual connection of section 3.1: x + Sublayer(x)) */
void residual_add(float *x, const float *y, size_t n);

#endif
