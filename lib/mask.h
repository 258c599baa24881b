/* SPDX-License-Identifier: MIT */
/* mask: what blocks or biases an attention's scores, from --mask, --additive-mask and <pad> key labels. */
#ifndef PF_MASK_H
#define PF_MASK_H

#include <stdbool.h>
#include <stddef.h>

#include "stream.h"
#include "tensor.h"

/* H = heads, T = query positions, S = key positions */

/* The label that marks a padding position; keys carrying it are blocked unless --no-pad-mask. */
#define PAD_LABEL "<pad>"

/*
 * One attention's mask, as lib/attention, lib/mha and lib/transformer take it (mask_build makes it):
 * the pair (query t, key s) of head h is blocked when allowed[(h T + t) S + s] is 0; otherwise
 * bias[(h T + t) S + s] is added to its score before the softmax, as PyTorch adds a float attn_mask.
 * heads = 1: one mask for every head; H: each head its own (PyTorch's (N * num_heads, L, S) form).
 * A NULL pointer means none of that kind (every pair allowed, no bias). The causal mask is not here:
 * the kernels take it as a flag (block s > t).
 */
typedef struct {
	unsigned char *allowed; /* [heads,T,S] 1 = may attend, 0 = blocked; NULL = every pair may */
	float *bias;            /* [heads,T,S] finite, added to the scaled scores; NULL = none */
	size_t heads;           /* 1 or H */
} Mask;

/* Head h's [T,S] of m (NULL = none): its allowed bytes, its bias. */
const unsigned char *mask_head_allowed(const Mask *m, size_t h, size_t T, size_t S);
const float *mask_head_bias(const Mask *m, size_t h, size_t T, size_t S);

/*
 * Where the blocked (query, key) pairs and the biases come from. Every source is optional; a pair is
 * allowed when no source blocks it, and its bias is the sum of the sources' (PyTorch merges attn_mask
 * and key_padding_mask alike). A file is a stream: its tensor i goes with input tensor i, or its only
 * tensor with every input (as --memory).
 */
typedef struct {
	StreamReader *mask_in;     /* --mask: 1 = attend, 0 = blocked; NULL = none */
	StreamReader *additive_in; /* --additive-mask: PyTorch's float attn_mask; NULL = none */
	Tensor *mask, *additive;   /* the tensors of the current input */
	bool pad;                  /* block keys labelled <pad> (default true; --no-pad-mask clears it) */
} MaskSource;

/* No file masks, padding on. */
void mask_init(MaskSource *m);

/*
 * --mask FILE: tensors T x S (1-D S when T = 1), or H x T x S (one per head), of 1 (may attend) and
 * 0 (blocked). Any other value dies naming the value and its position (when the tensor is read).
 */
void mask_load(MaskSource *m, const char *path);

/*
 * --additive-mask FILE: PyTorch's float attn_mask, added to the scores before the softmax: 0 adds
 * nothing, -inf blocks, and any other finite value is a bias (relative positions, ALiBi). Shapes as
 * --mask. NaN and +inf die naming the value and its position.
 */
void mask_load_additive(MaskSource *m, const char *path);

/* Whether m has a file mask (--mask or --additive-mask). */
bool mask_has_file(const MaskSource *m);

/*
 * out = the mask of input tensor number index (masks are read in input order; index counts from 0) for
 * an attention of H heads, T queries and S keys: the product of --mask, --additive-mask and, when m->pad,
 * 0 for every key whose label (key_labels[s], NULL = no labels) is <pad>. out->allowed and out->bias
 * are allocated (mask_release frees them) and NULL when nothing is blocked, no bias. Dies when a file
 * mask is not T x S or H x T x S, naming both shapes. Returns whether out holds anything.
 */
bool mask_build(Mask *out, MaskSource *m, size_t index, char *const *key_labels, size_t H, size_t T, size_t S);
void mask_release(Mask *out);

/* After n_inputs input tensors: die when a mask stream holds more tensors than there were inputs. */
void mask_end(MaskSource *m, size_t n_inputs);

/*
 * The labels of the file masks of the current input (after its mask_build) against the queries' and keys'
 * row labels: where a mask labels its rows (or columns) and the queries (keys) label theirs, label i must
 * be the same on both sides. A graph's adjacency (tensor adjacency, labelled with the node names) lines
 * up with the node features only when both list the nodes in one order; a mismatch dies naming the first
 * difference. NULL labels on either side, or a mask that is not T x S (mask_build says so), are not
 * checked here.
 */
void mask_check_labels(const MaskSource *m, char *const *query_labels, char *const *key_labels, size_t T, size_t S);
void mask_free(MaskSource *m);

#endif
