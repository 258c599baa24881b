/* SPDX-License-Identifier: MIT */
/* mask: the allowed[T,S] byte mask (1 = may attend) from --mask, --additive-mask and <pad> key labels. */
#ifndef PF_MASK_H
#define PF_MASK_H

#include <stdbool.h>
#include <stddef.h>

#include "tensor.h"

/* T = query positions, S = key positions */

/* The label that marks a padding position; keys carrying it are blocked unless --no-pad-mask. */
#define PAD_LABEL "<pad>"

/*
 * Where the blocked (query, key) pairs come from. Every source is optional; the mask that
 * reaches the kernels is their intersection (a pair is allowed when no source blocks it).
 * The causal mask is not here: the kernels take it as a flag (block s > t).
 */
typedef struct {
	Tensor *mask;          /* [T,S] from --mask: 1 = attend, 0 = blocked; NULL = none */
	char *mask_path;
	Tensor *additive;      /* [T,S] from --additive-mask, turned into 1 = attend, 0 = blocked; NULL = none */
	char *additive_path;
	bool pad;              /* block keys labelled <pad> (default true; --no-pad-mask clears it) */
} MaskSource;

/* No file masks, padding on. */
void mask_init(MaskSource *m);

/*
 * --mask FILE: one tensor T x S (1-D S when T = 1) of 1 (may attend) and 0 (blocked).
 * Any other value dies naming the value and its position.
 */
void mask_load(MaskSource *m, const char *path);

/*
 * --additive-mask FILE: PyTorch's float attn_mask, added to the scores before the softmax:
 * 0 = attend, -inf = blocked. Our stream reader rejects Inf, so this path reads with
 * non-finite values allowed and accepts exactly: 0, -inf, and any finite value <= -1e9
 * (what people write instead of -inf; exp(-1e9) is 0 in float, so the effect is the same).
 * NaN, +inf and every other value die: our kernels block or allow, they do not add a bias.
 */
void mask_load_additive(MaskSource *m, const char *path);

/* The finite values at or below this count as -inf in an additive mask. */
#define ADDITIVE_MASK_BLOCKED (-1e9f)

/*
 * allowed[T,S] = 1 where query t may attend to key s: the product of --mask, --additive-mask
 * and, when m->pad, 0 for every key whose label (key_labels[s], NULL = no labels) is <pad>.
 * Dies when a file mask is not T x S, naming both shapes. Returns true when some pair is
 * blocked; false means allowed is all ones and the caller may pass NULL to the kernels.
 */
bool mask_build(unsigned char *allowed, const MaskSource *m, char *const *key_labels, size_t T, size_t S);

/*
 * The labels of the file masks against the queries' and keys' row labels: where a mask labels its rows
 * (or columns) and the queries (keys) label theirs, label i must be the same on both sides. A graph's
 * adjacency (tensor adjacency, labelled with the node names) lines up with the node features only when
 * both list the nodes in one order; a mismatch dies naming the first difference. NULL labels on either
 * side, or a mask that is not T x S (mask_build says so), are not checked here.
 */
void mask_check_labels(const MaskSource *m, char *const *query_labels, char *const *key_labels, size_t T, size_t S);

void mask_free(MaskSource *m);

#endif
