/* layers: the pieces of a Transformer layer around attention: LayerNorm, feed-forward network, residual. */
#ifndef PF_LAYERS_H
#define PF_LAYERS_H

#include <stddef.h>

/* T = positions (rows), E = d_model, F = d_ff */

/*
 * out[T,E] = (x - mean) / sqrt(var + eps) * gamma + beta, mean and (biased) variance over each row of x
 * (Ba et al. 2016; torch.nn.LayerNorm(E, eps): weight = gamma, bias = beta). out may equal x.
 */
void layer_norm(float *out, const float *x, const float *gamma, const float *beta, float eps, size_t T,
		size_t E);

/*
 * out[T,E] = x / sqrt(mean(x^2) + eps) * gamma, the mean of squares over each row of x
 * (RMSNorm, Zhang and Sennrich 2019: LayerNorm without the mean subtracted and without beta;
 * torch.nn.RMSNorm(E, eps) from PyTorch 2.4: weight = gamma). out may equal x.
 */
void rms_norm(float *out, const float *x, const float *gamma, float eps, size_t T, size_t E);

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
 * out[T,E] = act(x W1^T + b1) W2^T + b2   (the position-wise feed-forward network, section 3.3, eq. 2)
 * x[T,E], w1[F,E], b1[F], w2[E,F], b2[E] (torch.nn.Linear's layout: linear1, linear2); hidden[T,F] is
 * caller-owned work space. out must not alias x.
 */
void feed_forward(float *out, float *hidden, const float *x, const float *w1, const float *b1, const float *w2,
		  const float *b2, Activation act, size_t T, size_t E, size_t F);

/* x[n] += y[n]   (the residual connection of section 3.1: x + Sublayer(x)) */
void residual_add(float *x, const float *y, size_t n);

#endif
