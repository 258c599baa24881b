/* SPDX-License-Identifier: MIT */
#include "optim.h"

#include <math.h>

/* n = values of one parameter */

void adam_update(float *param, float *m, float *v, const float *grad, const Adam *a, long t, size_t n)
{
	/* bias corrections: m and v start at 0, so early averages are too small by these factors */
	double bc1 = 1.0 - pow(a->beta1, (double)t), bc2 = 1.0 - pow(a->beta2, (double)t);
	float step_size = (float)(a->lr / bc1), bc2_sqrt = (float)sqrt(bc2);
	float b1 = (float)a->beta1, b2 = (float)a->beta2, eps = (float)a->eps;

	/* in float, operation for operation as torch's _single_tensor_adam */
	for (size_t i = 0; i < n; i++) {
		float denom;
		m[i] = m[i] * b1 + grad[i] * (1.0f - b1);
		v[i] = v[i] * b2 + grad[i] * grad[i] * (1.0f - b2);
		denom = sqrtf(v[i]) / bc2_sqrt + eps;
		param[i] -= step_size * (m[i] / denom);
	}
}

double noam_rate(double scale, size_t d_model, size_t warmup, long step)
{
	double s = (double)step, w = (double)warmup;

	return scale * pow((double)d_model, -0.5) * fmin(pow(s, -0.5), s * pow(w, -1.5));
}

double grad_sum_squares(const float *g, size_t n)
{
	double sum = 0.0;

	for (size_t i = 0; i < n; i++)
		sum += (double)g[i] * g[i];
	return sum;
}

double clip_factor(double norm, double max_norm)
{
	double f = max_norm / (norm + 1e-6);

	return f < 1.0 ? f : 1.0;
}

void grad_scale(float *g, double factor, size_t n)
{
	for (size_t i = 0; i < n; i++)
		g[i] = (float)(g[i] * factor);
}
