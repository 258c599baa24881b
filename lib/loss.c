/* SPDX-License-Identifier: MIT */
#include "loss.h"

#include <math.h>

#include "softmax.h"

/* T = positions (rows), V = vocabulary (classes) */

double cross_entropy_forward(float *logprobs, size_t *count, const float *logits, const size_t *targets,
			     size_t ignore, float eps, size_t T, size_t V)
{
	double total = 0.0;

	*count = 0;
	for (size_t t = 0; t < T; t++) {
		float *lp_t = logprobs + t * V;
		double sum_all = 0.0;
		log_softmax(lp_t, logits + t * V, V);
		if (targets[t] == ignore)
			continue;
		for (size_t v = 0; v < V; v++)
			sum_all += lp_t[v];
		/* (1 - eps) (-log p_y) + eps / V (-sum log p_v) */
		total += -(1.0 - eps) * lp_t[targets[t]] - eps / (double)V * sum_all;
		(*count)++;
	}
	return total;
}

void cross_entropy_backward(float *d_logits, const float *logprobs, const size_t *targets, size_t ignore,
			    float eps, float d_loss, size_t T, size_t V)
{
	for (size_t t = 0; t < T; t++) {
		const float *lp_t = logprobs + t * V;
		float *d_t = d_logits + t * V;
		if (targets[t] == ignore)
			continue;
		/* p - q, q = (1 - eps) onehot(y) + eps / V */
		for (size_t v = 0; v < V; v++) {
			double q = eps / (double)V + (v == targets[t] ? 1.0 - eps : 0.0);
			d_t[v] += (float)(d_loss * (exp((double)lp_t[v]) - q));
		}
	}
}
