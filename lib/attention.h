/* SPDX-License-Identifier: MIT */
/* attention: the scores and their scale, the plain core, the fused and tiled paths, RoPE. */
#ifndef PF_ATTENTION_H
#define PF_ATTENTION_H

#include <stdbool.h>
#include <stddef.h>

#include "params.h"
#include "softmax.h"

/* T = query positions, S = key positions, Dk = query/key width, Dv = value width */

/*
 * Three forms of one computation, built from the same pieces (attention_scores, lib/softmax's softmax_row,
 * a weighted sum): attention() is the plain one, which keeps every intermediate (--scores, --attn,
 * --explain and the RNN decoders read them); attention_forward streams blocks of queries through the
 * scaled dot product (mha's heads); attention_tiled never holds the T x S matrix (the online softmax).
 * The tests hold the fast two to the plain one.
 */

/*
 * out[T,Dv] = softmax(q[T,Dk] k[S,Dk]^T * scale + bias + blocked) v[S,Dv]   (eq. 1 with scale = 1/sqrt(Dk))
 *
 * allowed[T,S] (NULL = all) is 1 where query t may attend to key s; causal additionally blocks s > t.
 * bias[T,S] (NULL = none, finite) is added to the scaled scores: PyTorch's float attn_mask (lib/mask).
 * A query row with every key blocked gets zero weights and a zero output (never NaN); the return
 * value counts such rows so that the caller can warn.
 * weights[T,S] (NULL = not wanted) receives the softmax weights; scores[T,S] (NULL = not wanted)
 * the scaled scores before masking and softmax. how replaces the softmax by another normalisation
 * (lib/softmax: NORMALIZE_SOFTMAX is eq. 1). scratch is work space the caller owns, of
 * attention_forward_scratch(T, S) floats: queries go in blocks of ATTENTION_BLOCK_T, and each block's
 * scores q k^T and weighted sum w v are one matrix product each.
 */
#define ATTENTION_BLOCK_T 64
size_t attention_forward_scratch(size_t T, size_t S);
size_t attention_forward(float *out, float *weights, float *scores, float *scratch, const float *q, const float *k,
			 const float *v, const unsigned char *allowed, const float *bias, bool causal, float scale,
			 Normalize how,
			 size_t T, size_t S, size_t Dk, size_t Dv);

/*
 * The backward of attention_forward with the softmax, from the weights W[T,S] it saved (weights != NULL there):
 * out = (W * drop) v with W = softmax(q k^T * scale + blocked) and drop[T,S] a dropout mask of the
 * weights (NULL = none: all ones), so
 *   d_v[S,Dv] += (W * drop)^T d_out,   d_W = (d_out v^T) * drop,
 *   d_scores = W * (d_W - rowsum(d_W * W))   (softmax)
 *   d_q[T,Dk] += scale d_scores k,   d_k[S,Dk] += scale d_scores^T q
 * A blocked key has W = 0, so no gradient flows through it (nor through a fully blocked row).
 * scratch[S] is work space the caller owns.
 */
void attention_backward(float *d_q, float *d_k, float *d_v, float *scratch, const float *d_out,
			const float *weights, const float *drop, const float *q, const float *k, const float *v,
			float scale, size_t T, size_t S, size_t Dk, size_t Dv);

/*
 * The similarity functions of the course (score f(q, k) of one query and one key):
 *   dot       q.k
 *   scaled    q.k / sqrt(Dk)                         (eq. 1, the default)
 *   cosine    q.k / (|q| |k|)
 *   general   q^T W k,            W[Dq,Dk]           (Luong et al. 2015)
 *   additive  v^T tanh(W1 q + W2 k), W1[Hd,Dq], W2[Hd,Dk], v[Hd]   (Bahdanau et al. 2015)
 * Scores are divided by temperature (1 = none). normalize says how the scores become weights (lib/softmax:
 * softmax, the default and the paper's, sigmoid, relu, sparsemax, none).
 */
typedef enum { SCORE_DOT, SCORE_SCALED, SCORE_COSINE, SCORE_GENERAL, SCORE_ADDITIVE } ScoreKind;

typedef struct {
	ScoreKind kind;
	float temperature;
	Normalize normalize; /* NORMALIZE_SOFTMAX (0) unless set */
	size_t hidden;      /* Hd, additive only */
	float *W;           /* [Dq, Dk], general: parameter "W" */
	float *W1;          /* [Hd, Dq], additive: parameter "W1" (torch.nn.Linear layout, no bias) */
	float *W2;          /* [Hd, Dk], additive: parameter "W2" */
	float *v;           /* [Hd],     additive: parameter "v" */
	const float *key_proj; /* [S,Hd], additive: W2 k_s computed beforehand (attention_project_keys) for a
				  caller that scores the same keys again and again, as a decoder does at
				  every step; NULL = attention_scores computes it */
} Scorer;

/* key_proj[S,Hd] = k[S,Dk] W2^T: the keys' half of the additive score, which does not depend on the query */
void attention_project_keys(float *key_proj, const Scorer *f, const float *k, size_t S, size_t Dk);

/*
 * Declare the parameters f->kind needs (none for dot, scaled and cosine) as prefix + "W", "W1",
 * "W2", "v", with nn.Linear's initialisation U(+-1/sqrt(fan in)); f->hidden is Hd. The pointers
 * in f are valid once params_fill has run.
 */
void scorer_declare(Params *p, Scorer *f, const char *prefix, size_t Dq, size_t Dk);

/*
 * The factor every score of kind is multiplied by: 1 / (temperature sqrt(Dk)) for scaled (eq. 1; footnote 4:
 * it keeps the variance of q.k near 1 whatever Dk), 1 / temperature for the others. mha uses it with Dk = Dh.
 */
float attention_scale(ScoreKind kind, float temperature, size_t Dk);
/* Floats of scratch attention_scores needs: S (cosine: |k_s|), Dk (general: q_t^T W), (S + 1) * Hd (additive). */
size_t attention_scores_scratch(const Scorer *f, size_t S, size_t Dk);
/* scores[T,S] = f(q[T,Dq], k[S,Dk]) * attention_scale(f). scratch: attention_scores_scratch(f, S, Dk) floats. */
void attention_scores(float *scores, const Scorer *f, const float *q, const float *k, float *scratch,
		      size_t T, size_t S, size_t Dq, size_t Dk);
/*
 * The backward of attention_scores, e[T,S] = f(q, k) * scale with scale = attention_scale(f), from d_e[T,S]:
 *   dot, scaled  e_ts = scale q_t.k_s          d_q_t += scale sum_s d_e_ts k_s,  d_k_s += scale sum_t d_e_ts q_t
 *   general      e_ts = scale q_t^T W k_s      with d_u_t[Dk] = scale sum_s d_e_ts k_s and u_t = q_t^T W:
 *                d_q_t += W d_u_t,  d_W += q_t d_u_t^T,  d_k_s += scale sum_t d_e_ts u_t
 *   additive     e_ts = scale v.u_ts, u_ts = tanh(W1 q_t + W2 k_s); with g_ts[Hd] = scale d_e_ts v * (1 - u_ts^2):
 *                d_v += scale sum_ts d_e_ts u_ts,  d_q_t += W1^T sum_s g_ts,  d_W1 += sum_ts g_ts q_t^T,
 *                d_k_s += W2^T sum_t g_ts,  d_W2 += sum_ts g_ts k_s^T
 * (u_ts is tanh of the same projections the forward pass made; f->key_proj is used when set.) Cosine has
 * no backward here. d_f's W, W1, W2, v receive the parameters' gradients; d_q, d_k may be NULL (not
 * wanted). Accumulates. scratch: attention_scores_backward_scratch(f, S, Dk) floats.
 */
size_t attention_scores_backward_scratch(const Scorer *f, size_t S, size_t Dk);
void attention_scores_backward(float *d_q, float *d_k, const Scorer *d_f, float *scratch, const float *d_scores,
			       const Scorer *f, const float *q, const float *k, size_t T, size_t S, size_t Dq,
			       size_t Dk);
/* out[T,Dv] = weights[T,S] v[S,Dv] */
void weighted_sum(float *out, const float *weights, const float *v, size_t T, size_t S, size_t Dv);

/* The intermediates of attention(), named: the buffers it fills, which --explain then reads. */
typedef struct {
	float *raw;      /* [T,S] q.k before the scale (dot and scaled scores only); NULL = not wanted */
	float *scores;   /* [T,S] f(q, k), before the mask: what attend --scores writes */
	float *masked;   /* [T,S] the scores plus the bias, every blocked key at -inf: the softmax's input; NULL = not
			    wanted, unless attention() gets a bias (then required: the sum is made there) */
	float *weights;  /* [T,S] the softmax (f->normalize) of each row: what --attn writes */
	float *scratch;  /* attention_scores_scratch(f, S, Dk) floats */
} AttentionParts;

/*
 * The plain attention, every intermediate kept in p:
 *   scores = f(q[T,Dq], k[S,Dk]);  weights = softmax (f->normalize) of scores + bias over the visible keys;
 *   out[T,Dv] = weights v[S,Dv]
 * Blocked keys and bias as attention_forward (allowed[T,S], NULL = all; bias[T,S], NULL = none; causal
 * blocks s > t). Returns the number of rows with every key blocked (zero weights, zero output).
 */
size_t attention(float *out, const AttentionParts *p, const Scorer *f, const float *q, const float *k,
		 const float *v, const unsigned char *allowed, const float *bias, bool causal, size_t T, size_t S,
		 size_t Dq, size_t Dk, size_t Dv);

/*
 * The tiled path: the same out[T,Dv] as attention() (the plain reference), without ever holding the
 * T x S matrix. Queries go in blocks of ATTENTION_TILE_T, keys in
 * blocks of ATTENTION_TILE_S (the softmax only: f->normalize must be NORMALIZE_SOFTMAX); each query keeps a running maximum m, a running sum l and an unnormalised
 * output, rescaled by exp(m_old - m_new) whenever a later key block raises the maximum (the "online
 * softmax" of Milakov and Gimelshein 2018, as used by FlashAttention, Dao et al. 2022). Memory beyond
 * the inputs and out: attention_tiled_work_size() floats (threads_count() parts, one per thread: the query
 * blocks go to the threads), independent of T. Returns the fully blocked rows.
 */
#define ATTENTION_TILE_T 64
#define ATTENTION_TILE_S 256
size_t attention_tiled_work_size(const Scorer *f, size_t Dk, size_t Dv);
size_t attention_tiled(float *out, float *work, const Scorer *f, const float *q, const float *k,
		       const float *v, const unsigned char *allowed, const float *bias, bool causal, size_t T, size_t S,
		       size_t Dq, size_t Dk, size_t Dv);

/*
 * Rotary position embedding (RoFormer, Su et al. 2021, section 3.4.2, eq. 34), in place: in row t of
 * x[T, stride], the pairs (x[2i], x[2i+1]) of the first D entries are rotated by the angle
 * (offset + t) * base^(-2i / D), i = 0 .. D/2 - 1. D must be even. Applied to queries and keys, it makes
 * q_t . k_s depend on their positions only through t - s. stride lets mha rotate one head of q[T,E] in
 * place (x = q + h * Dh, stride = E, D = Dh).
 */
void rope_apply(float *x, double base, size_t offset, size_t T, size_t D, size_t stride);

#endif
