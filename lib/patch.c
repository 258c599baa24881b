/* SPDX-License-Identifier: MIT */
#include "patch.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "linalg.h"

void patch_embed_declare(Params *p, PatchEmbed *w, size_t C, size_t P, size_t E, bool cls)
{
	size_t weight_shape[4] = { E, C, P, P }, bias_shape[1] = { E }, cls_shape[3] = { 1, 1, E };
	double bound = 1.0 / sqrt((double)(C * P * P)); /* fan_in = C P P, for the weight and the bias alike */

	w->C = C, w->P = P, w->E = E;
	w->cls_token = NULL;
	params_add(p, &w->proj_weight, "proj.weight", INIT_UNIFORM, bound, 4, weight_shape);
	params_add(p, &w->proj_bias, "proj.bias", INIT_UNIFORM, bound, 1, bias_shape);
	if (cls)
		params_add(p, &w->cls_token, "cls_token", INIT_ZEROS, 0.0, 3, cls_shape);
}

void patches_from_planes(float *patches, const float *x, size_t C, size_t Hp, size_t Wp, size_t P)
{
	size_t R = Hp / P, G = Wp / P, K = C * P * P;

	for (size_t i = 0; i < R; i++)
		for (size_t j = 0; j < G; j++) {
			float *patch_ij = patches + (i * G + j) * K;
			for (size_t c = 0; c < C; c++)
				for (size_t u = 0; u < P; u++) {
					const float *row = x + (c * Hp + i * P + u) * Wp + j * P; /* pixels (jP.., iP+u) */
					memcpy(patch_ij + (c * P + u) * P, row, P * sizeof(float));
				}
		}
}

void normalize_channels(float *x, const float *mean, const float *std, size_t C, size_t plane)
{
	for (size_t c = 0; c < C; c++) {
		float *x_c = x + c * plane;
		for (size_t k = 0; k < plane; k++)
			x_c[k] = (x_c[k] - mean[c]) / std[c];
	}
}

void patch_embed_forward(float *out, float *patches, const PatchEmbed *w, const float *x, size_t Hp, size_t Wp)
{
	size_t N = (Hp / w->P) * (Wp / w->P), K = w->C * w->P * w->P;
	float *out_patches = out;

	if (w->cls_token) { /* row 0: the class token, learned, the same for every image */
		memcpy(out, w->cls_token, w->E * sizeof(float));
		out_patches += w->E;
	}
	patches_from_planes(patches, x, w->C, Hp, Wp, w->P);
	linear(out_patches, patches, w->proj_weight, w->proj_bias, N, K, w->E);
}

void patch_label(char *buf, size_t i, size_t j)
{
	snprintf(buf, PATCH_LABEL, "p%zu_%zu", i, j);
}

/* A decimal number without sign or leading zero at *s, up to the character stop; advances *s. */
static bool parse_index(const char **s, char stop, size_t *out)
{
	const char *p = *s;
	size_t v = 0;

	if (*p < '0' || *p > '9' || (*p == '0' && p[1] >= '0' && p[1] <= '9'))
		return false;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > (SIZE_MAX - 9) / 10)
			return false;
		v = v * 10 + (size_t)(*p - '0');
	}
	if (*p != stop)
		return false;
	*s = p, *out = v;
	return true;
}

bool patch_label_parse(const char *s, size_t *i, size_t *j)
{
	size_t a, b;

	if (*s++ != 'p' || !parse_index(&s, '_', &a))
		return false;
	s++;
	if (!parse_index(&s, '\0', &b))
		return false;
	*i = a, *j = b;
	return true;
}

Tensor *patch_embed_tensor(const PatchEmbed *w, const float *x, size_t Hp, size_t Wp)
{
	size_t R = Hp / w->P, G = Wp / w->P, N = R * G, T = N + (w->cls_token != NULL);
	size_t K = w->C * w->P * w->P;
	float *patches = xmalloc(xmul(xmul(N, K, "patches"), sizeof(float), "patches"));
	Tensor *out = tensor_new2(T, w->E);
	char **labels = xcalloc(T, sizeof(char *)), **label = labels;

	patch_embed_forward(out->data, patches, w, x, Hp, Wp);
	if (w->cls_token)
		*label++ = xstrdup("cls");
	for (size_t i = 0; i < R; i++)
		for (size_t j = 0; j < G; j++) {
			*label = xmalloc(PATCH_LABEL);
			patch_label(*label++, i, j);
		}
	out->row_labels = labels;
	free(patches);
	return out;
}

void patch_embed_setup(Params *p, PatchEmbed *w, const ParamSource *source, size_t C, size_t P, size_t E,
		       size_t default_E, bool cls, const char *path)
{
	const char *prefix = source->prefix ? source->prefix : "";
	size_t shape[TENSOR_MAX_DIMS];

	if (source->weights && params_peek_shape(source->weights, prefix, "proj.weight", shape) == 4) {
		if (shape[1] != C)
			die("%s: proj.weight takes pictures of %zu channels, %s has %zu (1 gray, 2 gray and alpha, "
			    "3 RGB, 4 RGBA)", source->weights, shape[1], path, C);
		E = E ? E : shape[0];
		P = P ? P : shape[2];
	}
	if (source->weights && params_peek_shape(source->weights, prefix, "cls_token", shape) > 0)
		cls = true;
	if (P == 0)
		usage_error("--image needs --patch P (or --weights with a proj.weight to take it from)");
	patch_embed_declare(p, w, C, P, E ? E : default_E, cls);
	params_fill(p, source);
}

void patch_grid_check(size_t Hp, size_t Wp, size_t P, bool crop, const char *path)
{
	if (Hp < P || Wp < P)
		die("%s: %zu x %zu pixels is smaller than one patch of %zu x %zu", path, Wp, Hp, P, P);
	if (!crop && (Hp % P || Wp % P))
		die("%s: %zu x %zu pixels do not cut into %zu x %zu patches (%zu columns and %zu rows left over; "
		    "--crop drops them)", path, Wp, Hp, P, P, Wp % P, Hp % P);
}
