/* attention: scaled dot-product attention with masks (Vaswani et al. 2017, section 3.2.1). */
#ifndef PF_ATTENTION_H
#define PF_ATTENTION_H

#include <stdbool.h>
#include <stddef.h>

/* T = query positions, S = key positions, Dk = query/key width, Dv = value width */

/*
 * out[T,Dv] = softmax(q[T,Dk] k[S,Dk]^T * scale + blocked) v[S,Dv]   (eq. 1 with scale = 1/sqrt(Dk))
 *
 * allowed[T,S] (NULL = all) is 1 where query t may attend to key s; causal additionally blocks s > t.
 * A query row with every key blocked gets zero weights and a zero output (never NaN); the return
 * value counts such rows so that the caller can warn.
 * weights[T,S] (NULL = not wanted) receives the softmax weights; scores[T,S] (NULL = not wanted)
 * the scaled scores before masking and softmax. scratch[S] is work space the caller owns.
 */
size_t attention_forward(float *out, float *weights, float *scores, float *scratch, const float *q, const float *k,
			 const float *v, const unsigned char *allowed, bool causal, float scale, size_t T,
			 size_t S, size_t Dk, size_t Dv);

#endif
