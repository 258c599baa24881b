/* SPDX-License-Identifier: MIT */
/* optim: the training recipe's updates: Adam, the noam learning-rate schedule, gradient-norm clipping. */
#ifndef PF_OPTIM_H
#define PF_OPTIM_H

#include <stddef.h>

/* n = values of one parameter */

typedef struct {
	double lr;          /* the step size (the schedule's value this step) */
	double beta1;       /* decay of the first moment (paper, section 5.3: 0.9) */
	double beta2;       /* decay of the second moment (paper: 0.98; torch's default 0.999) */
	double eps;         /* added to the root of the second moment (paper: 1e-9; torch's default 1e-8) */
} Adam;

/*
 * One Adam step (Kingma and Ba 2015) at step t = 1, 2, ..., as torch.optim.Adam computes it:
 *   m = beta1 m + (1 - beta1) g,   v = beta2 v + (1 - beta2) g^2
 *   param -= lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
 * m[n] and v[n] are the moments of this parameter (zeros before step 1).
 */
void adam_update(float *param, float *m, float *v, const float *grad, const Adam *a, long t, size_t n);

/*
 * The schedule of the paper (section 5.3, "noam"): a linear warm-up for `warmup` steps, then the
 * inverse square root of the step:
 *   lrate = scale * d_model^-0.5 * min(step^-0.5, step * warmup^-1.5),   step = 1, 2, ...
 */
double noam_rate(double scale, size_t d_model, size_t warmup, long step);

/* sum of g[n]^2, in double: one parameter's part of the gradient norm */
double grad_sum_squares(const float *g, size_t n);
/*
 * torch.nn.utils.clip_grad_norm_: with the norm of all gradients together, every gradient is
 * multiplied by max_norm / (norm + 1e-6) when that is below 1. The factor (1 = unchanged) is returned.
 */
double clip_factor(double norm, double max_norm);
/* g[n] *= factor */
void grad_scale(float *g, double factor, size_t n);

#endif
