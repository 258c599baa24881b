/* SPDX-License-Identifier: MIT */
/* rnn: RNN / GRU / LSTM layers as torch.nn.RNN / GRU / LSTM, and the attention decoder (Bahdanau, Luong). */
#ifndef PF_RNN_H
#define PF_RNN_H

#include <stdbool.h>
#include <stddef.h>

#include "attention.h"
#include "params.h"

/*
 * T = time steps, I = input width, H = hidden size, G = gates (1 RNN, 3 GRU, 4 LSTM),
 * L = layers, D = directions (1, or 2 when bidirectional), S = encoder positions (keys),
 * Dm = width of an encoder state h_j (the memory), E = width of a target embedding y_t,
 * Hd = hidden width of the additive score.
 */

typedef enum { RNN_TANH, RNN_GRU, RNN_LSTM } RnnKind;

/* "rnn", "gru" or "lstm"; false for anything else. */
bool rnn_kind_parse(const char *name, RnnKind *kind);
const char *rnn_kind_name(RnnKind kind);
/* The score kinds the decoder takes: "additive", "general", "dot"; false for anything else. */
bool rnn_score_parse(const char *name, ScoreKind *kind);
/* G: 1 (RNN), 3 (GRU: r, z, n), 4 (LSTM: i, f, g, o), the row blocks of weight_ih and weight_hh. */
size_t rnn_gates(RnnKind kind);

/* One cell: PyTorch's names (weight_ih_l0 in a layer, cell.weight_ih in a GRUCell / LSTMCell). */
typedef struct {
	float *weight_ih; /* [G*H, I] */
	float *weight_hh; /* [G*H, H] */
	float *bias_ih;   /* [G*H] */
	float *bias_hh;   /* [G*H] */
} RnnCellWeights;

/*
 * One time step of a cell, as torch.nn.RNNCell / GRUCell / LSTMCell (sigma = logistic sigmoid):
 *   RNN   h' = tanh(W_ih x + b_ih + W_hh h + b_hh)
 *   GRU   r = sigma(W_ir x + b_ir + W_hr h + b_hr)        z = sigma(W_iz x + b_iz + W_hz h + b_hz)
 *         n = tanh(W_in x + b_in + r * (W_hn h + b_hn))   h' = (1 - z) * n + z * h       (Cho et al. 2014)
 *   LSTM  i, f, o = sigma(W_i* x + b_i* + W_h* h + b_h*)  g = tanh(W_ig x + b_ig + W_hg h + b_hg)
 *         c' = f * c + i * g                              h' = o * tanh(c')   (Hochreiter & Schmidhuber 1997)
 * x[I], h[H], c[H] (LSTM only, else NULL); h_new[H], c_new[H] (LSTM only) must not alias the inputs.
 * gates[2*G*H] is work space the caller owns.
 */
void rnn_cell_step(float *h_new, float *c_new, float *gates, RnnKind kind, const RnnCellWeights *w,
		   const float *x, const float *h, const float *c, size_t I, size_t H);

/*
 * The backward of rnn_cell_step, from the gates it left in gates[2*G*H] (gi = W_ih x + b_ih, then
 * gh = W_hh h + b_hh) and its inputs x, h, c; d_h_new[H] (and the LSTM's d_c_new[H]) the gradients of
 * its outputs. With a = gi + gh per gate (the GRU's n: a_n = gi_n + r * gh_n):
 *   RNN   d_a = d_h' (1 - h'^2)
 *   GRU   d_n = d_h' (1 - z),  d_z = d_h' (h - n),  d_h += d_h' z,  d_a_n = d_n (1 - n^2),
 *         d_gi_n = d_a_n,  d_gh_n = d_a_n r,  d_r = d_a_n gh_n,  d_a_r = d_r r (1 - r),  d_a_z = d_z z (1 - z)
 *   LSTM  dc = d_c' + d_h' o (1 - tanh^2 c'):  d_o = d_h' tanh c',  d_i = dc g,  d_f = dc c,  d_g = dc i,
 *         d_c += dc f;  d_a = d_i i (1 - i), d_f f (1 - f), d_g (1 - g^2), d_o o (1 - o)
 * and through the two linear layers (d_gi = d_gh = d_a except the GRU's n):
 *   d_x += d_gi W_ih,  d_W_ih += d_gi x^T,  d_b_ih += d_gi,  d_h += d_gh W_hh,  d_W_hh += d_gh h^T,  d_b_hh += d_gh
 * Accumulates into d_x[I], d_h[H], d_c[H] (LSTM only, else NULL) and d_w. d_gates[2*G*H] is work space.
 */
void rnn_cell_backward(float *d_x, float *d_h, float *d_c, const RnnCellWeights *d_w, float *d_gates,
		       const float *d_h_new, const float *d_c_new, const float *gates, RnnKind kind,
		       const RnnCellWeights *w, const float *x, const float *h, const float *c, size_t I, size_t H);

/* A stack of L layers, each with D directions, as torch.nn.RNN / GRU / LSTM with batch_first and bias. */
typedef struct {
	RnnKind kind;
	size_t I, H, L, D;
	RnnCellWeights *cells; /* [L*D]: layer k, direction d (0 forward, 1 backward) at k*D + d */
} RnnWeights;

/*
 * Declare weight_ih_l{k}, weight_hh_l{k}, bias_ih_l{k}, bias_hh_l{k} (and "_reverse" for the backward
 * direction) under prefix, each initialised U(-1/sqrt(H), 1/sqrt(H)) as PyTorch does. Layer 0 reads
 * I features, layer k > 0 reads the D*H outputs of layer k-1. rnn_free releases w->cells.
 */
void rnn_declare(Params *p, RnnWeights *w, const char *prefix, RnnKind kind, size_t I, size_t H, size_t L,
		 bool bidirectional);
void rnn_free(RnnWeights *w);

/* rnn_forward's work space, named (rnn_work_parts points p into work; NULL work: only counts). */
typedef struct {
	float *layer_in;        /* [T, D*H] the outputs of layer k-1, the input of layer k */
	float *gates;           /* [2*G*H] the cell's gate pre-activations (rnn_cell_step) */
	float *h, *c;           /* [H] the state before a step (c: the LSTM's cell) */
	float *h_new, *c_new;   /* [H] after it */
} RnnParts;

size_t rnn_work_parts(RnnParts *p, float *work, const RnnWeights *w, size_t T);
/* Floats of work space rnn_forward needs for T steps. */
size_t rnn_work_size(const RnnWeights *w, size_t T);

/*
 * out[T, D*H]: the top layer's states h_t, forward then backward ([h_t->; h_t<-]); every state starts at 0.
 * h_n[L*D, H] (NULL = not wanted): each layer's and direction's final state, torch's h_n (the backward
 * direction ends at t = 0); c_n[L*D, H] likewise for the LSTM's cells. x[T, I].
 */
void rnn_forward(float *out, float *h_n, float *c_n, float *work, const RnnWeights *w, const float *x, size_t T);

/*
 * What rnn_forward_train keeps for rnn_backward (rnn_trace_parts lays it out in a caller-owned buffer of
 * rnn_trace_size floats; NULL buffer: only counts). Cell (k, d) = layer k, direction d, at k*D + d.
 */
typedef struct {
	float *outs;            /* [L, T, D*H] each layer's output; the top layer's is rnn_forward's out */
	float *h_prev;          /* [L*D, T, H] the state the cell read at time t */
	float *c_prev;          /* [L*D, T, H] the LSTM's cell it read at time t */
	float *gates;           /* [L*D, T, 2*G*H] its gi and gh at time t (rnn_cell_step) */
} RnnTrace;

size_t rnn_trace_parts(RnnTrace *tr, float *buf, const RnnWeights *w, size_t T);
size_t rnn_trace_size(const RnnWeights *w, size_t T);
/* rnn_forward (without h_n, c_n), keeping in tr what the backward pass needs. */
void rnn_forward_train(float *out, RnnTrace *tr, float *work, const RnnWeights *w, const float *x, size_t T);
/*
 * The backward of rnn_forward through time: d_out[T, D*H] the gradient of the top layer's states. Layer by
 * layer from the top, each direction walks its sequence back from its last step, carrying d_h (and d_c)
 * into the step before it (rnn_cell_backward); the gradient of a layer's input is that of the layer below's
 * output. d_x[T, I] += the input's gradient; d_w receives the weights'. d_work: rnn_backward_work_size floats.
 */
size_t rnn_backward_work_size(const RnnWeights *w, size_t T);
void rnn_backward(float *d_x, const RnnWeights *d_w, float *d_work, const float *d_out, const RnnTrace *tr,
		  const RnnWeights *w, const float *x, size_t T);

/*
 * The "attention over time" of an LSTM + attention model (a common Keras recipe): a dense layer
 * with softmax applied along the time axis of the outputs, multiplied element-wise with them:
 *   a[:, d] = softmax_t(W x[:, d] + b)    out[t, d] = x[t, d] * a[t, d]
 * x[T, D] (e.g. the LSTM's outputs), W[T, T] and b[T] (torch.nn.Linear(T, T): "over_time.weight",
 * "over_time.bias"); weights[T, D] (NULL = not wanted) receives a, whose every column sums to 1.
 * scratch[T] is work space the caller owns.
 */
void over_time_attention(float *out, float *weights, float *scratch, const float *x, const float *W,
			 const float *b, size_t T, size_t D);

/*
 * The attention decoder (Bahdanau et al. 2015, section 3.1; scores of Luong et al. 2015, section 3.1).
 * At each step t = 1..T, with y_{t-1} the previous target embedding and h_1..h_S the encoder states:
 *   e_tj = score(s_{t-1}, h_j)                     additive, general or dot (attention_scores)
 *   a_t  = softmax_j(e_tj)                          the alignment row, sums to 1
 *   c_t  = sum_j a_tj h_j                           the context vector
 *   s_t  = cell([y_{t-1}; c_t], s_{t-1})            a GRUCell / LSTMCell / RNNCell ("cell.")
 *   o_t  = tanh(W_out [s_t; c_t] + b_out)           the output ("out.weight", "out.bias")
 */
typedef struct {
	RnnKind kind;
	size_t E, Dm, H;
	Scorer score;           /* queries s_{t-1} [H], keys h_j [Dm]: "attn.W" [H, Dm] (general),
				   "attn.W1" [Hd, H], "attn.W2" [Hd, Dm], "attn.v" [Hd] (additive) */
	RnnCellWeights cell;    /* "cell.weight_ih" [G*H, E+Dm], "cell.weight_hh" [G*H, H], biases [G*H] */
	float *out_weight;      /* [H, H+Dm], "out.weight" */
	float *out_bias;        /* [H], "out.bias" */
} AttnDecoderWeights;

/*
 * Declare the decoder's parameters under prefix with PyTorch's rules: the cell's U(-1/sqrt(H), 1/sqrt(H)),
 * the nn.Linear rules for "out.", and the score's parameters (Hd = additive hidden width):
 *   general   attn.W  [H, Dm]                         e = s^T W h
 *   additive  attn.W1 [Hd, H], attn.W2 [Hd, Dm], attn.v [Hd]   e = v^T tanh(W1 s + W2 h)
 *   dot       (none; needs Dm == H)                   e = s^T h
 */
void attn_decoder_declare(Params *p, AttnDecoderWeights *w, const char *prefix, RnnKind kind, ScoreKind score,
			  size_t E, size_t Dm, size_t H, size_t Hd);

/* attn_decoder_step's work space, named (attn_decoder_step_parts; NULL work: only counts). */
typedef struct {
	float *yc;              /* [E+Dm] the cell's input [y_{t-1}; c_t] */
	float *sc;              /* [H+Dm] the output layer's input [s_t; c_t] */
	float *gates;           /* [2*G*H] the cell's gate pre-activations */
	float *score_scratch;   /* attention_scores_scratch of the score for S keys */
} AttnDecoderStepParts;

size_t attn_decoder_step_parts(AttnDecoderStepParts *p, float *work, const AttnDecoderWeights *w, size_t S);
/* Floats of work space attn_decoder_step needs for S encoder positions. */
size_t attn_decoder_work_size(const AttnDecoderWeights *w, size_t S);

/*
 * One step: from s_prev[H] (and the LSTM's cell_prev[H], else NULL), y_prev[E] and memory[S, Dm],
 * compute s[H] (and cell[H]), out[H]; scores[S] (e_t) and weights[S] (a_t) and context[Dm] (c_t) are
 * always filled, for --explain and --attn. Outputs must not alias inputs.
 */
void attn_decoder_step(float *out, float *s, float *cell, float *scores, float *weights, float *context,
		       float *work, const AttnDecoderWeights *w, const float *s_prev, const float *cell_prev,
		       const float *y_prev, const float *memory, size_t S);

/*
 * Teacher forcing: y[T, E] holds y_0..y_{T-1} (row t is the input of step t+1: the target shifted right,
 * starting with <s>); s0[H] the initial state (cell state 0). out[T, H] the outputs o_1..o_T;
 * align[T, S] (NULL = not wanted) the weights a_t; record (NULL = not wanted) keeps, for --explain,
 * prev[T, H] = s_{t-1}, scores[T, S] = e_t and contexts[T, Dm] = c_t.
 */
typedef struct {
	float *prev, *scores, *contexts;
	/* what attn_decoder_backward needs besides (NULL = not wanted): weights[T,S] a_t, states[T,H] s_t,
	 * gates[T,2*G*H] the cell's gi and gh (rnn_cell_step), cell_prev[T,H] the LSTM's cell before step t */
	float *weights, *states, *gates, *cell_prev;
} AttnDecoderRecord;

/* attn_decoder_forward's work space, named (attn_decoder_parts; NULL work: only counts). */
typedef struct {
	float *s_prev, *s;          /* [H] s_{t-1} and s_t */
	float *cell_prev, *cell;    /* [H] the LSTM's cell state before and after the step */
	float *scores, *weights;    /* [S] e_t and a_t of the current step */
	float *context;             /* [Dm] c_t */
	float *step;                /* attn_decoder_step's own (AttnDecoderStepParts) */
	float *key_proj;            /* [S, Hd] the additive score's W2 h_j, projected once for all steps */
} AttnDecoderParts;

size_t attn_decoder_parts(AttnDecoderParts *p, float *work, const AttnDecoderWeights *w, size_t S);
size_t attn_decoder_forward_work_size(const AttnDecoderWeights *w, size_t S);
void attn_decoder_forward(float *out, float *align, AttnDecoderRecord *record, float *work,
			  const AttnDecoderWeights *w, const float *y, const float *memory, const float *s0, size_t T,
			  size_t S);

/*
 * The backward of attn_decoder_forward, from its out[T,H] and rec (every field set), with d_out[T,H] the
 * gradients of o_1..o_T. Step t, from the last back to the first:
 *   o_t = tanh(W_out [s_t; c_t] + b_out)    d_p = d_o (1 - o^2),  [d_s_t; d_c_t] = d_p W_out,
 *                                           d_W_out += d_p [s_t; c_t]^T,  d_b_out += d_p
 *   d_s_t (and the LSTM's cell) also gets the carry from step t+1, which read s_t as its s_{t-1}
 *   s_t = cell([y_{t-1}; c_t], s_{t-1})     rnn_cell_backward: d_y_{t-1}, d_c_t +=, the carry d_s_{t-1}
 *   c_t = sum_j a_tj h_j                    d_h_j += a_tj d_c_t,  d_a_tj = d_c_t . h_j
 *   a_t = softmax(e_t)                      d_e_t = a_t * (d_a_t - sum_j a_tj d_a_tj)
 *   e_tj = score(s_{t-1}, h_j)              attention_scores_backward: d_s_{t-1} +=, d_h_j +=, d_attn
 * d_y[T,E] +=, d_memory[S,Dm] +=, d_s0[H] += (what reaches s_0; the LSTM's c_0 is the constant 0); d_w
 * receives the parameters' gradients. d_work: attn_decoder_backward_work_size floats.
 */
size_t attn_decoder_backward_work_size(const AttnDecoderWeights *w, size_t S);
void attn_decoder_backward(float *d_y, float *d_memory, float *d_s0, const AttnDecoderWeights *d_w, float *d_work,
			   const float *d_out, const float *out, const AttnDecoderRecord *rec,
			   const AttnDecoderWeights *w, const float *y, const float *memory, size_t T, size_t S);

#endif
