/* explain_rnn: the --explain walkthrough of the RNN attention decoder (Bahdanau et al. 2015) on the actual numbers. */
#ifndef PF_EXPLAIN_RNN_H
#define PF_EXPLAIN_RNN_H

#include <stddef.h>

#include "rnn.h"
#include "tensor.h"

/*
 * After attn_decoder_forward: the first `steps` steps on stderr, from what the decoder kept: rec (s_{t-1},
 * e_t, c_t), align[T,S] (a_t) and out[T,H] (o_t); y[T,E] the inputs and memory[S,Dm] the encoder states,
 * for their labels and the weighted sum.
 */
void explain_attn_decoder(size_t steps, const AttnDecoderWeights *w, const AttnDecoderRecord *rec,
			  const float *align, const Tensor *y, const Tensor *memory, const float *out, size_t T, size_t S);

#endif
