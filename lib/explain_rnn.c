#include "explain_rnn.h"

#include <stdio.h>

#include "explain.h"

/* T = decoder steps, S = encoder positions, H = decoder state width, Dm = memory width */

void explain_attn_decoder(size_t steps, const AttnDecoderWeights *w, const AttnDecoderRecord *rec,
			  const float *align, const Tensor *y, const Tensor *memory, const float *out, size_t T, size_t S)
{
	static const char *const score_names[] = { [SCORE_ADDITIVE] = "additive, v^T tanh(W1 s_{t-1} + W2 h_j)",
						    [SCORE_GENERAL] = "general, s_{t-1}^T W h_j",
						    [SCORE_DOT] = "dot, s_{t-1}^T h_j" };
	char *const *y_labels = y->ndim >= 2 ? y->row_labels : NULL;
	char *const *h_labels = memory->ndim >= 2 ? memory->row_labels : NULL;
	char title[128], name[32];

	explain_step("the attention decoder: %zu steps over %zu encoder states h_j (S x Dm = %zu x %zu)", T, S, S,
		     w->Dm);
	explain_note("step t: e_tj = score(s_{t-1}, h_j); a_t = softmax(e_t); c_t = sum_j a_tj h_j;");
	explain_note("s_t = cell([y_{t-1}; c_t], s_{t-1}); o_t = tanh(W_out [s_t; c_t] + b_out)");
	explain_note("score: %s; s_0 is shown as the first step's s_{t-1}", score_names[w->score.kind]);
	for (size_t t = 0; t < T && t < steps; t++) {
		char *const row[1] = { name };
		if (y_labels)
			explain_step("step %zu: reads y_%zu = %s", t + 1, t, y_labels[t]);
		else
			explain_step("step %zu: reads y_%zu (input row %zu)", t + 1, t, t);
		snprintf(title, sizeof(title), "s_%zu, the state before the step", t);
		explain_matrix(title, rec->prev + t * w->H, 1, w->H, NULL, NULL);
		snprintf(name, sizeof(name), "e_%zu", t + 1);
		snprintf(title, sizeof(title), "scores e_%zu, one per encoder state h_j", t + 1);
		explain_matrix(title, rec->scores + t * S, 1, S, row, h_labels);
		snprintf(name, sizeof(name), "a_%zu", t + 1);
		explain_softmax(rec->scores + t * S, align + t * S, 1, S, row, h_labels);
		snprintf(name, sizeof(name), "c_%zu", t + 1);
		explain_note("the context vector c_%zu, the weighted sum of the encoder states (v[j] = h_j):", t + 1);
		explain_weighted_sum(rec->contexts + t * w->Dm, align + t * S, memory->data, S, w->Dm, name, h_labels);
		snprintf(title, sizeof(title), "o_%zu, the output, from [s_%zu; c_%zu]", t + 1, t + 1, t + 1);
		explain_matrix(title, out + t * w->H, 1, w->H, NULL, NULL);
	}
}
