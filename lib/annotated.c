/* SPDX-License-Identifier: MIT */
#include "annotated.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "npz.h"
#include "posenc.h"
#include "tensor.h"

/* E = d_model, F = d_ff, L = the rows of the pe buffer */

typedef struct {
	Npz *z;
	bool *used;        /* [npz_count] entries converted so far */
	NpzWriter *w;
	size_t E;
} Conversion;

/* Entry name of the checkpoint, marked used; dies when it is missing or not of ndim dimensions. */
static Tensor *take(Conversion *c, const char *name, int ndim)
{
	Tensor *t = npz_read(c->z, name);
	char shape[TENSOR_SHAPE_STR];

	if (t == NULL)
		die("%s: missing %s: not a whole Annotated Transformer (make_model's EncoderDecoder)", npz_path(c->z),
		    name);
	if (t->ndim != ndim)
		die("%s: %s is %s: expected %d dimensions", npz_path(c->z), name, tensor_shape_str(t, shape), ndim);
	for (size_t k = 0; k < npz_count(c->z); k++)
		if (strcmp(npz_name(c->z, k), name) == 0)
			c->used[k] = true;
	return t;
}

/* Copy entry from (ndim dimensions) to entry to of the output. */
static void rename_entry(Conversion *c, const char *from, const char *to, int ndim)
{
	Tensor *t = take(c, from, ndim);

	npz_add(c->w, to, t);
	tensor_free(t);
}

/* Entry from + from_name to entry to + to_name (ndim dimensions). */
static void rename_under(Conversion *c, const char *from, const char *from_name, const char *to, const char *to_name,
			 int ndim)
{
	char name[1024], out[1024];

	if ((size_t)snprintf(name, sizeof(name), "%s%s", from, from_name) >= sizeof(name) ||
	    (size_t)snprintf(out, sizeof(out), "%s%s", to, to_name) >= sizeof(out))
		die("%s: parameter name too long: %s%s", npz_path(c->z), from, from_name);
	rename_entry(c, name, out, ndim);
}

/* One MultiHeadedAttention: linears.0..2 stacked into in_proj_*, linears.3 to out_proj.* */
static void attention(Conversion *c, const char *from, const char *to)
{
	const size_t E = c->E, shape_w[2] = { 3 * E, E }, shape_b[1] = { 3 * E };
	Tensor *w = tensor_new(2, shape_w), *b = tensor_new(1, shape_b);
	char name[512], out[512];

	for (size_t j = 0; j < 3; j++) {
		Tensor *wj, *bj;
		snprintf(name, sizeof(name), "%slinears.%zu.weight", from, j);
		wj = take(c, name, 2);
		if (wj->shape[0] != E || wj->shape[1] != E)
			die("%s: %s is not d_model x d_model (%zu)", npz_path(c->z), name, E);
		snprintf(name, sizeof(name), "%slinears.%zu.bias", from, j);
		bj = take(c, name, 1);
		if (bj->shape[0] != E)
			die("%s: %s is not of d_model (%zu) values", npz_path(c->z), name, E);
		/* rows j*E .. j*E+E-1: q, then k, then v, as PyTorch's in_proj_weight */
		memcpy(w->data + j * E * E, wj->data, E * E * sizeof(float));
		memcpy(b->data + j * E, bj->data, E * sizeof(float));
		tensor_free(wj);
		tensor_free(bj);
	}
	snprintf(out, sizeof(out), "%sin_proj_weight", to);
	npz_add(c->w, out, w);
	snprintf(out, sizeof(out), "%sin_proj_bias", to);
	npz_add(c->w, out, b);
	tensor_free(w);
	tensor_free(b);
	rename_under(c, from, "linears.3.weight", to, "out_proj.weight", 2);
	rename_under(c, from, "linears.3.bias", to, "out_proj.bias", 1);
}

/* One LayerNorm: a_2, b_2 to weight, bias */
static void layer_norm(Conversion *c, const char *from, const char *to)
{
	rename_under(c, from, "a_2", to, "weight", 1);
	rename_under(c, from, "b_2", to, "bias", 1);
}

/* Layers of stack ("encoder" / "decoder") in the checkpoint: how many layers.{i} it holds. */
static size_t count_layers(const Conversion *c, const char *stack)
{
	char name[512];
	size_t n = 0;

	for (;; n++) {
		snprintf(name, sizeof(name), "%s.layers.%zu.feed_forward.w_1.weight", stack, n);
		if (!npz_has(c->z, name))
			return n;
	}
}

/* Every layer of one stack, and its final norm. */
static void stack(Conversion *c, const char *stack, size_t N, bool decoder)
{
	static const char *const ffn[][2] = { { "feed_forward.w_1.weight", "linear1.weight" },
					      { "feed_forward.w_1.bias", "linear1.bias" },
					      { "feed_forward.w_2.weight", "linear2.weight" },
					      { "feed_forward.w_2.bias", "linear2.bias" } };
	char from[512], to[512];

	for (size_t i = 0; i < N; i++) {
		snprintf(from, sizeof(from), "%s.layers.%zu.self_attn.", stack, i);
		snprintf(to, sizeof(to), "%s.layers.%zu.self_attn.", stack, i);
		attention(c, from, to);
		if (decoder) {
			snprintf(from, sizeof(from), "%s.layers.%zu.src_attn.", stack, i);
			snprintf(to, sizeof(to), "%s.layers.%zu.multihead_attn.", stack, i);
			attention(c, from, to);
		}
		for (size_t k = 0; k < 4; k++) {
			snprintf(from, sizeof(from), "%s.layers.%zu.%s", stack, i, ffn[k][0]);
			snprintf(to, sizeof(to), "%s.layers.%zu.%s", stack, i, ffn[k][1]);
			rename_entry(c, from, to, k % 2 ? 1 : 2);
		}
		/* SublayerConnection k holds the norm in front of sublayer k: torch's norm{k+1} */
		for (size_t k = 0; k < (decoder ? 3u : 2u); k++) {
			snprintf(from, sizeof(from), "%s.layers.%zu.sublayer.%zu.norm.", stack, i, k);
			snprintf(to, sizeof(to), "%s.layers.%zu.norm%zu.", stack, i, k + 1);
			layer_norm(c, from, to);
		}
	}
	snprintf(from, sizeof(from), "%s.norm.", stack);
	layer_norm(c, from, from);
}

/* The pe buffer [1, L, E] of PositionalEncoding: checked to be section 3.5's table (its float32 exp to 1e-4), dropped. */
static void check_pe(Conversion *c, const char *name)
{
	Tensor *pe;
	float *want;
	size_t L;

	if (!npz_has(c->z, name))
		return; /* a state_dict saved without buffers */
	pe = take(c, name, 3);
	L = pe->shape[1];
	if (pe->shape[0] != 1 || pe->shape[2] != c->E)
		die("%s: %s is not [1, max_len, d_model]", npz_path(c->z), name);
	want = xmalloc(xmul(xmul(L, c->E, "pe"), sizeof(float), "pe"));
	posenc_table(want, 0, POSENC_DEFAULT_BASE, POSENC_INTERLEAVED, L, c->E);
	for (size_t j = 0; j < L * c->E; j++)
		if (fabsf(want[j] - pe->data[j]) > 1e-4f)
			die("%s: %s row %zu is not the sinusoidal encoding of section 3.5 (base 10000, sin in even columns)",
			    npz_path(c->z), name, j / c->E);
	free(want);
	tensor_free(pe);
}

void annotated_convert(const char *in_path, const char *out_path)
{
	Conversion c = { 0 };
	Tensor *lut, *w_1;
	size_t N_enc, N_dec, F;
	char config[1024];

	c.z = npz_open(in_path);
	c.used = xcalloc(npz_count(c.z) + 1, sizeof(bool));
	N_enc = count_layers(&c, "encoder");
	N_dec = count_layers(&c, "decoder");
	if (N_enc == 0 || N_dec == 0)
		die("%s: no encoder.layers.0 or decoder.layers.0 (feed_forward.w_1.weight): not the Annotated "
		    "Transformer's EncoderDecoder", in_path);
	lut = take(&c, "src_embed.0.lut.weight", 2);
	c.E = lut->shape[1];
	w_1 = take(&c, "encoder.layers.0.feed_forward.w_1.weight", 2);
	F = w_1->shape[0];
	tensor_free(w_1);

	c.w = npz_create(out_path);
	/* what the weights do not say: its LayerNorm and eps, pre-norm sublayers, final norms, the scaled
	 * embeddings and the sinusoidal encoding (heads: decode's --heads, default 8 as its h) */
	snprintf(config, sizeof(config),
		 "# converted from an Annotated Transformer checkpoint by tensor annotated\n"
		 "arch transformer\nencoder_layers %zu\ndecoder_layers %zu\nd_ff %zu\nnorm annotated\neps 1e-06\n"
		 "norm_first 1\nfinal_norm 1\nscale 1\nposenc sinusoidal\n",
		 N_enc, N_dec, F);
	npz_add_text(c.w, "config", config);
	npz_add(c.w, "src_embed.weight", lut);
	tensor_free(lut);
	rename_entry(&c, "tgt_embed.0.lut.weight", "tgt_embed.weight", 2);
	check_pe(&c, "src_embed.1.pe");
	check_pe(&c, "tgt_embed.1.pe");
	stack(&c, "encoder", N_enc, false);
	stack(&c, "decoder", N_dec, true);
	rename_entry(&c, "generator.proj.weight", "generator.weight", 2);
	rename_entry(&c, "generator.proj.bias", "generator.bias", 1);
	for (size_t k = 0; k < npz_count(c.z); k++)
		if (!c.used[k])
			die("%s: %s is not a parameter of the Annotated Transformer's EncoderDecoder (check the "
			    "layer counts: encoder %zu, decoder %zu)", in_path, npz_name(c.z, k), N_enc, N_dec);
	npz_commit(c.w);
	free(c.used);
	npz_close(c.z);
}
