#include "attention.h"

#include <math.h>
#include <string.h>

size_t attention_forward(float *out, float *weights, float *scores, float *scratch, const float *q, const float *k,
			 const float *v, const unsigned char *allowed, bool causal, float scale, size_t T,
			 size_t S, size_t Dk, size_t Dv)
{
	size_t blocked_rows = 0;

	for (size_t t = 0; t < T; t++) {
		const float *q_t = q + t * Dk;
		float *out_t = out + t * Dv;
		float max = -INFINITY;
		double sum = 0.0;
		float *w_row = scratch; /* scores, then weights, of this row */
		bool any = false;

		/* pass 1: scores q_t . k_s * scale, the blocked ones set aside, and the row maximum */
		for (size_t s = 0; s < S; s++) {
			const float *k_s = k + s * Dk;
			float dot = 0.0f;
			for (size_t d = 0; d < Dk; d++)
				dot += q_t[d] * k_s[d];
			dot *= scale;
			if (scores)
				scores[t * S + s] = dot;
			if ((allowed && !allowed[t * S + s]) || (causal && s > t)) {
				w_row[s] = -INFINITY;
				continue;
			}
			w_row[s] = dot;
			max = dot > max ? dot : max;
			any = true;
		}
		/* pass 2: exp(score - max): subtracting the maximum keeps exp() from overflowing */
		for (size_t s = 0; s < S; s++) {
			w_row[s] = any && w_row[s] != -INFINITY ? expf(w_row[s] - max) : 0.0f;
			sum += w_row[s];
		}
		/* pass 3: normalise, and the weighted sum of the values */
		memset(out_t, 0, Dv * sizeof(float));
		blocked_rows += !any;
		for (size_t s = 0; s < S; s++) {
			const float *v_s = v + s * Dv;
			float w = any ? (float)(w_row[s] / sum) : 0.0f;
			if (weights)
				weights[t * S + s] = w;
			for (size_t d = 0; d < Dv && w != 0.0f; d++)
				out_t[d] += w * v_s[d];
		}
	}
	return blocked_rows;
}
