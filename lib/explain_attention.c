/* SPDX-License-Identifier: MIT */
#include "explain_attention.h"

#include <stdio.h>
#include <stdlib.h>

#include "explain.h"

/* T = query positions, S = key positions, E = d_model, H = heads, Dh = E / H, Dq, Dk, Dv = query, key and
 * value widths, Dm = the RNN decoder's memory width */

/* The mask's blocked pairs (of head 0 when each head has its own), and a word on its additive part. */
static void explain_any_mask(const Mask *mask, bool causal, size_t T, size_t S, char *const *q_labels,
			     char *const *k_labels)
{
	explain_mask(mask_head_allowed(mask, 0, T, S), causal, T, S, q_labels, k_labels);
	if (mask && mask->heads > 1)
		explain_note("(head 0's: the mask gives each of the %zu heads its own)", mask->heads);
	if (mask && mask->bias)
		explain_note("the additive mask's finite values are added to the scores before the softmax "
			     "(PyTorch's float attn_mask: a bias, e.g. relative positions or ALiBi)");
}

/* ---- attend: one attention (eq. 1 and the other scores) ------------------------------------------ */

void explain_attention(const AttendInputs *in, const Scorer *f, const AttentionParts *p, const float *out,
		       const Mask *mask, bool causal)
{
	const Tensor *x = in->x, *keys = in->keys, *values = in->values;
	const float *q = in->q, *k = in->k, *v = in->v;
	const size_t T = tensor_rows(x), S = tensor_rows(keys), Dq = in->Dq, Dk = in->Dk, Dv = in->Dv;
	const bool project = in->projected;
	const Scorer scorer = *f;
	const size_t n = T < EXPLAIN_MAX_ROWS ? T : EXPLAIN_MAX_ROWS;
	const bool is_dot = scorer.kind == SCORE_DOT || scorer.kind == SCORE_SCALED;
	char *const *q_labels = x->ndim >= 2 ? x->row_labels : NULL;
	char *const *k_labels = keys->ndim >= 2 ? keys->row_labels : NULL;

	explain_step("shapes");
	explain_shape("x", x, keys == x ? "the input: queries, keys and values (self-attention)" : "the queries");
	if (keys != x)
		explain_shape("K", keys, values == keys ? "keys and values (--memory)" : "keys (--keys)");
	if (values != keys)
		explain_shape("V", values, "values (--values)");
	explain_note("T = %zu queries, S = %zu keys, d_k = %zu, d_v = %zu; the output is T x d_v = %zu x %zu", T, S,
		     Dk, Dv, T, Dv);
	explain_step("queries Q, keys K, values V%s%s",
		     project ? " (projected: Q = x Wq^T, K = keys Wk^T, V = values Wv^T)" : "",
		     in->rope ? ", Q and K rotated by RoPE" : "");
	explain_matrix("Q", q, T, Dq, q_labels, project ? NULL : x->col_labels);
	explain_matrix("K", k, S, Dk, k_labels, project ? NULL : keys->col_labels);
	explain_matrix("V", v, S, Dv, k_labels, project ? NULL : values->col_labels);

	explain_step("scores: %s", scorer.kind == SCORE_SCALED ? "q.k / sqrt(d_k) (eq. 1)"
				   : scorer.kind == SCORE_DOT	   ? "q.k"
				   : scorer.kind == SCORE_COSINE  ? "q.k / (|q| |k|)"
				   : scorer.kind == SCORE_GENERAL ? "q^T W k (Luong's general)"
								  : "v^T tanh(W1 q + W2 k) (Bahdanau's additive)");
	if (scorer.temperature != 1.0f)
		explain_note("every score divided by the temperature %g", (double)scorer.temperature);
	if (is_dot && keys == x && !project)
		explain_note("self-attention without --project: key t is query t, so the diagonal q_t.q_t = |q_t|^2 is"
			     " large and positive");
	explain_scores(is_dot ? p->raw : NULL, p->scores, attention_scale(scorer.kind, scorer.temperature, Dk), T, n,
		       S, Dk, q_labels, k_labels);

	explain_step("mask");
	explain_any_mask(mask, causal, n, S, q_labels, k_labels);

	explain_step("%s over the keys, row by row", normalize_names[scorer.normalize]);
	explain_normalize(scorer.normalize, p->masked, p->weights, n, S, q_labels, k_labels);

	explain_step("output: the weighted sum of the values");
	explain_weighted_sum(out, p->weights, v, S, Dv, q_labels ? q_labels[0] : NULL, k_labels);
	explain_note("every other query likewise: its own weights over the same values");
}


/* ---- mha: multi-head attention (section 3.2.2) ----------------------------------------------------- */

void explain_mha(const MhaWeights *w, const MhaParts *p, const float *attn, const Mask *mask, bool causal,
		 const Tensor *query, const Tensor *key, const float *out, const char *query_from, const char *key_from)
{
	const Tensor *x = query, *k = key ? key : query;
	size_t E = w->E, H = w->H, Dh = E / H, T = tensor_rows(x), S = tensor_rows(k);
	char **qrows = x->ndim >= 2 ? x->row_labels : NULL, **krows = k->ndim >= 2 ? k->row_labels : NULL;
	char **extended = NULL; /* krows and the extra keys' labels */

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

	if (mha_extra_keys(w))
		explain_step("extra keys, after the projection (PyTorch's%s%s): %zu more that every query sees",
			     w->add_bias_kv ? " add_bias_kv: bias_k and bias_v" : "",
			     w->add_zero_attn ? (w->add_bias_kv ? ", add_zero_attn: zeros" : " add_zero_attn: zeros") : "",
			     mha_extra_keys(w));
	explain_step("attention in each head, independently: %s(q_h k_h^T / sqrt(%zu)) v_h, %zux%zu weights",
		     normalize_names[w->normalize], Dh, T, S + mha_extra_keys(w));
	explain_any_mask(mask, causal, T, S, qrows, krows);
	/* from here on the keys are S + the extra ones, with labels of their own */
	extended = mha_key_labels(krows, w, S);
	if (extended == krows)
		extended = NULL; /* no extra keys, or no labels: nothing new to free */
	else
		krows = extended;
	S += mha_extra_keys(w);
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
	free(extended);
}

/* ---- decode --arch rnn|gru|lstm: the attention decoder (Bahdanau et al. 2015) --------------------- */

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
