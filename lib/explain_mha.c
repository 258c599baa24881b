#include "explain_mha.h"

#include <stdio.h>

#include "explain.h"

/* T = query positions, S = key positions, E = d_model, H = heads, Dh = E / H */

void explain_mha(const MhaWeights *w, const MhaParts *p, const float *attn, const unsigned char *allowed, bool causal,
		 const Tensor *query, const Tensor *key, const float *out, const char *query_from, const char *key_from)
{
	const Tensor *x = query, *k = key ? key : query;
	size_t E = w->E, H = w->H, Dh = E / H, T = tensor_rows(x), S = tensor_rows(k);
	char **qrows = x->ndim >= 2 ? x->row_labels : NULL, **krows = k->ndim >= 2 ? k->row_labels : NULL;

	explain_step("multi-head attention: H = %zu heads of Dh = E / H = %zu columns, E = %zu (Vaswani et al. "
		     "2017, section 3.2.2)",
		     H, Dh, E);
	explain_shape("queries", x, query_from);
	if (key)
		explain_shape("keys and values", k, key_from);
	explain_note("each head attends in its own %zu-dimensional subspace; the output projection mixes them", Dh);

	explain_step("three projections, each a Linear layer (%s)",
		     w->in_proj_weight ? "rows 0..E-1, E..2E-1, 2E..3E-1 of in_proj_weight" :
					 "q_proj_weight, k_proj_weight, v_proj_weight");
	explain_note("q = query W_q^T + b_q   %zux%zu = %zux%zu times (%zux%zu)^T", T, E, T, E, E, E);
	explain_note("k = key   W_k^T + b_k   %zux%zu = %zux%zu times (%zux%zu)^T", S, E, S, w->kdim, E, w->kdim);
	explain_note("v = value W_v^T + b_v   %zux%zu = %zux%zu times (%zux%zu)^T", S, E, S, w->vdim, E, w->vdim);
	if (w->rope_base > 0)
		explain_note("RoPE (base %g): in each head, the pairs of q's and k's columns turned by position * "
			     "base^(-2i/Dh), so that q_t . k_s depends on t - s (shown after the turn)",
			     w->rope_base);
	explain_matrix("q", p->q, T, E, qrows, NULL);
	explain_matrix("k", p->k, S, E, krows, NULL);
	explain_matrix("v", p->v, S, E, krows, NULL);

	explain_step("split into heads: %zux%zu -> %zux%zux%zu (head h takes columns h*%zu .. h*%zu+%zu)", T, E, H, T,
		     Dh, Dh, Dh, Dh - 1);
	explain_matrix("q of head 0", p->qh, T, Dh, qrows, NULL);
	if (H > 1)
		explain_matrix("q of head 1", p->qh + T * Dh, T, Dh, qrows, NULL);

	explain_step("attention in each head, independently: softmax(q_h k_h^T / sqrt(%zu)) v_h, %zux%zu weights", Dh,
		     T, S);
	explain_mask(allowed, causal, T, S, qrows, krows);
	for (size_t h = 0; h < H; h++) {
		char title[96], line[512];
		const float *a_h = attn + h * T * S;
		size_t used = 0;
		snprintf(title, sizeof(title), "head %zu: weights (rows: queries, columns: keys)", h);
		explain_matrix(title, a_h, T, S, qrows, krows);
		line[0] = '\0';
		for (size_t t = 0; t < T && t < EXPLAIN_MAX_ROWS && S > 0 && used < sizeof(line); t++) {
			size_t best = 0;
			for (size_t s = 1; s < S; s++)
				best = a_h[t * S + s] > a_h[t * S + best] ? s : best;
			if (qrows && krows)
				used += (size_t)snprintf(line + used, sizeof(line) - used, " %.12s->%.12s (%.2f)",
							 qrows[t], krows[best], (double)a_h[t * S + best]);
			else
				used += (size_t)snprintf(line + used, sizeof(line) - used, " %zu->%zu (%.2f)", t, best,
							 (double)a_h[t * S + best]);
		}
		explain_note("head %zu attends most:%s", h, S > 0 ? line : " (no keys)");
	}

	explain_step("concatenate the heads' outputs: %zux%zux%zu -> %zux%zu", H, T, Dh, T, E);
	explain_matrix("concat", p->concat, T, E, qrows, NULL);

	explain_step("output projection, mixing the heads: out = concat W_o^T + b_o   %zux%zu = %zux%zu times "
		     "(%zux%zu)^T",
		     T, E, T, E, E, E);
	explain_matrix("out", out, T, E, qrows, NULL);
}
