/* SPDX-License-Identifier: MIT */
/* transformer: encoder and decoder layers and stacks of "Attention Is All You Need", as torch.nn.Transformer. */
#ifndef PF_TRANSFORMER_H
#define PF_TRANSFORMER_H

#include <stdbool.h>
#include <stddef.h>

#include "layers.h"
#include "mha.h"
#include "params.h"

/* N = layers, T = target (query) positions, S = source (memory) positions, E = d_model, H = heads,
 * Dh = E / H, F = d_ff */

typedef struct {
	size_t N, E, H, F;
	Activation activation;
	bool norm_first;  /* pre-norm x + Sublayer(LayerNorm(x)); false: the paper's LayerNorm(x + Sublayer(x)) */
	bool final_norm;  /* one more LayerNorm after the last layer: "norm.weight", "norm.bias" */
	float eps;        /* LayerNorm's epsilon (torch: 1e-5) */
	bool layers_given; /* N came from --layers (else transformer_for_input may take it from --weights) */
	bool annotated_norm; /* the Annotated Transformer's LayerNorm (layer_norm_annotated), not torch's */
	float final_eps;  /* the final norm's epsilon; 0: eps (torchmultimodal: 1e-12 in the layers, 1e-5 at the end) */
} TransformerConfig;

/* One layer's parameters, by torch.nn.TransformerEncoderLayer / TransformerDecoderLayer's names. */
typedef struct {
	MhaWeights self_attn;   /* "self_attn.*" */
	MhaWeights cross_attn;  /* "multihead_attn.*": decoder only (keys and values from the memory) */
	float *linear1_weight;  /* [F, E] "linear1.weight" */
	float *linear1_bias;    /* [F]    "linear1.bias" */
	float *linear2_weight;  /* [E, F] "linear2.weight" */
	float *linear2_bias;    /* [E]    "linear2.bias" */
	float *norm1_weight, *norm1_bias; /* [E] "norm1.*": around self-attention */
	float *norm2_weight, *norm2_bias; /* [E] "norm2.*": encoder: around the feed-forward; decoder: cross-attention */
	float *norm3_weight, *norm3_bias; /* [E] "norm3.*": decoder only, around the feed-forward */
} TransformerLayer;

/*
 * An observer of the intermediates of encoder_forward and decoder_forward (encode and decode --explain
 * and --dump). After each step the forward pass calls put with the layer (N for the final norm), the
 * step's name after PyTorch's modules ("self_attn.q", "self_attn.weights", "self_attn", "add1", "norm1",
 * "activation", "linear2", ...) and what the step produced, x[d0, d1, d2] (d0 = 1: a matrix), valid
 * during the call only. The forward pass itself neither prints nor keeps anything for it.
 */
typedef struct {
	void (*put)(void *ctx, size_t layer, const char *name, const float *x, size_t d0, size_t d1, size_t d2);
	void *ctx;
} TransformerTrace;

/* A stack of N layers, as torch.nn.TransformerEncoder / TransformerDecoder. */
typedef struct {
	TransformerConfig cfg;
	bool decoder;
	TransformerLayer *layer;          /* [N] */
	float *norm_weight, *norm_bias;   /* [E] "norm.*", NULL without the final norm */
	const TransformerTrace *trace;    /* NULL (transformer_declare's default): no observer */
} Transformer;

/*
 * Declare the stack's parameters as "<prefix>layers.{i}.self_attn.in_proj_weight" and so on, with the
 * initialisation rules of torch's modules (xavier-uniform attention projections, nn.Linear's rule for
 * linear1 and linear2, ones and zeros for LayerNorm). Dies with a usage message when E % H != 0.
 */
void transformer_declare(Params *p, Transformer *m, const TransformerConfig *cfg, bool decoder, const char *prefix);
void transformer_free(Transformer *m);

/*
 * The work space of a layer of the stack, as encoder_forward, decoder_forward and decoder_step lay it
 * out (transformer_work_parts): after a call a caller (--explain, a backward pass) may read it.
 */
typedef struct {
	float *norm;      /* [T,E] LayerNorm(x), the input of a pre-norm sublayer */
	float *sublayer;  /* [T,E] the sublayer's output, before the residual connection */
	float *hidden;    /* [T,F] the feed-forward network's hidden layer, after the activation */
	float *mha;       /* the attention's own work space (MhaParts, mha_work_parts), `attention` floats;
			   * the same memory as hidden: the feed-forward network overwrites it */
} TransformerParts;

/* Point p into work (NULL: only count) for T positions; returns the floats the parts take. */
size_t transformer_work_parts(TransformerParts *p, float *work, const Transformer *m, size_t T, size_t attention);

/* Floats of work space encoder_forward needs for T positions. */
size_t encoder_work_size(const Transformer *m, size_t T);
/*
 * x[T,E] = Encoder(x) in place: N times  x = LayerNorm(x + SelfAttention(x)); x = LayerNorm(x + FFN(x))
 * (section 3.1; pre-norm: x = x + SelfAttention(LayerNorm(x)); x = x + FFN(LayerNorm(x))), then the
 * final norm. mask (NULL = none) as mha_forward (the padding mask: 0 for keys that are <pad>; --mask).
 * attn[N,H,T,T] (NULL = not wanted) receives every layer's and head's weights (m->trace sees them only then). Returns the number of
 * query rows that had every key blocked (their attention output is zero).
 */
size_t encoder_forward(float *x, float *attn, float *work, const Transformer *m, const Mask *mask, size_t T);

/* Floats of work space decoder_forward needs for T target and S memory positions. */
size_t decoder_work_size(const Transformer *m, size_t T, size_t S);
/*
 * y[T,E] = Decoder(y, memory[S,E]) in place: N times
 *   y = LayerNorm(y + MaskedSelfAttention(y)); y = LayerNorm(y + Attention(y, memory)); y = LayerNorm(y + FFN(y))
 * (section 3.1; pre-norm as in encoder_forward), then the final norm. With causal (the paper's decoder,
 * always when generating), self-attention is masked: position t sees positions 0..t. self_mask [T,T] and
 * cross_mask [T,S] (NULL = none; as mha_forward) add padding masks and PyTorch's tgt_mask and memory_mask.
 * self_attn[N,H,T,T] and cross_attn[N,H,T,S] (NULL = not wanted) receive the weights.
 */
size_t decoder_forward(float *y, float *self_attn, float *cross_attn, float *work, const Transformer *m,
		       const float *memory, const Mask *self_mask, const Mask *cross_mask, bool causal, size_t T,
		       size_t S);

/*
 * The decoder's caches for generation, one position at a time. The keys and values of the positions
 * already decoded never change (self-attention is causal), so each new position projects only its own
 * and attends to the kept ones: a step costs O(T) instead of a whole re-run, O(T^2). The memory's keys
 * and values, the same at every step, are projected once per source sequence.
 */
typedef struct {
	size_t N, E, max_T;
	MhaCache *self;    /* [N] each layer's self-attention keys and values, [max_T, E] each */
} KvCache;

typedef struct {
	size_t N, max_S;
	MhaCache *cross;   /* [N] each layer's cross-attention keys and values of the memory, [max_S, E] each */
} MemoryCache;

KvCache *kv_cache_new(const Transformer *m, size_t max_T);
void kv_cache_free(KvCache *c);
/* Positions cached so far. */
size_t kv_cache_len(const KvCache *c);
/* Forget every position (a new sequence). */
void kv_cache_clear(KvCache *c);
/* dst = src (made for the same model and max_T): beam search moves a hypothesis' cache to another slot. */
void kv_cache_copy(KvCache *dst, const KvCache *src);

MemoryCache *memory_cache_new(const Transformer *m, size_t max_S);
void memory_cache_free(MemoryCache *c);
/* Project memory[S,E] (S <= max_S) through every layer's cross-attention key and value weights. */
void memory_cache_fill(MemoryCache *c, const Transformer *m, const float *memory, size_t S);

/* Floats of work space decoder_step needs with caches of max_T target and max_S memory positions. */
size_t decoder_step_work_size(const Transformer *m, size_t max_T, size_t max_S);
/*
 * y[E] = the decoder's output at position t = kv_cache_len(c), from that position's input y[E] (in
 * place), the positions cached before it and the memory's cached keys and values; appends position t
 * to c. Equal to row t of decoder_forward on the whole prefix 0..t (without padding masks: one
 * sequence is generated at a time). t must be below max_T (a caller's bug otherwise: it dies).
 */
void decoder_step(float *y, float *work, const Transformer *m, KvCache *c, const MemoryCache *mem);

/*
 * encode's and decode's first step for tensor number index of the input at path: it must be a matrix
 * T x E; at the first (index 0) d_model = E, and the stack's parameters are declared and filled from
 * source. With source->weights, what the options left unset comes from the archive: N (the layers.K it
 * holds), d_ff (layers.0.linear1.weight) and the final norm (norm.weight); else d_ff is 4 E; every later tensor must be E wide too. Dies naming the tensor.
 */
void transformer_for_input(Params *p, Transformer *m, TransformerConfig *cfg, bool decoder,
			   const ParamSource *source, const Tensor *x, const char *path, size_t index);

/* The defaults: the paper's N = 6 and H = 8, relu, post-norm, F = 0 (4 E once E is known), eps 1e-5. */
void transformer_defaults(TransformerConfig *cfg);
#endif
