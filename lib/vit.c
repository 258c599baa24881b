/* SPDX-License-Identifier: MIT */
#include "vit.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "linalg.h"
#include "loss.h"

void vit_declare(Params *p, Vit *m, size_t C, size_t P, size_t N, size_t E, size_t H, size_t M)
{
	size_t pos_shape[2] = { N + 1, E }, head_shape[2] = { M, E }, bias_shape[1] = { M };
	size_t first = p->count;

	m->T = N + 1, m->E = E, m->H = H, m->M = M;
	patch_embed_declare(p, &m->embed, C, P, E, true);
	params_add(p, &m->pos, "pos_embed.weight", INIT_NORMAL, 1.0, 2, pos_shape);
	mha_declare(p, &m->attn, "attn.", E, H, 0, 0, true);
	params_add(p, &m->head_weight, "head.weight", INIT_LINEAR, 0.0, 2, head_shape);
	params_add(p, &m->head_bias, "head.bias", INIT_UNIFORM, 1.0 / sqrt((double)E), 1, bias_shape);
	/* patch_embed_declare names them proj.* and cls_token: one archive holds them under patch_embed. */
	for (size_t i = first; i < first + 3; i++) {
		char *name = xmalloc(strlen(p->items[i].name) + sizeof("patch_embed."));
		strcpy(name, "patch_embed.");
		strcat(name, p->items[i].name);
		free(p->items[i].name);
		p->items[i].name = name;
	}
}

struct VitRun {
	size_t Hp, Wp, N, K;
	float *patches;          /* [N,K] */
	float *h;                /* [T,E] the tokens with their positions, the attention's input */
	float *a;                /* [T,E] the attention's output */
	float *attn;             /* [H,T,T] its weights (the backward pass needs them) */
	float *work;             /* mha_work_size(T, T) */
	float *z;                /* [E] the class token's row after the residual connection */
	float *logits, *logprobs;/* [M] */
	float *d_logits;         /* [M] */
	float *d_z;              /* [E] */
	float *d_a, *d_h;        /* [T,E] */
	float *d_work;           /* mha_backward_work_size(T, T) */
};

static float *floats(size_t a, size_t b)
{
	return xcalloc(xmul(a, b, "buffers"), sizeof(float));
}

VitRun *vit_run_new(const Vit *m, size_t Hp, size_t Wp)
{
	VitRun *r = xcalloc(1, sizeof(*r));
	size_t T = m->T, E = m->E, P = m->embed.P;

	r->Hp = Hp, r->Wp = Wp;
	r->N = (Hp / P) * (Wp / P);
	r->K = m->embed.C * P * P;
	r->patches = floats(r->N, r->K);
	r->h = floats(T, E), r->a = floats(T, E), r->d_a = floats(T, E), r->d_h = floats(T, E);
	r->attn = floats(m->H * T, T);
	r->work = floats(mha_work_size(&m->attn, T, T), 1);
	r->d_work = floats(mha_backward_work_size(&m->attn, T, T), 1);
	r->z = floats(E, 1), r->d_z = floats(E, 1);
	r->logits = floats(m->M, 1), r->logprobs = floats(m->M, 1), r->d_logits = floats(m->M, 1);
	return r;
}

void vit_run_free(VitRun *r)
{
	if (r == NULL)
		return;
	free(r->patches), free(r->h), free(r->a), free(r->d_a), free(r->d_h), free(r->attn), free(r->work);
	free(r->d_work), free(r->z), free(r->d_z), free(r->logits), free(r->logprobs), free(r->d_logits);
	free(r);
}

/* The forward pass of one picture, keeping in r what the backward pass reads. */
static void forward(VitRun *r, const Vit *m, const float *x)
{
	size_t T = m->T, E = m->E;

	patch_embed_forward(r->h, r->patches, &m->embed, x, r->Hp, r->Wp);        /* h = x_embedded */
	for (size_t k = 0; k < T * E; k++)                                          /* h += pos */
		r->h[k] += m->pos[k];
	mha_forward_train(r->a, r->attn, NULL, r->work, &m->attn, r->h, r->h, r->h, NULL, false, T, T);
	for (size_t e = 0; e < E; e++)                                              /* z = h[0] + a[0] */
		r->z[e] = r->h[e] + r->a[e];
	linear(r->logits, r->z, m->head_weight, m->head_bias, 1, E, m->M);
}

void vit_forward(VitRun *r, const Vit *m, const float *x, float *logits, float *attn)
{
	forward(r, m, x);
	memcpy(logits, r->logits, m->M * sizeof(float));
	if (attn)
		memcpy(attn, r->attn, m->H * m->T * m->T * sizeof(float));
}

/*
 * The backward pass of one picture from d_logits (in r), the forward pass' buffers still in r; every
 * gradient added to g:
 *   d_head_weight += d_logits z^T, d_head_bias += d_logits, d_z = head_weight^T d_logits
 *   d_a[0] = d_z; d_h[0] = d_z (the residual connection), then d_h += the attention's backward of d_a
 *   d_pos += d_h,  d_cls_token += d_h[0],  d_proj_weight += d_h[1:]^T patches,  d_proj_bias += sum d_h[1:]
 */
static void backward(VitRun *r, const Vit *m, const Vit *g)
{
	size_t T = m->T, E = m->E;

	memset(r->d_z, 0, E * sizeof(float));
	linear_backward(r->d_z, g->head_weight, g->head_bias, r->d_logits, r->z, m->head_weight, 1, E, m->M);
	memset(r->d_a, 0, T * E * sizeof(float));
	memset(r->d_h, 0, T * E * sizeof(float));
	memcpy(r->d_a, r->d_z, E * sizeof(float));
	memcpy(r->d_h, r->d_z, E * sizeof(float));
	mha_backward(r->d_h, r->d_h, r->d_h, &g->attn, r->d_work, r->d_a, r->work, r->attn, NULL, &m->attn, r->h,
		     r->h, r->h, T, T);
	for (size_t k = 0; k < T * E; k++)
		g->pos[k] += r->d_h[k];
	for (size_t e = 0; e < E; e++)
		g->embed.cls_token[e] += r->d_h[e];
	linear_backward(NULL, g->embed.proj_weight, g->embed.proj_bias, r->d_h + E, r->patches, m->embed.proj_weight,
			r->N, r->K, E);
}

double vit_batch(VitRun *r, const Vit *m, const Vit *g, const float *const *x, const size_t *y, size_t B,
		 size_t *correct)
{
	double sum = 0.0;

	*correct = 0;
	for (size_t b = 0; b < B; b++) {
		size_t count, best = 0;
		forward(r, m, x[b]);
		sum += cross_entropy_forward(r->logprobs, &count, r->logits, &y[b], LOSS_IGNORE_NONE, 0.0f, 1, m->M);
		for (size_t k = 1; k < m->M; k++)
			best = r->logits[k] > r->logits[best] ? k : best;
		*correct += best == y[b];
		if (g == NULL)
			continue;
		memset(r->d_logits, 0, m->M * sizeof(float));
		cross_entropy_backward(r->d_logits, r->logprobs, &y[b], LOSS_IGNORE_NONE, 0.0f, 1.0f / (float)B, 1, m->M);
		backward(r, m, g);
	}
	return sum / (double)B;
}
