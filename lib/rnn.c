/* SPDX-License-Identifier: MIT */
#include "rnn.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "linalg.h"
#include "softmax.h"
#include "work.h"

/* T = time steps, I = input width, H = hidden size, G = gates, L = layers, D = directions, S = keys */

static const char *const kind_names[] = { [RNN_TANH] = "rnn", [RNN_GRU] = "gru", [RNN_LSTM] = "lstm" };

bool rnn_kind_parse(const char *name, RnnKind *kind)
{
	for (size_t k = 0; k < sizeof(kind_names) / sizeof(kind_names[0]); k++)
		if (strcmp(name, kind_names[k]) == 0) {
			*kind = (RnnKind)k;
			return true;
		}
	return false;
}

const char *rnn_kind_name(RnnKind kind)
{
	return kind_names[kind];
}

size_t rnn_gates(RnnKind kind)
{
	return kind == RNN_LSTM ? 4 : kind == RNN_GRU ? 3 : 1;
}

static float sigmoid(float x)
{
	return 1.0f / (1.0f + expf(-x));
}

void rnn_cell_step(float *h_new, float *c_new, float *gates, RnnKind kind, const RnnCellWeights *w,
		   const float *x, const float *h, const float *c, size_t I, size_t H)
{
	const size_t G = rnn_gates(kind);
	float *gi = gates, *gh = gates + G * H; /* W_ih x + b_ih and W_hh h + b_hh, [G*H] each */

	linear(gi, x, w->weight_ih, w->bias_ih, 1, I, G * H);
	linear(gh, h, w->weight_hh, w->bias_hh, 1, H, G * H);
	switch (kind) {
	case RNN_TANH:
		for (size_t j = 0; j < H; j++)
			h_new[j] = tanhf(gi[j] + gh[j]);
		break;
	case RNN_GRU:
		/* row blocks r, z, n: the reset gate r scales W_hn h + b_hn only, as torch.nn.GRU does */
		for (size_t j = 0; j < H; j++) {
			float r = sigmoid(gi[j] + gh[j]);
			float z = sigmoid(gi[H + j] + gh[H + j]);
			float n = tanhf(gi[2 * H + j] + r * gh[2 * H + j]);
			h_new[j] = (1.0f - z) * n + z * h[j];
		}
		break;
	case RNN_LSTM:
		/* row blocks i, f, g, o */
		for (size_t j = 0; j < H; j++) {
			float i = sigmoid(gi[j] + gh[j]);
			float f = sigmoid(gi[H + j] + gh[H + j]);
			float g = tanhf(gi[2 * H + j] + gh[2 * H + j]);
			float o = sigmoid(gi[3 * H + j] + gh[3 * H + j]);
			c_new[j] = f * c[j] + i * g;
			h_new[j] = o * tanhf(c_new[j]);
		}
		break;
	}
}

void rnn_cell_backward(float *d_x, float *d_h, float *d_c, const RnnCellWeights *d_w, float *d_gates,
		       const float *d_h_new, const float *d_c_new, const float *gates, RnnKind kind,
		       const RnnCellWeights *w, const float *x, const float *h, const float *c, size_t I, size_t H)
{
	const size_t G = rnn_gates(kind);
	const float *gi = gates, *gh = gates + G * H;
	float *d_gi = d_gates, *d_gh = d_gates + G * H; /* the gradients of gi and gh, [G*H] each */

	/* pass 1: through the gates' nonlinearities to d_gi and d_gh (the activations again from the saved a) */
	switch (kind) {
	case RNN_TANH:
		for (size_t j = 0; j < H; j++) {
			float h_new = tanhf(gi[j] + gh[j]);
			d_gi[j] = d_gh[j] = d_h_new[j] * (1.0f - h_new * h_new);
		}
		break;
	case RNN_GRU:
		for (size_t j = 0; j < H; j++) {
			float r = sigmoid(gi[j] + gh[j]);
			float z = sigmoid(gi[H + j] + gh[H + j]);
			float n = tanhf(gi[2 * H + j] + gh[2 * H + j] * r);
			float d_n = d_h_new[j] * (1.0f - z), d_z = d_h_new[j] * (h[j] - n);
			float d_an = d_n * (1.0f - n * n), d_r = d_an * gh[2 * H + j];
			d_h[j] += d_h_new[j] * z;
			d_gi[j] = d_gh[j] = d_r * r * (1.0f - r);
			d_gi[H + j] = d_gh[H + j] = d_z * z * (1.0f - z);
			d_gi[2 * H + j] = d_an;
			d_gh[2 * H + j] = d_an * r;
		}
		break;
	case RNN_LSTM:
		for (size_t j = 0; j < H; j++) {
			float i = sigmoid(gi[j] + gh[j]);
			float f = sigmoid(gi[H + j] + gh[H + j]);
			float g = tanhf(gi[2 * H + j] + gh[2 * H + j]);
			float o = sigmoid(gi[3 * H + j] + gh[3 * H + j]);
			float tc = tanhf(f * c[j] + i * g);
			float dc = d_c_new[j] + d_h_new[j] * o * (1.0f - tc * tc);
			d_c[j] += dc * f;
			d_gi[j] = d_gh[j] = dc * g * i * (1.0f - i);
			d_gi[H + j] = d_gh[H + j] = dc * c[j] * f * (1.0f - f);
			d_gi[2 * H + j] = d_gh[2 * H + j] = dc * i * (1.0f - g * g);
			d_gi[3 * H + j] = d_gh[3 * H + j] = d_h_new[j] * tc * o * (1.0f - o);
		}
		break;
	}
	/* pass 2: gi = W_ih x + b_ih and gh = W_hh h + b_hh, two linear layers */
	linear_backward(d_x, d_w->weight_ih, d_w->bias_ih, d_gi, x, w->weight_ih, 1, I, G * H);
	linear_backward(d_h, d_w->weight_hh, d_w->bias_hh, d_gh, h, w->weight_hh, 1, H, G * H);
}

/* weight_ih{suffix} [G*H, I], weight_hh{suffix} [G*H, H], bias_ih{suffix}, bias_hh{suffix} [G*H], U(+-1/sqrt(H)) */
static void cell_declare(Params *p, RnnCellWeights *w, const char *prefix, const char *suffix, RnnKind kind,
			 size_t I, size_t H)
{
	const size_t G = rnn_gates(kind);
	const double bound = 1.0 / sqrt((double)H);
	const size_t shape_ih[2] = { xmul(G, H, "gates"), I }, shape_hh[2] = { shape_ih[0], H };
	const struct {
		const char *what;
		float **slot;
		int ndim;
		const size_t *shape;
	} table[] = {
		{ "weight_ih", &w->weight_ih, 2, shape_ih },
		{ "weight_hh", &w->weight_hh, 2, shape_hh },
		{ "bias_ih", &w->bias_ih, 1, shape_ih },
		{ "bias_hh", &w->bias_hh, 1, shape_hh },
	};

	for (size_t k = 0; k < sizeof(table) / sizeof(table[0]); k++) {
		char name[256];
		snprintf(name, sizeof(name), "%s%s%s", prefix, table[k].what, suffix);
		params_add(p, table[k].slot, name, INIT_UNIFORM, bound, table[k].ndim, table[k].shape);
	}
}

void rnn_declare(Params *p, RnnWeights *w, const char *prefix, RnnKind kind, size_t I, size_t H, size_t L,
		 bool bidirectional)
{
	w->kind = kind;
	w->I = I;
	w->H = H;
	w->L = L;
	w->D = bidirectional ? 2 : 1;
	w->cells = xcalloc(xmul(L, w->D, "layers"), sizeof(RnnCellWeights));
	for (size_t k = 0; k < L; k++)
		for (size_t d = 0; d < w->D; d++) {
			char suffix[64];
			snprintf(suffix, sizeof(suffix), "_l%zu%s", k, d ? "_reverse" : "");
			cell_declare(p, &w->cells[k * w->D + d], prefix, suffix, kind, k == 0 ? I : w->D * H, H);
		}
}

void rnn_free(RnnWeights *w)
{
	free(w->cells);
	w->cells = NULL;
}

size_t rnn_work_parts(RnnParts *p, float *work, const RnnWeights *w, size_t T)
{
	const size_t H = w->H, G = rnn_gates(w->kind);
	size_t used = 0;

	p->layer_in = work_part(work, &used, xmul(T, xmul(w->D, H, "hidden"), "rnn work"));
	p->gates = work_part(work, &used, xmul(2 * G, H, "rnn work"));
	p->h = work_part(work, &used, H);
	p->c = work_part(work, &used, H);
	p->h_new = work_part(work, &used, H);
	p->c_new = work_part(work, &used, H);
	return used;
}

size_t rnn_work_size(const RnnWeights *w, size_t T)
{
	RnnParts p;

	return rnn_work_parts(&p, NULL, w, T);
}

size_t rnn_trace_parts(RnnTrace *tr, float *buf, const RnnWeights *w, size_t T)
{
	const size_t cells = xmul(w->L, w->D, "layers"), steps = xmul(cells, T, "rnn trace");
	size_t used = 0;

	tr->outs = work_part(buf, &used, xmul(xmul(w->L, T, "rnn trace"), w->D * w->H, "rnn trace"));
	tr->h_prev = work_part(buf, &used, xmul(steps, w->H, "rnn trace"));
	tr->c_prev = work_part(buf, &used, w->kind == RNN_LSTM ? xmul(steps, w->H, "rnn trace") : 0);
	tr->gates = work_part(buf, &used, xmul(steps, xmul(2 * rnn_gates(w->kind), w->H, "rnn trace"), "rnn trace"));
	return used;
}

size_t rnn_trace_size(const RnnWeights *w, size_t T)
{
	RnnTrace tr;

	return rnn_trace_parts(&tr, NULL, w, T);
}

/* rnn_forward, and with tr (NULL = not wanted) what rnn_backward needs */
static void rnn_run(float *out, float *h_n, float *c_n, RnnTrace *tr, float *work, const RnnWeights *w,
		    const float *x, size_t T)
{
	const size_t H = w->H, D = w->D, DH = D * H, G2H = 2 * rnn_gates(w->kind) * H;
	RnnParts p;
	float *layer_in, *gates, *h, *c, *h_new, *c_new;
	const bool lstm = w->kind == RNN_LSTM;

	rnn_work_parts(&p, work, w, T);
	layer_in = p.layer_in, gates = p.gates, h = p.h, c = p.c, h_new = p.h_new, c_new = p.c_new;

	for (size_t k = 0; k < w->L; k++) {
		const float *in = k == 0 ? x : layer_in;
		const size_t I = k == 0 ? w->I : DH;
		/* pass k: each direction runs over the sequence from its own end, writing its half of out[t] */
		for (size_t d = 0; d < D; d++) {
			const RnnCellWeights *cell = &w->cells[k * D + d];
			const size_t kd = (k * D + d) * T; /* cell (k, d)'s first row in the trace */
			memset(h, 0, H * sizeof(float));
			memset(c, 0, H * sizeof(float));
			for (size_t step = 0; step < T; step++) {
				size_t t = d == 0 ? step : T - 1 - step;
				rnn_cell_step(h_new, lstm ? c_new : NULL, gates, w->kind, cell, in + t * I, h,
					      lstm ? c : NULL, I, H);
				if (tr) {
					memcpy(tr->h_prev + (kd + t) * H, h, H * sizeof(float));
					memcpy(tr->gates + (kd + t) * G2H, gates, G2H * sizeof(float));
					if (lstm)
						memcpy(tr->c_prev + (kd + t) * H, c, H * sizeof(float));
				}
				memcpy(h, h_new, H * sizeof(float));
				if (lstm)
					memcpy(c, c_new, H * sizeof(float));
				memcpy(out + t * DH + d * H, h, H * sizeof(float));
			}
			if (h_n)
				memcpy(h_n + (k * D + d) * H, h, H * sizeof(float));
			if (c_n)
				memcpy(c_n + (k * D + d) * H, c, H * sizeof(float));
		}
		if (tr)
			memcpy(tr->outs + k * T * DH, out, T * DH * sizeof(float));
		/* the outputs of layer k are the input of layer k+1 */
		if (k + 1 < w->L)
			memcpy(layer_in, out, T * DH * sizeof(float));
	}
}

void rnn_forward(float *out, float *h_n, float *c_n, float *work, const RnnWeights *w, const float *x, size_t T)
{
	rnn_run(out, h_n, c_n, NULL, work, w, x, T);
}

void rnn_forward_train(float *out, RnnTrace *tr, float *work, const RnnWeights *w, const float *x, size_t T)
{
	rnn_run(out, NULL, NULL, tr, work, w, x, T);
}

/* rnn_backward's work space: two [T, D*H] layers' gradients, the carries and the cell's */
typedef struct {
	float *d_above, *d_below;       /* [T, D*H] the gradient of layer k's output, of its input */
	float *d_h, *d_c;               /* [H] the carry into the step before */
	float *d_h_new, *d_c_new;       /* [H] the gradient of the step's outputs */
	float *d_gates;                 /* [2*G*H] */
} RnnBackwardParts;

static size_t rnn_backward_parts(RnnBackwardParts *p, float *work, const RnnWeights *w, size_t T)
{
	const size_t TDH = xmul(T, xmul(w->D, w->H, "hidden"), "rnn work");
	size_t used = 0;

	p->d_above = work_part(work, &used, TDH);
	p->d_below = work_part(work, &used, TDH);
	p->d_h = work_part(work, &used, w->H);
	p->d_c = work_part(work, &used, w->H);
	p->d_h_new = work_part(work, &used, w->H);
	p->d_c_new = work_part(work, &used, w->H);
	p->d_gates = work_part(work, &used, xmul(2 * rnn_gates(w->kind), w->H, "rnn work"));
	return used;
}

size_t rnn_backward_work_size(const RnnWeights *w, size_t T)
{
	RnnBackwardParts p;

	return rnn_backward_parts(&p, NULL, w, T);
}

void rnn_backward(float *d_x, const RnnWeights *d_w, float *d_work, const float *d_out, const RnnTrace *tr,
		  const RnnWeights *w, const float *x, size_t T)
{
	const size_t H = w->H, D = w->D, DH = D * H, G2H = 2 * rnn_gates(w->kind) * H;
	const bool lstm = w->kind == RNN_LSTM;
	RnnBackwardParts p;

	rnn_backward_parts(&p, d_work, w, T);
	memcpy(p.d_above, d_out, T * DH * sizeof(float));
	for (size_t k = w->L; k-- > 0;) {
		const float *in = k == 0 ? x : tr->outs + (k - 1) * T * DH;
		const size_t I = k == 0 ? w->I : DH;
		float *d_in = k == 0 ? d_x : p.d_below;
		if (k > 0)
			memset(p.d_below, 0, T * DH * sizeof(float));
		for (size_t d = 0; d < D; d++) {
			const size_t kd = (k * D + d) * T;
			memset(p.d_h, 0, H * sizeof(float));
			memset(p.d_c, 0, H * sizeof(float));
			/* the steps backwards: the forward direction from t = T-1, the backward one from t = 0 */
			for (size_t step = T; step-- > 0;) {
				size_t t = d == 0 ? step : T - 1 - step;
				for (size_t j = 0; j < H; j++) {
					p.d_h_new[j] = p.d_above[t * DH + d * H + j] + p.d_h[j];
					p.d_c_new[j] = p.d_c[j];
				}
				memset(p.d_h, 0, H * sizeof(float));
				memset(p.d_c, 0, H * sizeof(float));
				rnn_cell_backward(d_in + t * I, p.d_h, lstm ? p.d_c : NULL, &d_w->cells[k * D + d], p.d_gates,
						  p.d_h_new, lstm ? p.d_c_new : NULL, tr->gates + (kd + t) * G2H, w->kind,
						  &w->cells[k * D + d], in + t * I, tr->h_prev + (kd + t) * H,
						  lstm ? tr->c_prev + (kd + t) * H : NULL, I, H);
			}
		}
		if (k > 0) { /* layer k's input is layer k-1's output */
			float *swap = p.d_above;
			p.d_above = p.d_below;
			p.d_below = swap;
		}
	}
}

void over_time_attention(float *out, float *weights, float *scratch, const float *x, const float *W,
			 const float *b, size_t T, size_t D)
{
	for (size_t d = 0; d < D; d++) {
		float *a = scratch; /* [T]: column d of the weights */
		/* pass 1: the dense layer over the time axis of column d: a = W x[:, d] + b */
		for (size_t t = 0; t < T; t++) {
			const float *W_t = W + t * T;
			float sum = 0.0f;
			for (size_t u = 0; u < T; u++)
				sum += W_t[u] * x[u * D + d];
			a[t] = sum + b[t];
		}
		/* pass 2: softmax along time, then scale each output by its weight */
		softmax_rows(a, 1, T);
		for (size_t t = 0; t < T; t++) {
			out[t * D + d] = x[t * D + d] * a[t];
			if (weights)
				weights[t * D + d] = a[t];
		}
	}
}

void attn_decoder_declare(Params *p, AttnDecoderWeights *w, const char *prefix, RnnKind kind, ScoreKind score,
			  size_t E, size_t Dm, size_t H, size_t Hd)
{
	char name[256];
	const size_t in = Dm + H;
	const size_t shape_out[2] = { H, in };

	memset(w, 0, sizeof(*w));
	w->kind = kind;
	w->E = E;
	w->Dm = Dm;
	w->H = H;
	w->score = (Scorer){ .kind = score, .temperature = 1.0f, .hidden = Hd };
	snprintf(name, sizeof(name), "%sattn.", prefix);
	scorer_declare(p, &w->score, name, H, Dm);
	snprintf(name, sizeof(name), "%scell.", prefix);
	cell_declare(p, &w->cell, name, "", kind, E + Dm, H);
	snprintf(name, sizeof(name), "%sout.weight", prefix);
	params_add(p, &w->out_weight, name, INIT_LINEAR, 0, 2, shape_out);
	snprintf(name, sizeof(name), "%sout.bias", prefix);
	params_add(p, &w->out_bias, name, INIT_UNIFORM, 1.0 / sqrt((double)in), 1, shape_out);
}

/* the scratch attention_scores needs for S keys of width Dm */
static size_t score_scratch(const AttnDecoderWeights *w, size_t S)
{
	return attention_scores_scratch(&w->score, S, w->Dm);
}

size_t attn_decoder_step_parts(AttnDecoderStepParts *p, float *work, const AttnDecoderWeights *w, size_t S)
{
	size_t used = 0;

	p->yc = work_part(work, &used, w->E + w->Dm);
	p->sc = work_part(work, &used, w->H + w->Dm);
	p->gates = work_part(work, &used, xmul(2 * rnn_gates(w->kind), w->H, "gates"));
	p->score_scratch = work_part(work, &used, score_scratch(w, S));
	return used;
}

size_t attn_decoder_work_size(const AttnDecoderWeights *w, size_t S)
{
	AttnDecoderStepParts p;

	return attn_decoder_step_parts(&p, NULL, w, S);
}

void attn_decoder_step(float *out, float *s, float *cell, float *scores, float *weights, float *context,
		       float *work, const AttnDecoderWeights *w, const float *s_prev, const float *cell_prev,
		       const float *y_prev, const float *memory, size_t S)
{
	const size_t E = w->E, Dm = w->Dm, H = w->H;
	AttnDecoderStepParts p;
	float *yc, *sc;

	attn_decoder_step_parts(&p, work, w, S);
	yc = p.yc, sc = p.sc;

	/* 1: e_tj = score(s_{t-1}, h_j), a_t = softmax(e_t), c_t = sum_j a_tj h_j: one query of the attention core */
	attention(context, &(AttentionParts){ .scores = scores, .weights = weights, .scratch = p.score_scratch }, &w->score,
		  s_prev, memory, memory, NULL, NULL, false, 1, S, H, Dm, Dm);
	/* 2: s_t = cell([y_{t-1}; c_t], s_{t-1}) */
	memcpy(yc, y_prev, E * sizeof(float));
	memcpy(yc + E, context, Dm * sizeof(float));
	rnn_cell_step(s, cell, p.gates, w->kind, &w->cell, yc, s_prev, cell_prev, E + Dm, H);
	/* 3: o_t = tanh(W_out [s_t; c_t] + b_out) */
	memcpy(sc, s, H * sizeof(float));
	memcpy(sc + H, context, Dm * sizeof(float));
	linear(out, sc, w->out_weight, w->out_bias, 1, H + Dm, H);
	for (size_t j = 0; j < H; j++)
		out[j] = tanhf(out[j]);
}

size_t attn_decoder_parts(AttnDecoderParts *p, float *work, const AttnDecoderWeights *w, size_t S)
{
	size_t used = 0;

	p->s_prev = work_part(work, &used, w->H);
	p->s = work_part(work, &used, w->H);
	p->cell_prev = work_part(work, &used, w->H);
	p->cell = work_part(work, &used, w->H);
	p->scores = work_part(work, &used, S);
	p->weights = work_part(work, &used, S);
	p->context = work_part(work, &used, w->Dm);
	p->step = work_part(work, &used, attn_decoder_work_size(w, S));
	p->key_proj = work_part(work, &used, w->score.kind == SCORE_ADDITIVE ? xmul(S, w->score.hidden, "keys") : 0);
	return used;
}

size_t attn_decoder_forward_work_size(const AttnDecoderWeights *w, size_t S)
{
	AttnDecoderParts p;

	return attn_decoder_parts(&p, NULL, w, S);
}

/* the rest of step t's record, which attn_decoder_backward reads (each part when wanted) */
static void record_for_backward(AttnDecoderRecord *rec, size_t t, float *step_work, const AttnDecoderWeights *w,
				const float *weights, const float *s, const float *cell_prev, size_t S)
{
	const size_t H = w->H, G2H = 2 * rnn_gates(w->kind) * H;
	AttnDecoderStepParts sp;

	attn_decoder_step_parts(&sp, step_work, w, S);
	if (rec->weights)
		memcpy(rec->weights + t * S, weights, S * sizeof(float));
	if (rec->states)
		memcpy(rec->states + t * H, s, H * sizeof(float));
	if (rec->gates)
		memcpy(rec->gates + t * G2H, sp.gates, G2H * sizeof(float));
	if (rec->cell_prev)
		memcpy(rec->cell_prev + t * H, cell_prev, H * sizeof(float));
}

void attn_decoder_forward(float *out, float *align, AttnDecoderRecord *record, float *work,
			  const AttnDecoderWeights *w, const float *y, const float *memory, const float *s0, size_t T,
			  size_t S)
{
	const size_t H = w->H, Dm = w->Dm;
	AttnDecoderParts p;
	float *s_prev, *s, *cell_prev, *cell, *scores, *weights, *context;
	const bool lstm = w->kind == RNN_LSTM;
	AttnDecoderWeights with_keys;

	attn_decoder_parts(&p, work, w, S);
	s_prev = p.s_prev, s = p.s, cell_prev = p.cell_prev, cell = p.cell;
	scores = p.scores, weights = p.weights, context = p.context;
	if (w->score.kind == SCORE_ADDITIVE) {
		/* W2 h_j is the same at every step: compute it once, not T times */
		attention_project_keys(p.key_proj, &w->score, memory, S, Dm);
		with_keys = *w;
		with_keys.score.key_proj = p.key_proj;
		w = &with_keys;
	}
	memcpy(s_prev, s0, H * sizeof(float));
	memset(cell_prev, 0, H * sizeof(float));
	for (size_t t = 0; t < T; t++) {
		attn_decoder_step(out + t * H, s, lstm ? cell : NULL, scores, weights, context, p.step, w, s_prev,
				  lstm ? cell_prev : NULL, y + t * w->E, memory, S);
		if (align)
			memcpy(align + t * S, weights, S * sizeof(float));
		if (record) {
			memcpy(record->prev + t * H, s_prev, H * sizeof(float));
			memcpy(record->scores + t * S, scores, S * sizeof(float));
			memcpy(record->contexts + t * Dm, context, Dm * sizeof(float));
			record_for_backward(record, t, p.step, w, weights, s, cell_prev, S);
		}
		memcpy(s_prev, s, H * sizeof(float));
		if (lstm)
			memcpy(cell_prev, cell, H * sizeof(float));
	}
}

/* attn_decoder_backward's work space, named */
typedef struct {
	float *d_s, *d_c;             /* [H] the carries into s_{t-1} and the LSTM's cell */
	float *d_s_new, *d_c_new;     /* [H] the gradients of step t's s_t and cell */
	float *d_p;                   /* [H] the gradient of W_out [s_t; c_t] + b_out */
	float *sc, *d_sc;             /* [H+Dm] [s_t; c_t] and its gradient */
	float *yc, *d_yc;             /* [E+Dm] [y_{t-1}; c_t] and its gradient */
	float *d_a, *d_e;             /* [S] the gradients of a_t and e_t */
	float *d_gates;               /* [2*G*H] */
	float *key_proj;              /* [S,Hd] additive: W2 h_j, once for every step */
	float *score_scratch;         /* attention_scores_backward_scratch */
} AttnDecoderBackwardParts;

static size_t attn_decoder_backward_parts(AttnDecoderBackwardParts *p, float *work, const AttnDecoderWeights *w,
					  size_t S)
{
	const size_t H = w->H, Dm = w->Dm, E = w->E;
	size_t used = 0;

	p->d_s = work_part(work, &used, H);
	p->d_c = work_part(work, &used, H);
	p->d_s_new = work_part(work, &used, H);
	p->d_c_new = work_part(work, &used, H);
	p->d_p = work_part(work, &used, H);
	p->sc = work_part(work, &used, H + Dm);
	p->d_sc = work_part(work, &used, H + Dm);
	p->yc = work_part(work, &used, E + Dm);
	p->d_yc = work_part(work, &used, E + Dm);
	p->d_a = work_part(work, &used, S);
	p->d_e = work_part(work, &used, S);
	p->d_gates = work_part(work, &used, xmul(2 * rnn_gates(w->kind), H, "gates"));
	p->key_proj = work_part(work, &used, w->score.kind == SCORE_ADDITIVE ? xmul(S, w->score.hidden, "keys") : 0);
	p->score_scratch = work_part(work, &used, attention_scores_backward_scratch(&w->score, S, Dm));
	return used;
}

size_t attn_decoder_backward_work_size(const AttnDecoderWeights *w, size_t S)
{
	AttnDecoderBackwardParts p;

	return attn_decoder_backward_parts(&p, NULL, w, S);
}

void attn_decoder_backward(float *d_y, float *d_memory, float *d_s0, const AttnDecoderWeights *d_w, float *d_work,
			   const float *d_out, const float *out, const AttnDecoderRecord *rec,
			   const AttnDecoderWeights *w, const float *y, const float *memory, size_t T, size_t S)
{
	const size_t H = w->H, Dm = w->Dm, E = w->E, G2H = 2 * rnn_gates(w->kind) * H;
	const bool lstm = w->kind == RNN_LSTM;
	AttnDecoderBackwardParts p;
	Scorer score = w->score;

	attn_decoder_backward_parts(&p, d_work, w, S);
	if (score.kind == SCORE_ADDITIVE) { /* as the forward pass: W2 h_j once */
		attention_project_keys(p.key_proj, &score, memory, S, Dm);
		score.key_proj = p.key_proj;
	}
	memset(p.d_s, 0, H * sizeof(float));
	memset(p.d_c, 0, H * sizeof(float));
	for (size_t t = T; t-- > 0;) {
		const float *o_t = out + t * H, *a_t = rec->weights + t * S, *ctx = rec->contexts + t * Dm;
		const float *s_prev = rec->prev + t * H;
		/* 3: o_t = tanh(W_out [s_t; c_t] + b_out) */
		for (size_t j = 0; j < H; j++)
			p.d_p[j] = d_out[t * H + j] * (1.0f - o_t[j] * o_t[j]);
		memcpy(p.sc, rec->states + t * H, H * sizeof(float));
		memcpy(p.sc + H, ctx, Dm * sizeof(float));
		memset(p.d_sc, 0, (H + Dm) * sizeof(float));
		linear_backward(p.d_sc, d_w->out_weight, d_w->out_bias, p.d_p, p.sc, w->out_weight, 1, H + Dm, H);
		/* 2: s_t = cell([y_{t-1}; c_t], s_{t-1}), with s_t's gradient from o_t and from step t+1 */
		for (size_t j = 0; j < H; j++) {
			p.d_s_new[j] = p.d_sc[j] + p.d_s[j];
			p.d_c_new[j] = p.d_c[j];
		}
		memset(p.d_s, 0, H * sizeof(float));
		memset(p.d_c, 0, H * sizeof(float));
		memcpy(p.yc, y + t * E, E * sizeof(float));
		memcpy(p.yc + E, ctx, Dm * sizeof(float));
		memset(p.d_yc, 0, (E + Dm) * sizeof(float));
		rnn_cell_backward(p.d_yc, p.d_s, lstm ? p.d_c : NULL, &d_w->cell, p.d_gates, p.d_s_new,
				  lstm ? p.d_c_new : NULL, rec->gates + t * G2H, w->kind, &w->cell, p.yc, s_prev,
				  lstm ? rec->cell_prev + t * H : NULL, E + Dm, H);
		for (size_t j = 0; j < E; j++)
			d_y[t * E + j] += p.d_yc[j];
		/* 1: c_t = sum_j a_tj h_j reached the cell and the output: d_c_t is the sum of both */
		for (size_t j = 0; j < Dm; j++)
			p.d_yc[E + j] += p.d_sc[H + j];
		for (size_t s = 0; s < S; s++) {
			const float *h_s = memory + s * Dm, *d_ctx = p.d_yc + E;
			float d_a = 0.0f;
			for (size_t j = 0; j < Dm; j++) {
				d_memory[s * Dm + j] += a_t[s] * d_ctx[j];
				d_a += d_ctx[j] * h_s[j];
			}
			p.d_a[s] = d_a;
		}
		/* a_t = softmax(e_t), e_t = score(s_{t-1}, h) */
		memset(p.d_e, 0, S * sizeof(float));
		softmax_rows_backward(p.d_e, p.d_a, a_t, 1, S);
		attention_scores_backward(p.d_s, d_memory, &d_w->score, p.score_scratch, p.d_e, &score, s_prev, memory,
					  1, S, H, Dm);
	}
	for (size_t j = 0; j < H; j++)
		d_s0[j] += p.d_s[j];
}

bool rnn_score_parse(const char *name, ScoreKind *kind)
{
	if (strcmp(name, "additive") == 0)
		*kind = SCORE_ADDITIVE;
	else if (strcmp(name, "general") == 0)
		*kind = SCORE_GENERAL;
	else if (strcmp(name, "dot") == 0)
		*kind = SCORE_DOT;
	else
		return false;
	return true;
}
