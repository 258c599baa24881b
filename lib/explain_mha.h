/* explain_mha: the --explain walkthrough of multi-head attention (section 3.2.2) on the actual numbers. */
#ifndef PF_EXPLAIN_MHA_H
#define PF_EXPLAIN_MHA_H

#include <stdbool.h>

#include "mha.h"
#include "tensor.h"

/*
 * After mha_forward: the projections and their shapes, the split into heads, the mask, each head's
 * weights and the key each query attends to most, the concatenation and the output projection, on
 * stderr. p: mha_work_parts of the work space mha_forward used; attn[H,T,S]; allowed[T,S] (NULL = all)
 * and causal as given to it; query[T,E]; key[S,kdim] (NULL = self-attention); out[T,E].
 * query_from and key_from say where the tensors came from ("standard input", a path).
 */
void explain_mha(const MhaWeights *w, const MhaParts *p, const float *attn, const unsigned char *allowed, bool causal,
		 const Tensor *query, const Tensor *key, const float *out, const char *query_from, const char *key_from);

#endif
