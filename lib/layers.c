#include "layers.h"

#include <math.h>
#include <string.h>

#include "linalg.h"

/* T = positions (rows), E = d_model, F = d_ff */

void layer_norm(float *out, const float *x, const float *gamma, const float *beta, float eps, size_t T,
		size_t E)
{
	for (size_t t = 0; t < T; t++) {
		const float *x_t = x + t * E;
		float *out_t = out + t * E;
		double mean = 0.0, var = 0.0, inv_std;
		/* pass 1: the mean; pass 2: the variance around it (two passes: no cancellation of large sums) */
		for (size_t e = 0; e < E; e++)
			mean += x_t[e];
		mean /= (double)E;
		for (size_t e = 0; e < E; e++)
			var += ((double)x_t[e] - mean) * ((double)x_t[e] - mean);
		var /= (double)E; /* biased, as torch: divide by E, not E - 1 */
		inv_std = 1.0 / sqrt(var + (double)eps);
		/* pass 3: normalise, then scale and shift (x_t may be out_t: each element is read before it is written) */
		for (size_t e = 0; e < E; e++)
			out_t[e] = (float)(((double)x_t[e] - mean) * inv_std) * gamma[e] + beta[e];
	}
}

void rms_norm(float *out, const float *x, const float *gamma, float eps, size_t T, size_t E)
{
	for (size_t t = 0; t < T; t++) {
		const float *x_t = x + t * E;
		float *out_t = out + t * E;
		double sq = 0.0, inv_rms;
		/* pass 1: the mean of squares (no mean subtracted: RMSNorm only rescales) */
		for (size_t e = 0; e < E; e++)
			sq += (double)x_t[e] * x_t[e];
		inv_rms = 1.0 / sqrt(sq / (double)E + (double)eps);
		/* pass 2: rescale, then the gain (x_t may be out_t) */
		for (size_t e = 0; e < E; e++)
			out_t[e] = (float)((double)x_t[e] * inv_rms) * gamma[e];
	}
}

int activation_parse(Activation *act, const char *name)
{
	if (strcmp(name, "relu") == 0)
		*act = ACT_RELU;
	else if (strcmp(name, "gelu") == 0)
		*act = ACT_GELU;
	else
		return 0;
	return 1;
}

const char *activation_name(Activation act)
{
	return act == ACT_GELU ? "gelu" : "relu";
}

void activate(float *x, Activation act, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (act == ACT_RELU)
			x[i] = x[i] > 0.0f ? x[i] : 0.0f;
		else
			x[i] = (float)(0.5 * x[i] * (1.0 + erf(x[i] / sqrt(2.0))));
	}
}

void feed_forward(float *out, float *hidden, const float *x, const float *w1, const float *b1, const float *w2,
		  const float *b2, Activation act, size_t T, size_t E, size_t F)
{
	linear(hidden, x, w1, b1, T, E, F);     /* hidden[T,F] = x W1^T + b1 */
	activate(hidden, act, T * F);           /* max(0, .) in the paper */
	linear(out, hidden, w2, b2, T, F, E);   /* out[T,E] = hidden W2^T + b2 */
}

void residual_add(float *x, const float *y, size_t n)
{
	for (size_t i = 0; i < n; i++)
		x[i] += y[i];
}
