/* SPDX-License-Identifier: MIT */
/* mha: multi-head attention, the same computation and parameters as torch.nn.MultiheadAttention. */
#ifndef PF_MHA_H
#define PF_MHA_H

#include <stdbool.h>
#include <stddef.h>

#include "mask.h"
#include "params.h"
#include "softmax.h"

/* T = query positions, S = key positions, E = d_model, H = heads, Dh = E / H */

typedef struct {
	size_t E, H, kdim, vdim;
	bool bias;
	float *in_proj_weight;  /* [3E, E], PyTorch's name, when kdim == vdim == E */
	float *q_proj_weight;   /* [E, E]    } PyTorch's separate names when kdim or vdim differ from E */
	float *k_proj_weight;   /* [E, kdim] } */
	float *v_proj_weight;   /* [E, vdim] } */
	float *in_proj_bias;    /* [3E], NULL without bias */
	float *out_proj_weight; /* [E, E], "out_proj.weight" */
	float *out_proj_bias;   /* [E], "out_proj.bias", NULL without bias */
	/* Not part of PyTorch's module; mha_declare sets both to 0 (off), a caller may set them after. */
	double rope_base;       /* > 0: rotate each head's q and k by RoPE (rope_apply, D = Dh, which must be even) */
	size_t rope_offset;     /* RoPE position of query row 0 and key row 0 (of the cache, with a KV cache) */
	Normalize normalize;    /* how each head's scores become weights (lib/softmax); 0 = softmax, PyTorch's.
				 * mha_backward knows the softmax only */
	/*
	 * PyTorch's add_bias_kv and add_zero_attn: extra keys (and values) appended after the projections, which
	 * every query may attend to. mha_declare leaves both off; mha_declare_bias_kv and a caller setting
	 * add_zero_attn turn them on. Not in mha_forward_train and mha_backward (no Transformer layer has them).
	 */
	bool add_bias_kv;       /* key S = bias_k, value S = bias_v (after the S given) */
	float *bias_k;          /* [1,1,E] "bias_k", NULL without add_bias_kv */
	float *bias_v;          /* [1,1,E] "bias_v" */
	bool add_zero_attn;     /* then a key and a value of zeros in every head: a query may attend to "nothing" */
} MhaWeights;

/*
 * Declare the parameters under prefix (e.g. "" or "layers.0.self_attn.") with PyTorch's names and
 * initialisation rules; dies with a usage message when E is not divisible by H.
 * kdim or vdim 0 means E. Initialisation (MultiheadAttention._reset_parameters): xavier_uniform_
 * on in_proj_weight (or on each of q/k/v_proj_weight), zero in_proj_bias and out_proj.bias,
 * out_proj.weight as any nn.Linear (INIT_LINEAR).
 */
void mha_declare(Params *p, MhaWeights *w, const char *prefix, size_t E, size_t H, size_t kdim,
		 size_t vdim, bool bias);

/*
 * add_bias_kv: declare bias_k and bias_v, [1,1,E] each, under prefix, with PyTorch's xavier_normal_ (for
 * [1,1,E], fan in = fan out = E: N(0, 1/E)). After mha_declare.
 */
void mha_declare_bias_kv(Params *p, MhaWeights *w, const char *prefix);

/* The keys appended to the S given: add_bias_kv's one, add_zero_attn's one. Weights are [H,T,S + this]. */
size_t mha_extra_keys(const MhaWeights *w);
/*
 * The labels of the weights' columns: key_labels[S] and "<bias_k>", "<zero>" for the extra keys, in a new
 * array of S + mha_extra_keys(w) pointers (free the array only). key_labels itself when there are no extra
 * keys, NULL when it is NULL.
 */
char **mha_key_labels(char **key_labels, const MhaWeights *w, size_t S);

/* Floats of work space mha_forward needs for T queries and S keys. */
size_t mha_work_size(const MhaWeights *w, size_t T, size_t S);

/*
 * out[T,E] = concat_h(attention(q W_q^h, k W_k^h, v W_v^h)) W_o^T + b_o   (section 3.2.2)
 * query[T,E], key[S,kdim], value[S,vdim]; mask (NULL = none; lib/mask: [T,S] for every head or
 * [H,T,S], blocked pairs and a bias added to the scores) and causal as attention_forward;
 * attn[H,T,S'] (NULL = not wanted) receives each head's weights, S' = S + mha_extra_keys(w): the extra
 * keys' weights in the last columns (PyTorch pads attn_mask and key_padding_mask with a column for each,
 * so every query sees them, causal or not). Returns the number of fully blocked rows
 * (counted over heads: a blocked (query) row counts once per head).
 */
size_t mha_forward(float *out, float *attn, float *work, const MhaWeights *w, const float *query,
		   const float *key, const float *value, const Mask *mask, bool causal, size_t T, size_t S);

/*
 * The backward of mha_forward or mha_forward_train (without RoPE, with the softmax), from what that call left: its work
 * space (the projections and heads, MhaParts), attn[H,T,S], which it must have been given, and the
 * dropout mask drop[H,T,S] of mha_forward_train (NULL = none). Step by step in
 * reverse: the output projection (linear_backward), the heads (attention_backward each), the three
 * input projections. Gradients are accumulated (+=): d_query[T,E], d_key[S,kdim], d_value[S,vdim]
 * (for self-attention all three may be one buffer: the three paths add), and the parameters' into g,
 * an MhaWeights whose pointers are gradients laid out as w's (mha_declare into a gradient table).
 * d_work: mha_backward_work_size floats.
 */
size_t mha_backward_work_size(const MhaWeights *w, size_t T, size_t S);
void mha_backward(float *d_query, float *d_key, float *d_value, const MhaWeights *g, float *d_work,
		  const float *d_out, const float *work, const float *attn, const float *drop, const MhaWeights *w,
		  const float *query, const float *key, const float *value, size_t T, size_t S);

/*
 * mha_forward as nn.MultiheadAttention(dropout=p) computes it in training: each head's output is
 * (W * drop) v, drop[H,T,S] a dropout mask of the weights (layers.h: dropout_mask; NULL = none).
 * attn[H,T,S] (required) receives W before dropout, which mha_backward needs with the same drop.
 */
size_t mha_forward_train(float *out, float *attn, const float *drop, float *work, const MhaWeights *w,
			 const float *query, const float *key, const float *value, const Mask *mask, bool causal,
			 size_t T, size_t S);

/* heads[H,N,Dh] = x[N,E] with column block h (columns h*Dh .. h*Dh+Dh-1) moved to head h */
void split_heads(float *heads, const float *x, size_t N, size_t H, size_t Dh);
/* x[N,E] = the heads[H,N,Dh] side by side: the inverse of split_heads ("Concat" of eq. 3.2.2) */
void merge_heads(float *x, const float *heads, size_t N, size_t H, size_t Dh);

/* out[T,S] = the mean over heads of attn[H,T,S]   (PyTorch's average_attn_weights=True) */
void mha_average_heads(float *out, const float *attn, size_t H, size_t T, size_t S);

/*
 * The intermediates of mha_forward, as they lie in its work space: after the call a caller
 * (--explain) may read them. mha_work_parts points parts into work for T queries and S keys.
 */
typedef struct {
	float *q, *k, *v;        /* [T,E], [S,E], [S,E]: the projections x W^T + b */
	float *qh, *kh, *vh;     /* [H,T,Dh], [H,S',Dh], [H,S',Dh]: the same numbers split into heads, and the
				    extra keys (S' = S + mha_extra_keys) */
	float *oh;               /* [H,T,Dh]: each head's attention output */
	float *concat;           /* [T,E]: the heads side by side again, before the output projection */
	float *scratch;          /* [H, attention_forward_scratch(T, S')]: each head's score block */
	float *bias;             /* [H,T,S']: with extra keys, the mask's bias widened by their columns */
	unsigned char *allowed;  /* [H,T,S']: and its allowed pairs (the causal mask among them) */
} MhaParts;

void mha_work_parts(MhaParts *parts, float *work, const MhaWeights *w, size_t T, size_t S);

/*
 * Incremental decoding (the KV cache of a Transformer decoder): the keys and values of the
 * positions seen so far are projected once and kept; each step projects only its new rows.
 * The caller owns k and v, each [capacity, E]. With RoPE, the keys are rotated when appended,
 * at their positions in the cache (rope_offset + c->len + s), and the queries at rope_offset + first + t.
 */
typedef struct {
	float *k, *v;     /* [capacity, E]: x W_k^T + b_k and x W_v^T + b_v of the positions so far */
	size_t len;       /* positions held */
	size_t capacity;
} MhaCache;

/* Project key[S,kdim] and value[S,vdim] and append them. Returns false (and changes nothing) when they do not fit. */
bool mha_cache_append(MhaCache *c, const MhaWeights *w, const float *key, const float *value, size_t S);

/*
 * mha_forward for T queries query[T,E] against the c->len cached keys and values, the queries
 * being at positions first .. first+T-1: causal blocks key s > first + t (for self-attention,
 * append the new rows first, then call with first = c->len - T). mask [T,len] as mha_forward;
 * attn[H,T,len + extra keys]; work: mha_work_size(w, T, c->len) floats. Equal to mha_forward on the whole
 * sequence, row for row.
 */
size_t mha_forward_cached(float *out, float *attn, float *work, const MhaWeights *w, const MhaCache *c,
			  const float *query, const Mask *mask, bool causal, size_t first, size_t T);

/*
 * mha_forward computed the way a decoder computes it, one query row at a time through the empty
 * cache c (capacity >= S): causal (self-attention, S = T): key and value row t are appended just
 * before query t attends; otherwise (cross-attention) all S are appended before the first query.
 * The same out[T,E] and attn[H,T,S + extra keys] as mha_forward; work: mha_incremental_work_size(w, S) floats.
 */
size_t mha_incremental_work_size(const MhaWeights *w, size_t S);
size_t mha_forward_incremental(float *out, float *attn, float *work, const MhaWeights *w, MhaCache *c,
			       const float *query, const float *key, const float *value, const Mask *mask,
			       bool causal, size_t T, size_t S);

#endif
