/* SPDX-License-Identifier: MIT */
/* vit: a tiny Vision Transformer classifier (patches, class token, positions, one attention layer, a linear head) and its training. */
#ifndef PF_VIT_H
#define PF_VIT_H

#include <stdbool.h>
#include <stddef.h>

#include "mha.h"
#include "optim.h"
#include "params.h"
#include "patch.h"

/*
 * T = 1 + N tokens (the class token, then the N patches), E = d_model, H = heads, K = C P P values of a
 * patch, M = classes, B = pictures in a batch
 *
 * The model, each step a stage of the pipeline docs/vision.md runs:
 *   x[T,E]  = [cls_token; patches proj.weight^T + proj.bias]      embed --image --prefix patch_embed.
 *   h[T,E]  = x + pos_embed.weight                                 posenc --learned --prefix pos_embed.
 *   a[T,E]  = MultiheadAttention(h, h, h)                          mha --prefix attn.
 *   z[E]    = h[0] + a[0]   (the class token's row, with its residual connection)   tensor add, slice
 *   logits[M] = head.weight z + head.bias                          linear --prefix head.
 * trained with the cross entropy of softmax(logits) and the picture's class.
 */
typedef struct {
	size_t T, E, H, M;
	PatchEmbed embed;     /* "patch_embed.proj.weight" [E,C,P,P], "patch_embed.proj.bias" [E], "patch_embed.cls_token" [1,1,E] */
	float *pos;           /* [T,E] "pos_embed.weight": a table of learned positions, N(0, 1) as posenc --learned's */
	MhaWeights attn;      /* "attn.in_proj_weight" [3E,E] ... as nn.MultiheadAttention(E, H) */
	float *head_weight;   /* [M,E] "head.weight" */
	float *head_bias;     /* [M]   "head.bias" */
} Vit;

/* Declare the parameters (or a table of gradients or moments laid out as them) for pictures of C channels
 * cut into N patches of side P. Dies with a usage message when E % H != 0. */
void vit_declare(Params *p, Vit *m, size_t C, size_t P, size_t N, size_t E, size_t H, size_t M);

typedef struct VitRun VitRun;

/* The buffers of a forward and backward pass of m for pictures of Hp x Wp pixels. */
VitRun *vit_run_new(const Vit *m, size_t Hp, size_t Wp);
void vit_run_free(VitRun *r);

/*
 * The mean loss of B pictures x[b] (each [C,Hp,Wp]) of classes y[b]: loss = 1/B sum_b -log softmax(logits_b)[y_b];
 * *correct = how many of them have their class as the logits' argmax. With g (a gradient table laid out by
 * vit_declare, NULL = none) the gradients d loss / d parameter are added to g (+=).
 */
double vit_batch(VitRun *r, const Vit *m, const Vit *g, const float *const *x, const size_t *y, size_t B,
		 size_t *correct);

/* The logits[M] of one picture x[C,Hp,Wp], and the attention weights attn[H,T,T] (NULL = not wanted). */
void vit_forward(VitRun *r, const Vit *m, const float *x, float *logits, float *attn);

#endif
