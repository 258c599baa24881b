/* SPDX-License-Identifier: MIT */
#include "layers.h"

#include <math.h>
#include <string.h>

#include "linalg.h"
#include "threads.h"
#include "vecmath.h"

/* T = positions (rows), E = d_model, F = d_ff */

void layer_norm(float *out, const float *x, const float *gamma, const float *beta, float eps, size_t T,
		size_t E)
{
	layer_norm_forward(out, NULL, NULL, x, gamma, beta, eps, T, E);
}

/* The mean of x[E], into *mean, and the sum of squares around it (two passes: no cancellation of large sums). */
static double row_moments(const float *x, size_t E, double *mean)
{
	double m = 0.0, ss = 0.0;

	for (size_t e = 0; e < E; e++)
		m += x[e];
	m /= (double)E;
	for (size_t e = 0; e < E; e++)
		ss += ((double)x[e] - m) * ((double)x[e] - m);
	*mean = m;
	return ss;
}

/* out[E] = ((x - mean) inv_std) gamma + beta, elementwise: vectorised, the same bits in every clone */
PF_CLONES static void layer_norm_row(float *out, const float *x, const float *gamma, const float *beta, double mean,
				     double inv_std, size_t E)
{
#pragma omp simd
	for (size_t e = 0; e < E; e++)
		out[e] = (float)(((double)x[e] - mean) * inv_std) * gamma[e] + beta[e];
}

void layer_norm_forward(float *out, float *mean_out, float *rstd_out, const float *x, const float *gamma,
			const float *beta, float eps, size_t T, size_t E)
{
#pragma omp parallel for if (T > 1 && T * E >= PARALLEL_MIN_WORK)
	for (size_t t = 0; t < T; t++) {
		const float *x_t = x + t * E;
		float *out_t = out + t * E;
		double mean, var, inv_std;
		/* passes 1 and 2: the mean, the variance around it */
		var = row_moments(x_t, E, &mean) / (double)E; /* biased, as torch: divide by E, not E - 1 */
		inv_std = 1.0 / sqrt(var + (double)eps);
		if (mean_out)
			mean_out[t] = (float)mean;
		if (rstd_out)
			rstd_out[t] = (float)inv_std;
		/* pass 3: normalise, then scale and shift (x_t may be out_t: each element is read before it is written) */
		layer_norm_row(out_t, x_t, gamma, beta, mean, inv_std, E);
	}
}

void layer_norm_annotated(float *out, const float *x, const float *gamma, const float *beta, float eps, size_t T,
			  size_t E)
{
#pragma omp parallel for if (T > 1 && T * E >= PARALLEL_MIN_WORK)
	for (size_t t = 0; t < T; t++) {
		const float *x_t = x + t * E;
		float *out_t = out + t * E;
		double mean, ss, inv;
		/* passes 1 and 2: the mean, the sum of squares around it, taken over E - 1 (unbiased, as torch.std) */
		ss = row_moments(x_t, E, &mean);
		/* eps outside the square root: 1 / (std + eps), not 1 / sqrt(var + eps) */
		inv = 1.0 / ((E > 1 ? sqrt(ss / (double)(E - 1)) : 0.0) + (double)eps);
		/* pass 3: normalise, then scale and shift (x_t may be out_t) */
		for (size_t e = 0; e < E; e++)
			out_t[e] = (float)((double)gamma[e] * ((double)x_t[e] - mean) * inv + beta[e]);
	}
}

void layer_norm_backward(float *d_x, float *d_gamma, float *d_beta, const float *d_y, const float *x,
			 const float *mean, const float *rstd, const float *gamma, size_t T, size_t E)
{
	for (size_t t = 0; t < T; t++) {
		const float *d_y_t = d_y + t * E, *x_t = x + t * E;
		float *d_x_t = d_x + t * E;
		double mean_g = 0.0, mean_gx = 0.0;
		/* pass 1: mean(g) and mean(g * xhat), g = d_y * gamma */
		for (size_t e = 0; e < E; e++) {
			double xhat = ((double)x_t[e] - mean[t]) * rstd[t], g = (double)d_y_t[e] * gamma[e];
			mean_g += g;
			mean_gx += g * xhat;
		}
		mean_g /= (double)E;
		mean_gx /= (double)E;
		/* pass 2: d_x, and the parameters' gradients */
		for (size_t e = 0; e < E; e++) {
			double xhat = ((double)x_t[e] - mean[t]) * rstd[t], g = (double)d_y_t[e] * gamma[e];
			d_x_t[e] += (float)(rstd[t] * (g - mean_g - xhat * mean_gx));
			if (d_gamma)
				d_gamma[e] += (float)(d_y_t[e] * xhat);
			if (d_beta)
				d_beta[e] += d_y_t[e];
		}
	}
}

void rms_norm(float *out, float *rstd, const float *x, const float *gamma, float eps, size_t T, size_t E)
{
	for (size_t t = 0; t < T; t++) {
		const float *x_t = x + t * E;
		float *out_t = out + t * E;
		double sq = 0.0, inv_rms;
		/* pass 1: the mean of squares (no mean subtracted: RMSNorm only rescales) */
		for (size_t e = 0; e < E; e++)
			sq += (double)x_t[e] * x_t[e];
		inv_rms = 1.0 / sqrt(sq / (double)E + (double)eps);
		if (rstd)
			rstd[t] = (float)inv_rms;
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
	if (act == ACT_RELU) {
		vec_relu(x, n);
		return;
	}
#pragma omp parallel for if (act == ACT_GELU && n >= PARALLEL_MIN_WORK)
	for (size_t i = 0; i < n; i++) {
		if (act == ACT_RELU)
			x[i] = x[i] > 0.0f ? x[i] : 0.0f;
		else
			x[i] = (float)(0.5 * x[i] * (1.0 + erf(x[i] / sqrt(2.0))));
	}
}

void activate_backward(float *d_x, const float *d_y, const float *x, Activation act, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		double slope;
		if (act == ACT_RELU)
			slope = x[i] > 0.0f ? 1.0 : 0.0;
		else /* d/dx x Phi(x) = Phi(x) + x phi(x) */
			slope = 0.5 * (1.0 + erf(x[i] / sqrt(2.0))) + x[i] * exp(-0.5 * x[i] * x[i]) / sqrt(2.0 * M_PI);
		d_x[i] += (float)(d_y[i] * slope);
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
	vec_add(x, y, n);
}

void feed_forward_train(float *out, float *pre, float *hidden, const float *x, const float *w1, const float *b1,
			const float *w2, const float *b2, const float *drop, Activation act, size_t T, size_t E,
			size_t F)
{
	linear(pre, x, w1, b1, T, E, F);          /* pre[T,F] = x W1^T + b1 */
	memcpy(hidden, pre, T * F * sizeof(float));
	activate(hidden, act, T * F);             /* hidden = act(pre) */
	if (drop)
		dropout_apply(hidden, drop, T * F); /* torch's Transformer layers: dropout after the activation */
	linear(out, hidden, w2, b2, T, F, E);     /* out[T,E] = hidden W2^T + b2 */
}

void feed_forward_backward(float *d_x, float *d_w1, float *d_b1, float *d_w2, float *d_b2, float *d_pre,
			   const float *d_out, const float *x, const float *pre, const float *hidden,
			   const float *w1, const float *w2, const float *drop, Activation act, size_t T, size_t E,
			   size_t F)
{
	size_t n = T * F;

	/* out = hidden W2^T + b2: d_hidden = d_out W2 (into d_pre, as work), d_w2 += d_out^T hidden */
	memset(d_pre, 0, n * sizeof(float));
	linear_backward(d_pre, d_w2, d_b2, d_out, hidden, w2, T, F, E);
	/* hidden = act(pre) * drop: d_pre = d_hidden * drop * act'(pre), in place */
	if (drop)
		dropout_apply(d_pre, drop, n);
	for (size_t i = 0; i < n; i++) {
		float d_hidden = d_pre[i];
		d_pre[i] = 0.0f;
		activate_backward(&d_pre[i], &d_hidden, &pre[i], act, 1);
	}
	/* pre = x W1^T + b1 */
	linear_backward(d_x, d_w1, d_b1, d_pre, x, w1, T, E, F);
}

void dropout_mask(float *mask, Rng *rng, float p, size_t n)
{
	float keep = 1.0f / (1.0f - p);

	for (size_t i = 0; i < n; i++)
		mask[i] = rng_uniform(rng) < (double)p ? 0.0f : keep;
}

void dropout_apply(float *x, const float *mask, size_t n)
{
	for (size_t i = 0; i < n; i++)
		x[i] *= mask[i];
}
