/* SPDX-License-Identifier: MIT */
/* loss: cross entropy with label smoothing, as torch.nn.CrossEntropyLoss(ignore_index=, label_smoothing=). */
#ifndef PF_LOSS_H
#define PF_LOSS_H

#include <stddef.h>
#include <stdint.h>

/* T = positions (rows), V = vocabulary (classes) */

/* No target is ignored. */
#define LOSS_IGNORE_NONE SIZE_MAX

/*
 * The loss of T predictions logits[T,V] of the targets[T]. With label smoothing eps the target
 * distribution is q = (1 - eps) onehot(y) + eps / V (Szegedy et al. 2016; the paper, section 5.4), so
 *   loss_t = -sum_v q_v log p_v = (1 - eps) (-log p_y) + eps / V * sum_v (-log p_v),  p = softmax(logits_t)
 * Rows whose target is `ignore` (the <pad> id; LOSS_IGNORE_NONE = none) are skipped. Returns the sum of
 * loss_t over the other rows and sets *count to their number: torch's mean is the sum / count.
 * logprobs[T,V] (saved for the backward) = log softmax(logits), every row.
 */
double cross_entropy_forward(float *logprobs, size_t *count, const float *logits, const size_t *targets,
			     size_t ignore, float eps, size_t T, size_t V);
/*
 * Its backward: d_logits[t,v] += d_loss * (p_v - q_v) for each counted row (d loss_t / d logits = p - q,
 * as the softmax and the log cancel), d_loss the gradient of each row's loss (1 / count for the mean).
 */
void cross_entropy_backward(float *d_logits, const float *logprobs, const size_t *targets, size_t ignore,
			    float eps, float d_loss, size_t T, size_t V);

#endif
