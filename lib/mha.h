/* mha: multi-head attention, the same computation and parameters as torch.nn.MultiheadAttention. */
#ifndef PF_MHA_H
#define PF_MHA_H

#include <stdbool.h>
#include <stddef.h>

#include "params.h"

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
} MhaWeights;

/*
 * Declare the parameters under prefix (e.g. "" or "layers.0.self_attn.") with PyTorch's names and
 * initialisation rules; dies with a usage message when E is not divisible by H.
 */
void mha_declare(Params *p, MhaWeights *w, const char *prefix, size_t E, size_t H, size_t kdim,
		 size_t vdim, bool bias);

/* Floats of work space mha_forward needs for T queries and S keys. */
size_t mha_work_size(const MhaWeights *w, size_t T, size_t S);

/*
 * out[T,E] = concat_h(attention(q W_q^h, k W_k^h, v W_v^h)) W_o^T + b_o   (section 3.2.2)
 * query[T,E], key[S,kdim], value[S,vdim]; allowed[T,S] (NULL = all) and causal as attention_forward;
 * attn[H,T,S] (NULL = not wanted) receives each head's weights. Returns the number of fully blocked rows.
 */
size_t mha_forward(float *out, float *attn, float *work, const MhaWeights *w, const float *query,
		   const float *key, const float *value, const unsigned char *allowed, bool causal, size_t T,
		   size_t S);

#endif
