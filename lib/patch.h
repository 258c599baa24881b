/* SPDX-License-Identifier: MIT */
/* patch: an image as a sequence of patches, the Vision Transformer's embedding (Dosovitskiy et al. 2021, eq. 1). */
#ifndef PF_PATCH_H
#define PF_PATCH_H

#include <stdbool.h>
#include <stddef.h>

#include "params.h"
#include "tensor.h"

/*
 * C = channels, Hp x Wp = pixels, P = patch side, R = Hp / P rows and G = Wp / P columns of patches,
 * N = R G patches, K = C P P values per patch, E = d_model
 */

/* The parameters, by the names of a ViT's patch embedding (nn.Conv2d(C, E, P, stride=P) called proj). */
typedef struct {
	size_t C, P, E;
	float *proj_weight;  /* [E, C, P, P] "proj.weight" */
	float *proj_bias;    /* [E]          "proj.bias" */
	float *cls_token;    /* [1, 1, E]    "cls_token": the class token's embedding; NULL without one */
} PatchEmbed;

/*
 * Declare them with PyTorch's initialisation: Conv2d's weight and bias both U(-1/sqrt(K), 1/sqrt(K))
 * (kaiming_uniform_(a=sqrt(5)) on a fan-in of K = C P P, and the bias's own rule); cls_token zeros, as
 * torchvision's VisionTransformer and the paper's code start it.
 */
void patch_embed_declare(Params *p, PatchEmbed *w, size_t C, size_t P, size_t E, bool cls);

/*
 * patches[N,K] = the P x P patches of x[C,Hp,Wp] (pixels right of G P or below R P are left out), patch
 * n = (i, j) = (n / G, n % G) in row-major order as Conv2d's output flattened, value k = (c P + u) P + v
 * of patch (i, j) the pixel (j P + v, i P + u) of channel c: the order of proj.weight's last three axes.
 */
void patches_from_planes(float *patches, const float *x, size_t C, size_t Hp, size_t Wp, size_t P);

/* x[C, plane] = (x - mean[c]) / std[c], channel by channel (torchvision's Normalize). */
void normalize_channels(float *x, const float *mean, const float *std, size_t C, size_t plane);

/*
 * out[T,E] = [cls_token;] patches[N,K] proj.weight[E,K]^T + proj.bias   (T = N, or N + 1 with the class
 * token first): Conv2d(C, E, P, stride=P)(x) flattened to [E, N] and transposed, as the ViT's
 * x_p E of eq. 1. patches[N,K] is caller-owned work space (patches_from_planes fills it).
 */
void patch_embed_forward(float *out, float *patches, const PatchEmbed *w, const float *x, size_t Hp, size_t Wp);

/*
 * embed --image's set-up for its first picture, of C channels: the patch side P and d_model E as given,
 * or (0) from source's archive (proj.weight [E, C, P, P]; E = default_E without one), which also adds
 * the class token when it holds cls_token; then declare and fill (params_fill). Dies naming the archive
 * when its weights take another number of channels than the picture at path has.
 */
void patch_embed_setup(Params *p, PatchEmbed *w, const ParamSource *source, size_t C, size_t P, size_t E,
		       size_t default_E, bool cls, const char *path);

/*
 * Check that a picture of Hp x Wp pixels at path cuts into whole P x P patches: with crop, at least one
 * (the right and bottom remainders are dropped); without, sides that are multiples of P. Dies saying which.
 */
void patch_grid_check(size_t Hp, size_t Wp, size_t P, bool crop, const char *path);

/* "p<i>_<j>", the label of the patch in grid row i, column j (at most PATCH_LABEL bytes). */
#define PATCH_LABEL 48
void patch_label(char *buf, size_t i, size_t j);
/* Is s such a label? Then *i and *j are its row and column. */
bool patch_label_parse(const char *s, size_t *i, size_t *j);

/* The embedding of x as a tensor [T,E] whose rows are labelled cls (with a class token), p0_0, p0_1, ... */
Tensor *patch_embed_tensor(const PatchEmbed *w, const float *x, size_t Hp, size_t Wp);

#endif
