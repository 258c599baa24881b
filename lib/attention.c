/* SPDX-License-Identifier: MIT */
#include "attention.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "linalg.h"
#include "threads.h"
#include "softmax.h"
#include "vecmath.h"

/* T = query positions, S = key positions, Dq = query width, Dk = key width, Dv = value width, Hd = hidden */

/*
 * a[n] . b[n] with eight partial sums: the compiler can keep them in one vector register (it may not
 * reorder a single running float sum), and the rounding error grows more slowly than with one sum.
 */
static float dot(const float *a, const float *b, size_t n)
{
	float part[8] = { 0 };
	size_t i = 0;

	for (; i + 8 <= n; i += 8)
		for (size_t j = 0; j < 8; j++)
			part[j] += a[i + j] * b[i + j];
	for (; i < n; i++)
		part[0] += a[i] * b[i];
	return ((part[0] + part[4]) + (part[1] + part[5])) + ((part[2] + part[6]) + (part[3] + part[7]));
}

static bool is_blocked(const unsigned char *allowed, bool causal, size_t t, size_t s, size_t S)
{
	return (allowed && !allowed[t * S + s]) || (causal && s > t);
}

size_t attention_forward_scratch(size_t T, size_t S)
{
	/* the block's scores, and one row more: sparsemax sorts there */
	return xmul((T < ATTENTION_BLOCK_T ? T : ATTENTION_BLOCK_T) + 1, S, "attention");
}

size_t attention_forward(float *out, float *weights, float *scores, float *scratch, const float *q, const float *k,
			 const float *v, const unsigned char *allowed, const float *bias, bool causal, float scale,
			 Normalize how,
			 size_t T, size_t S, size_t Dk, size_t Dv)
{
	const size_t nt_max = T < ATTENTION_BLOCK_T ? T : ATTENTION_BLOCK_T;
	float *sorted = scratch + nt_max * S; /* [S]: sparsemax's sorting space */
	size_t blocked_rows = 0;

	for (size_t t0 = 0; t0 < T; t0 += ATTENTION_BLOCK_T) {
		const size_t nt = T - t0 < ATTENTION_BLOCK_T ? T - t0 : ATTENTION_BLOCK_T;
		float *block = scratch; /* [nt,S]: scores, then weights, of this block of queries */

		/* pass 1: the block's scores q_t . k_s, all at once: one matrix product (a BLAS call) */
		linear(block, q + t0 * Dk, k, NULL, nt, Dk, S);
		for (size_t i = 0; i < nt; i++) {
			const size_t t = t0 + i;
			float *w_row = block + i * S;
			/* pass 2: scale, then add the mask's bias (PyTorch's float attn_mask) */
			for (size_t s = 0; s < S; s++) {
				w_row[s] *= scale;
				if (scores)
					scores[t * S + s] = w_row[s];
				if (bias)
					w_row[s] += bias[t * S + s];
			}
			/* pass 3: the softmax (or how) over the keys row t may see (lib/softmax) */
			blocked_rows += !normalize_row(w_row, w_row, allowed ? allowed + t * S : NULL,
						       causal && t + 1 < S ? t + 1 : S, S, how, sorted);
			if (weights)
				memcpy(weights + t * S, w_row, S * sizeof(float));
		}
		/* pass 4: the weighted sums of the values, out[nt,Dv] = w[nt,S] v[S,Dv]: another matrix product */
		matmul(out + t0 * Dv, block, v, nt, S, Dv);
	}
	return blocked_rows;
}

void attention_backward(float *d_q, float *d_k, float *d_v, float *scratch, const float *d_out,
			const float *weights, const float *drop, const float *q, const float *k, const float *v,
			float scale, size_t T, size_t S, size_t Dk, size_t Dv)
{
	for (size_t t = 0; t < T; t++) {
		const float *d_out_t = d_out + t * Dv, *w_t = weights + t * S, *q_t = q + t * Dk;
		float *d_s = scratch; /* d_W of this row, then d_scores */
		double dot_wd = 0.0;
		/* pass 1: d_W[t,s] = (d_out_t . v_s) drop[t,s], and d_v_s += W[t,s] drop[t,s] d_out_t */
		for (size_t s = 0; s < S; s++) {
			float m = drop ? drop[t * S + s] : 1.0f, used = w_t[s] * m;
			d_s[s] = used != 0.0f ? dot(d_out_t, v + s * Dv, Dv) * m : 0.0f;
			dot_wd += (double)d_s[s] * w_t[s];
			for (size_t d = 0; d < Dv && used != 0.0f; d++)
				d_v[s * Dv + d] += used * d_out_t[d];
		}
		/* pass 2: through the softmax, d_scores = W * (d_W - sum W d_W), times the scale */
		for (size_t s = 0; s < S; s++)
			d_s[s] = (float)(w_t[s] * ((double)d_s[s] - dot_wd)) * scale;
		/* pass 3: the scores q_t . k_s: d_q_t += d_s k_s, d_k_s += d_s q_t */
		for (size_t s = 0; s < S; s++) {
			const float *k_s = k + s * Dk;
			float *d_k_s = d_k + s * Dk, *d_q_t = d_q + t * Dk;
			if (d_s[s] == 0.0f)
				continue;
			for (size_t d = 0; d < Dk; d++) {
				d_q_t[d] += d_s[s] * k_s[d];
				d_k_s[d] += d_s[s] * q_t[d];
			}
		}
	}
}

size_t attention_scores_scratch(const Scorer *f, size_t S, size_t Dk)
{
	switch (f->kind) {
	case SCORE_COSINE:
		return S;
	case SCORE_GENERAL:
		return Dk;
	case SCORE_ADDITIVE:
		return (S + 1) * f->hidden;
	default:
		return 0;
	}
}

/* |x[n]|, the Euclidean length */
static float norm(const float *x, size_t n)
{
	return sqrtf(dot(x, x, n));
}

float attention_scale(ScoreKind kind, float temperature, size_t Dk)
{
	/* the divisor of every score: sqrt(Dk) for scaled (footnote 4: it keeps the variance near 1) */
	return 1.0f / (temperature * (kind == SCORE_SCALED ? sqrtf((float)Dk) : 1.0f));
}

/* attention_scores, and raw[T,S] (NULL = not wanted; dot and scaled only) = q_t . k_s before the scale */
static void scores_and_raw(float *scores, float *raw, const Scorer *f, const float *q, const float *k,
			   float *scratch, size_t T, size_t S, size_t Dq, size_t Dk)
{
	const size_t Hd = f->hidden;
	const float inv = attention_scale(f->kind, f->temperature, Dk);

	switch (f->kind) {
	case SCORE_DOT:
	case SCORE_SCALED:
		/* score[t,s] = q_t . k_s (/ sqrt(Dk)): scores[T,S] = q[T,Dk] k[S,Dk]^T, a matrix product; raw keeps
		 * q_t . k_s itself */
		if (raw) {
			linear(raw, q, k, NULL, T, Dk, S);
			for (size_t i = 0; i < T * S; i++)
				scores[i] = raw[i] * inv;
		} else {
			linear(scores, q, k, NULL, T, Dk, S);
			vec_scale(scores, T * S, inv);
		}
		break;
	case SCORE_COSINE: {
		/* score[t,s] = q_t . k_s / (|q_t| |k_s|); a zero vector has cosine 0 with everything */
		float *k_norm = scratch; /* [S] */
		for (size_t s = 0; s < S; s++)
			k_norm[s] = norm(k + s * Dk, Dk);
		for (size_t t = 0; t < T; t++) {
			const float *q_t = q + t * Dq;
			const float q_norm = norm(q_t, Dq);
			for (size_t s = 0; s < S; s++) {
				const float len = q_norm * k_norm[s];
				scores[t * S + s] = len > 0.0f ? dot(q_t, k + s * Dk, Dk) / len * inv : 0.0f;
			}
		}
		break;
	}
	case SCORE_GENERAL: {
		/* score[t,s] = q_t^T W k_s = u_t . k_s with u_t[Dk] = q_t^T W[Dq,Dk], computed once per query */
		float *u = scratch; /* [Dk] */
		for (size_t t = 0; t < T; t++) {
			const float *q_t = q + t * Dq;
			memset(u, 0, Dk * sizeof(float));
			for (size_t i = 0; i < Dq; i++) {
				const float *W_i = f->W + i * Dk;
				for (size_t j = 0; j < Dk; j++)
					u[j] += q_t[i] * W_i[j];
			}
			for (size_t s = 0; s < S; s++)
				scores[t * S + s] = dot(u, k + s * Dk, Dk) * inv;
		}
		break;
	}
	case SCORE_ADDITIVE: {
		/* score[t,s] = v . tanh(W1 q_t + W2 k_s): both projections once, then Hd tanh per pair */
		const float *key_proj = f->key_proj;  /* [S,Hd]: W2 k_s */
		float *query_proj = scratch + S * Hd; /* [Hd]: W1 q_t */
		if (key_proj == NULL) {
			attention_project_keys(scratch, f, k, S, Dk);
			key_proj = scratch;
		}
		for (size_t t = 0; t < T; t++) {
			for (size_t h = 0; h < Hd; h++)
				query_proj[h] = dot(f->W1 + h * Dq, q + t * Dq, Dq);
			for (size_t s = 0; s < S; s++) {
				const float *kp_s = key_proj + s * Hd;
				float sum = 0.0f;
				for (size_t h = 0; h < Hd; h++)
					sum += f->v[h] * tanhf(query_proj[h] + kp_s[h]);
				scores[t * S + s] = sum * inv;
			}
		}
		break;
	}
	}
}

void attention_scores(float *scores, const Scorer *f, const float *q, const float *k, float *scratch, size_t T,
		      size_t S, size_t Dq, size_t Dk)
{
	scores_and_raw(scores, NULL, f, q, k, scratch, T, S, Dq, Dk);
}

size_t attention_scores_backward_scratch(const Scorer *f, size_t S, size_t Dk)
{
	switch (f->kind) {
	case SCORE_GENERAL:
		return 2 * Dk;
	case SCORE_ADDITIVE:
		return 2 * (S + 1) * f->hidden;
	default:
		return 0;
	}
}

void attention_scores_backward(float *d_q, float *d_k, const Scorer *d_f, float *scratch, const float *d_scores,
			       const Scorer *f, const float *q, const float *k, size_t T, size_t S, size_t Dq,
			       size_t Dk)
{
	const size_t Hd = f->hidden;
	const float scale = attention_scale(f->kind, f->temperature, Dk);

	switch (f->kind) {
	case SCORE_DOT:
	case SCORE_SCALED:
		for (size_t t = 0; t < T; t++)
			for (size_t s = 0; s < S; s++) {
				const float g = scale * d_scores[t * S + s];
				for (size_t i = 0; i < Dk && d_q; i++)
					d_q[t * Dq + i] += g * k[s * Dk + i];
				for (size_t i = 0; i < Dk && d_k; i++)
					d_k[s * Dk + i] += g * q[t * Dq + i];
			}
		break;
	case SCORE_COSINE:
		die("attention_scores_backward: the cosine score has no backward pass");
	case SCORE_GENERAL: {
		float *u = scratch, *d_u = scratch + Dk; /* [Dk] each: q_t^T W and its gradient */
		for (size_t t = 0; t < T; t++) {
			const float *q_t = q + t * Dq;
			memset(u, 0, Dk * sizeof(float));
			memset(d_u, 0, Dk * sizeof(float));
			for (size_t i = 0; i < Dq; i++)
				for (size_t j = 0; j < Dk; j++)
					u[j] += q_t[i] * f->W[i * Dk + j];
			for (size_t s = 0; s < S; s++) {
				const float g = scale * d_scores[t * S + s];
				for (size_t j = 0; j < Dk; j++) {
					d_u[j] += g * k[s * Dk + j];
					if (d_k)
						d_k[s * Dk + j] += g * u[j];
				}
			}
			for (size_t i = 0; i < Dq; i++)
				for (size_t j = 0; j < Dk; j++) {
					if (d_q)
						d_q[t * Dq + i] += f->W[i * Dk + j] * d_u[j];
					d_f->W[i * Dk + j] += q_t[i] * d_u[j];
				}
		}
		break;
	}
	case SCORE_ADDITIVE: {
		/* scratch: the keys' projections W2 k_s [S,Hd] (unless given), their gradients [S,Hd], the query's
		 * projection W1 q_t [Hd] and its gradient [Hd] */
		float *key_proj = scratch, *d_key_proj = scratch + S * Hd;
		float *query_proj = d_key_proj + S * Hd, *d_query_proj = query_proj + Hd;
		if (f->key_proj)
			memcpy(key_proj, f->key_proj, S * Hd * sizeof(float));
		else
			attention_project_keys(key_proj, f, k, S, Dk);
		memset(d_key_proj, 0, S * Hd * sizeof(float));
		for (size_t t = 0; t < T; t++) {
			const float *q_t = q + t * Dq;
			for (size_t h = 0; h < Hd; h++)
				query_proj[h] = dot(f->W1 + h * Dq, q_t, Dq);
			memset(d_query_proj, 0, Hd * sizeof(float));
			for (size_t s = 0; s < S; s++) {
				const float d_e = scale * d_scores[t * S + s];
				float *d_kp_s = d_key_proj + s * Hd;
				for (size_t h = 0; h < Hd; h++) {
					const float u = tanhf(query_proj[h] + key_proj[s * Hd + h]);
					const float g = d_e * f->v[h] * (1.0f - u * u);
					d_f->v[h] += d_e * u;
					d_query_proj[h] += g;
					d_kp_s[h] += g;
				}
			}
			/* query_proj = W1 q_t: a linear without bias */
			linear_backward(d_q ? d_q + t * Dq : NULL, d_f->W1, NULL, d_query_proj, q_t, f->W1, 1, Dq, Hd);
		}
		linear_backward(d_k, d_f->W2, NULL, d_key_proj, k, f->W2, S, Dk, Hd);
		break;
	}
	}
}

void attention_project_keys(float *key_proj, const Scorer *f, const float *k, size_t S, size_t Dk)
{
	for (size_t s = 0; s < S; s++)
		for (size_t h = 0; h < f->hidden; h++)
			key_proj[s * f->hidden + h] = dot(f->W2 + h * Dk, k + s * Dk, Dk);
}

void weighted_sum(float *out, const float *weights, const float *v, size_t T, size_t S, size_t Dv)
{
	matmul(out, weights, v, T, S, Dv);
}

size_t attention(float *out, const AttentionParts *p, const Scorer *f, const float *q, const float *k,
		 const float *v, const unsigned char *allowed, const float *bias, bool causal, size_t T, size_t S,
		 size_t Dq, size_t Dk, size_t Dv)
{
	const float *logits = p->scores; /* what the softmax sees, before the blocked keys go to -inf */
	size_t blocked_rows;

	/* step 1: the scores f(q_t, k_s) (eq. 1: q_t . k_s / sqrt(Dk)) */
	scores_and_raw(p->scores, p->raw, f, q, k, p->scratch, T, S, Dq, Dk);
	/* step 2: the mask, as the softmax will see it: its bias added (PyTorch's float attn_mask), its blocked
	 * keys at -inf (kept only when wanted; with a bias, masked is where the sum lives) */
	if (bias) {
		for (size_t i = 0; i < T * S; i++)
			p->masked[i] = p->scores[i] + bias[i];
		logits = p->masked;
	}
	if (p->masked)
		mask_scores(p->masked, logits, allowed, causal, T, S);
	/* step 3: softmax (or f->normalize) over the visible keys, row by row */
	blocked_rows = masked_normalize(p->weights, logits, allowed, causal, f->normalize, T, S);
	/* step 4: the weighted sum of the values */
	weighted_sum(out, p->weights, v, T, S, Dv);
	return blocked_rows;
}

/* the work of one thread: the score block, the block's weighted values, the scorer's scratch for one key block */
static size_t tiled_work_per_thread(const Scorer *f, size_t Dk, size_t Dv)
{
	return ATTENTION_TILE_T * ATTENTION_TILE_S + ATTENTION_TILE_T * Dv + attention_scores_scratch(f, ATTENTION_TILE_S, Dk);
}

size_t attention_tiled_work_size(const Scorer *f, size_t Dk, size_t Dv)
{
	return xmul((size_t)threads_count(), tiled_work_per_thread(f, Dk, Dv), "attention");
}

/* attention_tiled for the nt queries t0 .. t0 + nt - 1; returns how many of them saw no key */
static size_t tiled_block(float *out, float *work, const Scorer *f, const float *q, const float *k, const float *v,
			  const unsigned char *allowed, const float *bias, bool causal, size_t t0, size_t nt, size_t S,
			  size_t Dq, size_t Dk, size_t Dv)
{
	float *block = work;                                  /* [nt, ns] scores, then exp(score - m) */
	float *pv = block + ATTENTION_TILE_T * ATTENTION_TILE_S; /* [nt, Dv]: block times the values */
	float *scratch = pv + ATTENTION_TILE_T * Dv;
	OnlineSoftmax row[ATTENTION_TILE_T]; /* each query's running maximum and sum (lib/softmax) */
	size_t blocked_rows = 0;
	/* causal: keys after this block's last query are blocked for all of it, so skip them */
	const size_t s_end = causal && t0 + nt < S ? t0 + nt : S;

	for (size_t i = 0; i < nt; i++)
		online_softmax_init(&row[i]);
	memset(out + t0 * Dv, 0, nt * Dv * sizeof(float));
	for (size_t s0 = 0; s0 < s_end; s0 += ATTENTION_TILE_S) {
		const size_t ns = s_end - s0 < ATTENTION_TILE_S ? s_end - s0 : ATTENTION_TILE_S;
		/* pass 1: the tile's scores (for dot and scaled, one matrix product) */
		attention_scores(block, f, q + t0 * Dq, k + s0 * Dk, scratch, nt, ns, Dq, Dk);
		for (size_t i = 0; i < nt; i++) {
			const size_t t = t0 + i;
			float *score_i = block + i * ns, *out_t = out + t * Dv;
			float rescale;
			for (size_t j = 0; (allowed || bias || (causal && s0 + ns > t + 1)) && j < ns; j++)
				if (is_blocked(allowed, causal, t, s0 + j, S))
					score_i[j] = -INFINITY;
				else if (bias)
					score_i[j] += bias[t * S + s0 + j];
			/* pass 2: p = exp(score - m) for this tile (the online softmax); what was summed with an older,
			 * smaller m is rescaled by exp(m_old - m_new) */
			if (!online_softmax_block(&row[i], score_i, ns, &rescale)) {
				memset(score_i, 0, ns * sizeof(float)); /* nothing visible here: the row stays as it was */
				continue;
			}
			if (rescale != 1.0f)
				vec_scale(out_t, Dv, rescale);
		}
		/* pass 3: out += p[nt,ns] v[ns,Dv], one matrix product for the whole tile */
		matmul(pv, block, v + s0 * Dv, nt, ns, Dv);
		vec_add(out + t0 * Dv, pv, nt * Dv);
	}
	/* last step: divide by each row's sum; a row that saw no key stays zero */
	for (size_t i = 0; i < nt; i++) {
		float *out_t = out + (t0 + i) * Dv;
		if (row[i].max == -INFINITY) {
			blocked_rows++;
			continue;
		}
		for (size_t d = 0; d < Dv; d++)
			out_t[d] = (float)(out_t[d] / row[i].sum);
	}
	return blocked_rows;
}

size_t attention_tiled(float *out, float *work, const Scorer *f, const float *q, const float *k,
		       const float *v, const unsigned char *allowed, const float *bias, bool causal, size_t T, size_t S,
		       size_t Dq, size_t Dk, size_t Dv)
{
	const size_t per_thread = tiled_work_per_thread(f, Dk, Dv), blocks = (T + ATTENTION_TILE_T - 1) / ATTENTION_TILE_T;
	size_t blocked_rows = 0;

	/* the query blocks share the threads; each thread has its own part of work */
#pragma omp parallel for schedule(dynamic) reduction(+ : blocked_rows) num_threads(threads_count()) \
	if (blocks > 1 && T * S * Dk >= PARALLEL_MIN_WORK)
	for (size_t b = 0; b < blocks; b++) {
		const size_t t0 = b * ATTENTION_TILE_T, nt = T - t0 < ATTENTION_TILE_T ? T - t0 : ATTENTION_TILE_T;
		blocked_rows += tiled_block(out, work + (size_t)thread_index() * per_thread, f, q, k, v, allowed,
					    bias, causal, t0, nt, S, Dq, Dk, Dv);
	}
	return blocked_rows;
}

void rope_apply(float *x, double base, size_t offset, size_t T, size_t D, size_t stride)
{
	for (size_t t = 0; t < T; t++) {
		float *x_t = x + t * stride;
		const double pos = (double)(offset + t);
		for (size_t i = 0; i < D / 2; i++) {
			/* theta_i = base^(-2i/D): the first pair turns fastest, the last slowest */
			const double angle = pos * pow(base, -2.0 * (double)i / (double)D);
			const double c = cos(angle), s = sin(angle);
			const double a = x_t[2 * i], b = x_t[2 * i + 1];
			x_t[2 * i] = (float)(a * c - b * s);
			x_t[2 * i + 1] = (float)(a * s + b * c);
		}
	}
}

void scorer_declare(Params *p, Scorer *f, const char *prefix, size_t Dq, size_t Dk)
{
	char name[256];
	const size_t shape_W[2] = { Dq, Dk }, shape_W1[2] = { f->hidden, Dq }, shape_W2[2] = { f->hidden, Dk };

	if (f->kind == SCORE_GENERAL) {
		snprintf(name, sizeof(name), "%sW", prefix);
		params_add(p, &f->W, name, INIT_LINEAR, 0.0, 2, shape_W);
	} else if (f->kind == SCORE_ADDITIVE) {
		snprintf(name, sizeof(name), "%sW1", prefix);
		params_add(p, &f->W1, name, INIT_LINEAR, 0.0, 2, shape_W1);
		snprintf(name, sizeof(name), "%sW2", prefix);
		params_add(p, &f->W2, name, INIT_LINEAR, 0.0, 2, shape_W2);
		snprintf(name, sizeof(name), "%sv", prefix);
		params_add(p, &f->v, name, INIT_LINEAR, 0.0, 1, &f->hidden); /* a [Hd] vector: fan in Hd */
	}
}
