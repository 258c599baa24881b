/* SPDX-License-Identifier: MIT */
#include "mha.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "attention.h"
#include "err.h"
#include "linalg.h"
#include "threads.h"

/* T = query positions, S = key positions, E = d_model, H = heads, Dh = E / H */

static void declare(Params *p, float **slot, const char *prefix, const char *name, InitRule init, int ndim,
		    size_t rows, size_t cols)
{
	size_t shape[2] = { rows, cols };
	char full[256];

	if ((size_t)snprintf(full, sizeof(full), "%s%s", prefix, name) >= sizeof(full))
		die("parameter name too long: %s%s", prefix, name);
	params_add(p, slot, full, init, 0.0, ndim, shape);
}

void mha_declare(Params *p, MhaWeights *w, const char *prefix, size_t E, size_t H, size_t kdim,
		 size_t vdim, bool bias)
{
	if (H == 0 || E % H != 0)
		usage_error("d_model %zu is not divisible by %zu heads (each head gets d_model / heads columns)", E,
			    H);
	memset(w, 0, sizeof(*w));
	w->E = E;
	w->H = H;
	w->kdim = kdim ? kdim : E;
	w->vdim = vdim ? vdim : E;
	w->bias = bias;
	/* declaration order is PyTorch's state_dict() order */
	if (w->kdim == E && w->vdim == E) {
		declare(p, &w->in_proj_weight, prefix, "in_proj_weight", INIT_XAVIER_UNIFORM, 2, 3 * E, E);
	} else {
		declare(p, &w->q_proj_weight, prefix, "q_proj_weight", INIT_XAVIER_UNIFORM, 2, E, E);
		declare(p, &w->k_proj_weight, prefix, "k_proj_weight", INIT_XAVIER_UNIFORM, 2, E, w->kdim);
		declare(p, &w->v_proj_weight, prefix, "v_proj_weight", INIT_XAVIER_UNIFORM, 2, E, w->vdim);
	}
	if (bias)
		declare(p, &w->in_proj_bias, prefix, "in_proj_bias", INIT_ZEROS, 1, 3 * E, 0);
	declare(p, &w->out_proj_weight, prefix, "out_proj.weight", INIT_LINEAR, 2, E, E);
	if (bias)
		declare(p, &w->out_proj_bias, prefix, "out_proj.bias", INIT_ZEROS, 1, E, 0);
}

void mha_declare_bias_kv(Params *p, MhaWeights *w, const char *prefix)
{
	const size_t shape[3] = { 1, 1, w->E };
	/* xavier_normal_ of a [1,1,E] tensor: fan in = fan out = 1 * E, so std = sqrt(2 / (E + E)) */
	const double std = 1.0 / sqrt((double)w->E);
	char full[256];

	w->add_bias_kv = true;
	if ((size_t)snprintf(full, sizeof(full), "%s%s", prefix, "bias_k") >= sizeof(full))
		die("parameter name too long: %s%s", prefix, "bias_k");
	params_add(p, &w->bias_k, full, INIT_NORMAL, std, 3, shape);
	snprintf(full, sizeof(full), "%sbias_v", prefix);
	params_add(p, &w->bias_v, full, INIT_NORMAL, std, 3, shape);
}

size_t mha_extra_keys(const MhaWeights *w)
{
	return (size_t)w->add_bias_kv + (size_t)w->add_zero_attn;
}

char **mha_key_labels(char **key_labels, const MhaWeights *w, size_t S)
{
	static char bias_label[] = "<bias_k>", zero_label[] = "<zero>";
	char **labels;

	if (key_labels == NULL || mha_extra_keys(w) == 0)
		return key_labels;
	labels = xmalloc(xmul(S + mha_extra_keys(w), sizeof(char *), "labels"));
	memcpy(labels, key_labels, S * sizeof(char *));
	if (w->add_bias_kv)
		labels[S++] = bias_label;
	if (w->add_zero_attn)
		labels[S] = zero_label;
	return labels;
}

/* a + b, or die: the sizes of the work space */
static size_t sum_sizes(size_t a, size_t b)
{
	if (a > SIZE_MAX - b)
		die("attention: size overflow");
	return a + b;
}

size_t mha_work_size(const MhaWeights *w, size_t T, size_t S)
{
	/* q, qh, oh, concat: [T,E] each; k, v: [S,E] each; kh, vh: [S',E] each, S' = S + the extra keys;
	 * scratch: attention_forward's, for each head; with extra keys, the widened mask: [H,T,S'] floats and bytes */
	size_t S2 = sum_sizes(S, mha_extra_keys(w)), TE = xmul(T, w->E, "attention");
	size_t SE = xmul(S, w->E, "attention"), S2E = xmul(S2, w->E, "attention");
	size_t n = sum_sizes(xmul(4, TE, "attention"), sum_sizes(xmul(2, SE, "attention"), xmul(2, S2E, "attention")));
	size_t scratch = xmul(w->H, attention_forward_scratch(T, S2), "attention");
	size_t HTS = mha_extra_keys(w) ? xmul(xmul(w->H, T, "attention"), S2, "attention") : 0;

	return sum_sizes(sum_sizes(n, scratch), sum_sizes(HTS, HTS / sizeof(float) + 1));
}

void mha_work_parts(MhaParts *parts, float *work, const MhaWeights *w, size_t T, size_t S)
{
	size_t S2 = S + mha_extra_keys(w), TE = T * w->E, SE = S * w->E, S2E = S2 * w->E;

	parts->q = work;
	parts->k = parts->q + TE;
	parts->v = parts->k + SE;
	parts->qh = parts->v + SE;
	parts->kh = parts->qh + TE;
	parts->vh = parts->kh + S2E;
	parts->oh = parts->vh + S2E;
	parts->concat = parts->oh + TE;
	parts->scratch = parts->concat + TE;
	parts->bias = parts->scratch + w->H * attention_forward_scratch(T, S2);
	parts->allowed = (unsigned char *)(parts->bias + (mha_extra_keys(w) ? w->H * T * S2 : 0));
}

/* which = 0, 1, 2 for q, k, v: the rows of in_proj_weight (and in_proj_bias) that belong to it */
static const float *proj_weight(const MhaWeights *w, int which)
{
	if (w->in_proj_weight)
		return w->in_proj_weight + (size_t)which * w->E * w->E;
	return which == 0 ? w->q_proj_weight : which == 1 ? w->k_proj_weight : w->v_proj_weight;
}

static const float *proj_bias(const MhaWeights *w, int which)
{
	return w->in_proj_bias ? w->in_proj_bias + (size_t)which * w->E : NULL;
}

/* (the threads share the copying: the first touch of fresh pages costs more than the copy) */
void split_heads(float *heads, const float *x, size_t N, size_t H, size_t Dh)
{
#pragma omp parallel for if (N * H * Dh >= PARALLEL_MIN_WORK && !thread_in_parallel())
	for (size_t h = 0; h < H; h++)
		for (size_t n = 0; n < N; n++)
			memcpy(heads + (h * N + n) * Dh, x + n * H * Dh + h * Dh, Dh * sizeof(float));
}

void merge_heads(float *x, const float *heads, size_t N, size_t H, size_t Dh)
{
#pragma omp parallel for if (N * H * Dh >= PARALLEL_MIN_WORK && !thread_in_parallel())
	for (size_t n = 0; n < N; n++)
		for (size_t h = 0; h < H; h++)
			memcpy(x + n * H * Dh + h * Dh, heads + (h * N + n) * Dh, Dh * sizeof(float));
}

/* x[N,E]: each head's Dh columns rotated by RoPE, row n at position first + n (Dh even) */
static void rope_heads(float *x, const MhaWeights *w, size_t first, size_t N)
{
	size_t Dh = w->E / w->H;

	if (w->rope_base <= 0.0)
		return;
	for (size_t h = 0; h < w->H; h++)
		rope_apply(x + h * Dh, w->rope_base, first, N, Dh, w->E);
}

/*
 * add_bias_kv and add_zero_attn (F.multi_head_attention_forward): kh[H,S,Dh] and vh, as split_heads left
 * them, spread to [H,S',Dh] (S' = S + extra), and each head's rows S.. filled: bias_k and bias_v (their
 * columns of head h; no projection, they are parameters of the projected space), then a row of zeros.
 * Heads move from the last to the first, so that none overwrites one not yet moved.
 */
static void append_extra_keys(float *kh, float *vh, const MhaWeights *w, size_t S)
{
	const size_t H = w->H, Dh = w->E / H, S2 = S + mha_extra_keys(w);

	for (size_t h = H; h-- > 0;) {
		float *k_h = kh + h * S2 * Dh, *v_h = vh + h * S2 * Dh;
		size_t s = S;
		memmove(k_h, kh + h * S * Dh, S * Dh * sizeof(float));
		memmove(v_h, vh + h * S * Dh, S * Dh * sizeof(float));
		if (w->add_bias_kv) {
			memcpy(k_h + s * Dh, w->bias_k + h * Dh, Dh * sizeof(float));
			memcpy(v_h + s * Dh, w->bias_v + h * Dh, Dh * sizeof(float));
			s++;
		}
		if (w->add_zero_attn) {
			memset(k_h + s * Dh, 0, Dh * sizeof(float));
			memset(v_h + s * Dh, 0, Dh * sizeof(float));
		}
	}
}

/*
 * The mask of S keys widened to the S' = S + extra of append_extra_keys, into p->allowed and p->bias: as
 * PyTorch pads attn_mask and key_padding_mask (F.pad(mask, (0, 1)) for each extra key), the extra keys
 * are visible to every query with no bias. The causal mask (keys s > first + t of the S) goes into the
 * allowed pairs, where it leaves the extra keys visible.
 */
static void widen_mask(Mask *wide, const MhaParts *p, const Mask *mask, bool causal, size_t first, size_t T, size_t S,
		       size_t S2)
{
	wide->heads = mask ? mask->heads : 1;
	wide->allowed = (mask && mask->allowed) || causal ? p->allowed : NULL;
	wide->bias = mask && mask->bias ? p->bias : NULL;
	for (size_t h = 0; h < wide->heads; h++) {
		const unsigned char *allowed_h = mask_head_allowed(mask, h, T, S);
		const float *bias_h = mask_head_bias(mask, h, T, S);
		for (size_t t = 0; t < T; t++)
			for (size_t s = 0; s < S2; s++) {
				size_t i = (h * T + t) * S2 + s;
				if (wide->allowed)
					wide->allowed[i] = s >= S || ((!allowed_h || allowed_h[t * S + s]) &&
								      !(causal && s > first + t));
				if (wide->bias)
					wide->bias[i] = s < S ? bias_h[t * S + s] : 0.0f;
			}
	}
}

/*
 * Steps 2 to 5 of multi-head attention, from the projections q[T,E], k[S,E], v[S,E]:
 * split into heads, attention in each head, concatenation, output projection.
 * The queries are at positions first .. first+T-1 (causal blocks key s > first + t).
 */
static size_t attend_projected(float *out, float *attn, const MhaParts *p, const MhaWeights *w, const float *q,
			       const float *k, const float *v, const Mask *mask, bool causal, size_t first, size_t T,
			       size_t S)
{
	size_t E = w->E, H = w->H, Dh = E / H, blocked = 0, S0 = S;
	float scale = attention_scale(SCORE_SCALED, 1.0f, Dh); /* each head is scaled by its own width, Dh, not by E */
	Mask wide;

	/* step 2: [T,E] -> [H,T,Dh]: head h sees only its Dh columns of every projection */
	split_heads(p->qh, q, T, H, Dh);
	split_heads(p->kh, k, S, H, Dh);
	split_heads(p->vh, v, S, H, Dh);
	/* step 2b (optional): add_bias_kv and add_zero_attn append keys every query sees; the mask grows with them */
	if (mha_extra_keys(w)) {
		S = S0 + mha_extra_keys(w);
		append_extra_keys(p->kh, p->vh, w, S0);
		widen_mask(&wide, p, mask, causal, first, T, S0, S);
		mask = &wide;
		causal = false;
	}
	/* step 3: scaled dot-product attention in each head, independently (eq. 1): the heads share the threads */
#pragma omp parallel for schedule(dynamic) reduction(+ : blocked) if (H > 1 && T * S * Dh >= PARALLEL_MIN_WORK)
	for (size_t h = 0; h < H; h++) {
		const float *q_h = p->qh + h * T * Dh, *k_h = p->kh + h * S * Dh, *v_h = p->vh + h * S * Dh;
		float *o_h = p->oh + h * T * Dh, *attn_h = attn ? attn + h * T * S : NULL;
		float *scratch = p->scratch + h * attention_forward_scratch(T, S);
		const unsigned char *allowed = mask_head_allowed(mask, h, T, S); /* [T,S] of head h, or NULL */
		const float *bias = mask_head_bias(mask, h, T, S);
		if (!causal || first == 0) {
			blocked += attention_forward(o_h, attn_h, NULL, scratch, q_h, k_h, v_h, allowed, bias, causal,
						     scale, w->normalize, T, S, Dh, Dh);
			continue;
		}
		/* causal with an offset (a KV cache): query t sees the keys 0 .. first + t, one row at a time */
		for (size_t t = 0; t < T; t++) {
			size_t visible = first + t + 1 < S ? first + t + 1 : S;
			float *attn_t = attn_h ? attn_h + t * S : NULL;
			blocked += attention_forward(o_h + t * Dh, attn_t, NULL, scratch, q_h + t * Dh, k_h, v_h,
						     allowed ? allowed + t * S : NULL, bias ? bias + t * S : NULL, false,
						     scale, w->normalize, 1, visible, Dh, Dh);
			if (attn_t)
				memset(attn_t + visible, 0, (S - visible) * sizeof(float));
		}
	}
	/* step 4: [H,T,Dh] -> [T,E]: the heads' outputs side by side */
	merge_heads(p->concat, p->oh, T, H, Dh);
	/* step 5: out = concat W_o^T + b_o, the output projection that mixes the heads */
	linear(out, p->concat, w->out_proj_weight, w->out_proj_bias, T, E, E);
	return blocked;
}

size_t mha_forward(float *out, float *attn, float *work, const MhaWeights *w, const float *query,
		   const float *key, const float *value, const Mask *mask, bool causal, size_t T, size_t S)
{
	MhaParts p;

	mha_work_parts(&p, work, w, T, S);
	/* step 1: the three projections q = query W_q^T + b_q, k = key W_k^T + b_k, v = value W_v^T + b_v */
	linear(p.q, query, proj_weight(w, 0), proj_bias(w, 0), T, w->E, w->E);
	linear(p.k, key, proj_weight(w, 1), proj_bias(w, 1), S, w->kdim, w->E);
	linear(p.v, value, proj_weight(w, 2), proj_bias(w, 2), S, w->vdim, w->E);
	/* step 1b (optional): RoPE turns each head's q and k by their positions; v is left alone */
	rope_heads(p.q, w, w->rope_offset, T);
	rope_heads(p.k, w, w->rope_offset, S);
	return attend_projected(out, attn, &p, w, p.q, p.k, p.v, mask, causal, 0, T, S);
}

size_t mha_forward_train(float *out, float *attn, const float *drop, float *work, const MhaWeights *w,
			 const float *query, const float *key, const float *value, const Mask *mask, bool causal,
			 size_t T, size_t S)
{
	size_t E = w->E, H = w->H, Dh = E / H, blocked;
	MhaParts p;

	blocked = mha_forward(out, attn, work, w, query, key, value, mask, causal, T, S);
	if (!drop)
		return blocked;
	/* steps 3 to 5 again with the dropped weights: o_h[t] = sum over s of W[t,s] drop[t,s] v_h[s] */
	mha_work_parts(&p, work, w, T, S);
	for (size_t h = 0; h < H; h++)
		for (size_t t = 0; t < T; t++) {
			const float *w_t = attn + (h * T + t) * S, *m_t = drop + (h * T + t) * S;
			for (size_t s = 0; s < S; s++)
				p.scratch[s] = w_t[s] * m_t[s];
			weighted_sum(p.oh + (h * T + t) * Dh, p.scratch, p.vh + h * S * Dh, 1, S, Dh);
		}
	merge_heads(p.concat, p.oh, T, H, Dh);
	linear(out, p.concat, w->out_proj_weight, w->out_proj_bias, T, E, E);
	return blocked;
}

size_t mha_backward_work_size(const MhaWeights *w, size_t T, size_t S)
{
	return mha_work_size(w, T, S); /* the same parts: a gradient for each intermediate */
}

/* The gradient of the projection which = 0, 1, 2 (q, k, v) in g, laid out as proj_weight(w, which) */
static float *grad_weight(const MhaWeights *g, int which)
{
	return (float *)proj_weight(g, which);
}

void mha_backward(float *d_query, float *d_key, float *d_value, const MhaWeights *g, float *d_work,
		  const float *d_out, const float *work, const float *attn, const float *drop, const MhaWeights *w,
		  const float *query, const float *key, const float *value, size_t T, size_t S)
{
	size_t E = w->E, H = w->H, Dh = E / H;
	float scale = attention_scale(SCORE_SCALED, 1.0f, Dh); /* as attend_projected */
	MhaParts p, d;

	mha_work_parts(&p, (float *)work, w, T, S);
	mha_work_parts(&d, d_work, w, T, S);
	memset(d_work, 0, mha_backward_work_size(w, T, S) * sizeof(float));
	/* step 5: out = concat W_o^T + b_o */
	linear_backward(d.concat, g->out_proj_weight, g->out_proj_bias, d_out, p.concat, w->out_proj_weight, T, E, E);
	/* step 4: the concatenation only moves numbers: its backward moves the gradients back */
	split_heads(d.oh, d.concat, T, H, Dh);
	/* step 3: each head's attention */
	for (size_t h = 0; h < H; h++)
		attention_backward(d.qh + h * T * Dh, d.kh + h * S * Dh, d.vh + h * S * Dh, d.scratch,
				   d.oh + h * T * Dh, attn + h * T * S, drop ? drop + h * T * S : NULL, p.qh + h * T * Dh,
				   p.kh + h * S * Dh,
				   p.vh + h * S * Dh, scale, T, S, Dh, Dh);
	/* step 2: the split into heads */
	merge_heads(d.q, d.qh, T, H, Dh);
	merge_heads(d.k, d.kh, S, H, Dh);
	merge_heads(d.v, d.vh, S, H, Dh);
	/* step 1: the three input projections */
	linear_backward(d_query, grad_weight(g, 0), (float *)proj_bias(g, 0), d.q, query, proj_weight(w, 0), T, E, E);
	linear_backward(d_key, grad_weight(g, 1), (float *)proj_bias(g, 1), d.k, key, proj_weight(w, 1), S, w->kdim,
			E);
	linear_backward(d_value, grad_weight(g, 2), (float *)proj_bias(g, 2), d.v, value, proj_weight(w, 2), S,
			w->vdim, E);
}

void mha_average_heads(float *out, const float *attn, size_t H, size_t T, size_t S)
{
	memset(out, 0, T * S * sizeof(float));
	for (size_t h = 0; h < H; h++)
		for (size_t i = 0; i < T * S; i++)
			out[i] += attn[h * T * S + i];
	for (size_t i = 0; i < T * S; i++)
		out[i] /= (float)H;
}

bool mha_cache_append(MhaCache *c, const MhaWeights *w, const float *key, const float *value, size_t S)
{
	if (S > c->capacity - c->len)
		return false;
	linear(c->k + c->len * w->E, key, proj_weight(w, 1), proj_bias(w, 1), S, w->kdim, w->E);
	linear(c->v + c->len * w->E, value, proj_weight(w, 2), proj_bias(w, 2), S, w->vdim, w->E);
	rope_heads(c->k + c->len * w->E, w, w->rope_offset + c->len, S);
	c->len += S;
	return true;
}

size_t mha_forward_cached(float *out, float *attn, float *work, const MhaWeights *w, const MhaCache *c,
			  const float *query, const Mask *mask, bool causal, size_t first, size_t T)
{
	MhaParts p;

	mha_work_parts(&p, work, w, T, c->len);
	linear(p.q, query, proj_weight(w, 0), proj_bias(w, 0), T, w->E, w->E);
	rope_heads(p.q, w, w->rope_offset + first, T);
	return attend_projected(out, attn, &p, w, p.q, c->k, c->v, mask, causal, first, T, c->len);
}

size_t mha_incremental_work_size(const MhaWeights *w, size_t S)
{
	/* one step's work, its attn[H,1,len + extra], and its row of the mask: bias [H,S] floats, allowed [H,S] bytes */
	size_t HS = xmul(w->H, sum_sizes(S, mha_extra_keys(w)), "attention");

	return sum_sizes(mha_work_size(w, 1, S), xmul(3, HS, "attention"));
}

size_t mha_forward_incremental(float *out, float *attn, float *work, const MhaWeights *w, MhaCache *c,
			       const float *query, const float *key, const float *value, const Mask *mask,
			       bool causal, size_t T, size_t S)
{
	size_t E = w->E, H = w->H, blocked = 0, extra = mha_extra_keys(w), S2 = S + extra;
	float *attn_step = work + mha_work_size(w, 1, S); /* [H,1,len + extra] of one step */
	float *bias_step = attn_step + H * S2;           /* [H,1,len]: row t of each head's bias */
	unsigned char *allowed_step = (unsigned char *)(bias_step + H * S2); /* [H,1,len]: and of its allowed */

	if (!causal)
		mha_cache_append(c, w, key, value, S); /* the memory: every key from the start */
	for (size_t t = 0; t < T; t++) {
		Mask step = { .allowed = NULL, .bias = NULL, .heads = mask ? mask->heads : 1 };
		size_t len;
		if (causal)
			mha_cache_append(c, w, key + t * w->kdim, value + t * w->vdim, 1); /* the new position */
		len = c->len;
		/* row t of the mask, head by head, as a mask of one query and the len keys so far */
		for (size_t h = 0; h < step.heads; h++) {
			const unsigned char *allowed_h = mask_head_allowed(mask, h, T, S);
			const float *bias_h = mask_head_bias(mask, h, T, S);
			if (allowed_h)
				memcpy(allowed_step + h * len, allowed_h + t * S, len);
			if (bias_h)
				memcpy(bias_step + h * len, bias_h + t * S, len * sizeof(float));
			step.allowed = allowed_h ? allowed_step : NULL;
			step.bias = bias_h ? bias_step : NULL;
		}
		/* one query against the len keys so far (and the extra keys): first = t, so causal blocks nothing new */
		blocked += mha_forward_cached(out + t * E, attn ? attn_step : NULL, work, w, c, query + t * E, &step,
					      false, t, 1);
		for (size_t h = 0; h < H && attn; h++) {
			float *attn_ht = attn + (h * T + t) * S2;
			const float *step_h = attn_step + h * (len + extra);
			memcpy(attn_ht, step_h, len * sizeof(float));
			memset(attn_ht + len, 0, (S - len) * sizeof(float)); /* keys not yet seen */
			memcpy(attn_ht + S, step_h + len, extra * sizeof(float));
		}
	}
	return blocked;
}
