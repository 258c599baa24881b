/* SPDX-License-Identifier: MIT */
#include "explain.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stream.h"

/* T = query positions, S = key positions, Dk = query/key width, Dv = value width */

/* Rows and columns shown of a large matrix: the first HEAD, "...", the last TAIL. */
#define HEAD_ROWS 5
#define TAIL_ROWS 2
#define HEAD_COLS 6
#define TAIL_COLS 1
/* Terms of a long sum written out before "..." */
#define MAX_TERMS 6

static int step_number;

void explain_step(const char *fmt, ...)
{
	va_list ap;

	if (step_number++ > 0)
		fputc('\n', stderr);
	fprintf(stderr, "== %d. ", step_number);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void explain_note(const char *fmt, ...)
{
	va_list ap;

	fputs("   ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* Label i (escaped, cut to EXPLAIN_LABEL_WIDTH) into buf, or its index when there are no labels. */
static const char *label(char *buf, char *const *labels, size_t i)
{
	char *escaped;

	if (labels == NULL) {
		snprintf(buf, EXPLAIN_LABEL_WIDTH + 1, "%zu", i);
		return buf;
	}
	escaped = label_escape_str(labels[i], NULL);
	if (strlen(escaped) > EXPLAIN_LABEL_WIDTH) {
		memcpy(buf, escaped, EXPLAIN_LABEL_WIDTH - 1);
		strcpy(buf + EXPLAIN_LABEL_WIDTH - 1, "~");
	} else {
		strcpy(buf, escaped);
	}
	free(escaped);
	return buf;
}

/* Whether index i of n is shown when n is summarised to head + tail entries; the hidden ones print "...". */
static bool shown(size_t i, size_t n, size_t max, size_t head, size_t tail)
{
	return n <= max || i < head || i >= n - tail;
}

/* One cell of a table: a number in 4 significant digits, or -inf. */
static void cell(float x)
{
	if (x == -INFINITY)
		fprintf(stderr, " %10s", "-inf");
	else
		fprintf(stderr, " %10.4g", x);
}

/* A table of rows x cols cells, each printed by put(r, c), with labels and summarised like a matrix. */
static void table(size_t rows, size_t cols, char *const *row_labels, char *const *col_labels,
		  void (*put)(const void *ctx, size_t r, size_t c), const void *ctx)
{
	char buf[EXPLAIN_LABEL_WIDTH + 1];

	fprintf(stderr, "   %*s", EXPLAIN_LABEL_WIDTH, "");
	for (size_t c = 0; c < cols; c++) {
		if (shown(c, cols, EXPLAIN_MAX_COLS, HEAD_COLS, TAIL_COLS))
			fprintf(stderr, " %10s", label(buf, col_labels, c));
		else if (c == HEAD_COLS)
			fprintf(stderr, " %10s", "...");
	}
	fputc('\n', stderr);
	for (size_t r = 0; r < rows; r++) {
		if (!shown(r, rows, EXPLAIN_MAX_ROWS, HEAD_ROWS, TAIL_ROWS)) {
			if (r == HEAD_ROWS)
				fprintf(stderr, "   %*s (%zu rows not shown)\n", EXPLAIN_LABEL_WIDTH, "...",
					rows - HEAD_ROWS - TAIL_ROWS);
			continue;
		}
		fprintf(stderr, "   %*s", EXPLAIN_LABEL_WIDTH, label(buf, row_labels, r));
		for (size_t c = 0; c < cols; c++) {
			if (shown(c, cols, EXPLAIN_MAX_COLS, HEAD_COLS, TAIL_COLS))
				put(ctx, r, c);
			else if (c == HEAD_COLS)
				fprintf(stderr, " %10s", "...");
		}
		fputc('\n', stderr);
	}
	if (cols > EXPLAIN_MAX_COLS)
		fprintf(stderr, "   (%zu of %zu columns shown)\n", (size_t)HEAD_COLS + TAIL_COLS, cols);
}

typedef struct {
	const float *x;
	size_t cols;
} MatrixCtx;

static void put_number(const void *ctx, size_t r, size_t c)
{
	const MatrixCtx *m = ctx;

	cell(m->x[r * m->cols + c]);
}

void explain_matrix(const char *title, const float *x, size_t rows, size_t cols, char *const *row_labels,
		    char *const *col_labels)
{
	MatrixCtx m = { x, cols };

	fprintf(stderr, "   %s (%zu x %zu):\n", title, rows, cols);
	table(rows, cols, row_labels, col_labels, put_number, &m);
}

void explain_tensor(const char *title, const Tensor *t)
{
	explain_matrix(title, t->data, tensor_rows(t), tensor_cols(t), t->ndim >= 2 ? t->row_labels : NULL,
		       t->col_labels);
}

void explain_shape(const char *what, const Tensor *t, const char *from)
{
	explain_note("%-3s %zu x %zu   %s", what, tensor_rows(t), tensor_cols(t), from);
}

typedef struct {
	const unsigned char *allowed;
	bool causal;
	size_t S;
} MaskCtx;

static void put_allowed(const void *ctx, size_t t, size_t s)
{
	const MaskCtx *m = ctx;
	bool blocked = (m->allowed && !m->allowed[t * m->S + s]) || (m->causal && s > t);

	fprintf(stderr, " %10s", blocked ? "." : "1");
}

void explain_mask(const unsigned char *allowed, bool causal, size_t T, size_t S, char *const *q_labels,
		  char *const *k_labels)
{
	MaskCtx m = { allowed, causal, S };

	if (allowed == NULL && !causal) {
		explain_note("no mask: every query may attend to every key");
		return;
	}
	explain_note("1 = the query (row) may attend to the key (column), . = blocked (score set to -inf)%s",
		     causal ? "; causal: query t sees keys 0..t only" : "");
	table(T, S, q_labels, k_labels, put_allowed, &m);
}

/* A row vector x[n] on one line, summarised like a matrix row. */
static void vector(const char *prefix, const float *x, size_t n)
{
	fprintf(stderr, "   %*s", EXPLAIN_LABEL_WIDTH, prefix);
	for (size_t i = 0; i < n; i++) {
		if (shown(i, n, EXPLAIN_MAX_COLS, HEAD_COLS, TAIL_COLS))
			cell(x[i]);
		else if (i == HEAD_COLS)
			fprintf(stderr, " %10s", "...");
	}
	fputc('\n', stderr);
}

void explain_vector(const char *prefix, const float *x, size_t n)
{
	vector(prefix, x, n);
}

/* Mean and variance (population) of x[n]. */
static void moments(const float *x, size_t n, double *mean, double *var)
{
	double sum = 0.0, sq = 0.0;

	for (size_t i = 0; i < n; i++)
		sum += x[i];
	*mean = n ? sum / (double)n : 0.0;
	for (size_t i = 0; i < n; i++)
		sq += (x[i] - *mean) * (x[i] - *mean);
	*var = n ? sq / (double)n : 0.0;
}

void explain_scores(const float *raw, const float *scores, float scale, size_t total_T, size_t T, size_t S,
		    size_t Dk, char *const *q_labels, char *const *k_labels)
{
	double mean, var;

	if (T < total_T)
		explain_note("(the first %zu of %zu queries: every query row is computed the same way)", T, total_T);
	if (raw == NULL) {
		explain_matrix("scores", scores, T, S, q_labels, k_labels);
		return;
	}
	explain_matrix("raw dot products q.k", raw, T, S, q_labels, k_labels);
	moments(raw, T * S, &mean, &var);
	explain_note("why scale: if the %zu components of q and k were independent with mean 0 and variance 1,",
		     Dk);
	explain_note("q.k would have mean 0 and variance d_k = %zu (the paper's footnote 4); large scores push", Dk);
	explain_note("the softmax towards one-hot, where its gradients vanish.");
	explain_note("here the raw dot products have mean %.4g and variance %.4g (d_k = %zu).", mean, var, Dk);
	if (scale != 1.0f) {
		const double root = 1.0 / sqrt((double)Dk);
		if (fabs(scale - root) < 1e-6 * root)
			explain_note("scaled by 1/sqrt(d_k) = 1/sqrt(%zu) = %.6g: the variance becomes %.4g x %.6g^2 = %.4g.",
				     Dk, root, var, root, var * root * root);
		else
			explain_note("scaled by %.6g (1/sqrt(d_k) = %.6g, over the temperature): the variance becomes %.4g.",
				     scale, root, var * scale * scale);
		explain_matrix("scores = q.k x scale", scores, T, S, q_labels, k_labels);
	} else {
		explain_note("no scale applied (--score dot): the scores are the raw dot products.");
	}
}

void explain_softmax(const float *scores, const float *weights, size_t T, size_t S, char *const *q_labels,
		     char *const *k_labels)
{
	char buf[EXPLAIN_LABEL_WIDTH + 1];

	explain_note("weights = exp(score - max) / sum over visible keys (subtracting the row maximum keeps");
	explain_note("exp() from overflowing and changes nothing: it cancels in the division)");
	for (size_t t = 0; t < T; t++) {
		const float *score_t = scores + t * S, *w_t = weights + t * S;
		float max = -INFINITY;
		double sum = 0.0, wsum = 0.0;
		if (!shown(t, T, EXPLAIN_MAX_ROWS, HEAD_ROWS, TAIL_ROWS)) {
			if (t == HEAD_ROWS)
				explain_note("... (%zu rows not shown)", T - HEAD_ROWS - TAIL_ROWS);
			continue;
		}
		for (size_t s = 0; s < S; s++)
			max = score_t[s] > max ? score_t[s] : max;
		fprintf(stderr, "   query %s:\n", label(buf, q_labels, t));
		vector("score", score_t, S);
		if (max == -INFINITY) {
			explain_note("%*s every key blocked: weights all 0, output 0", EXPLAIN_LABEL_WIDTH, "");
			continue;
		}
		fprintf(stderr, "   %*s", EXPLAIN_LABEL_WIDTH, "exp(s-max)");
		for (size_t s = 0; s < S; s++) {
			const float e = score_t[s] == -INFINITY ? 0.0f : expf(score_t[s] - max);
			sum += e;
			wsum += w_t[s];
			if (shown(s, S, EXPLAIN_MAX_COLS, HEAD_COLS, TAIL_COLS))
				cell(e);
			else if (s == HEAD_COLS)
				fprintf(stderr, " %10s", "...");
		}
		fprintf(stderr, "   max %.4g, sum %.6g\n", max, sum);
		vector("weight", w_t, S);
		explain_note("%*s sum of weights %.7g", EXPLAIN_LABEL_WIDTH, "", wsum);
	}
	(void)k_labels;
}

void explain_normalize(Normalize how, const float *scores, const float *weights, size_t T, size_t S,
		       char *const *q_labels, char *const *k_labels)
{
	char buf[EXPLAIN_LABEL_WIDTH + 1];

	if (how == NORMALIZE_SOFTMAX) {
		explain_softmax(scores, weights, T, S, q_labels, k_labels);
		return;
	}
	explain_note("%s", how == NORMALIZE_SIGMOID ? "weight = 1 / (1 + exp(-score)), each score on its own: rows need not sum to 1" :
			   how == NORMALIZE_RELU    ? "weight = max(score, 0), each score on its own: rows need not sum to 1" :
			   how == NORMALIZE_NONE    ? "weight = the score itself (no normalisation): rows need not sum to 1" :
						      "sparsemax (Martins and Astudillo 2016): weight = max(score - tau, 0), the threshold tau");
	explain_note("%s", how == NORMALIZE_SPARSEMAX ? "chosen so that the row sums to 1: keys below tau weigh exactly 0;"
							" blocked keys (-inf) weigh 0" :
							"blocked keys (-inf) weigh 0");
	for (size_t t = 0; t < T; t++) {
		const float *score_t = scores + t * S, *w_t = weights + t * S;
		double wsum = 0.0;
		size_t kept = 0, last = 0;
		if (!shown(t, T, EXPLAIN_MAX_ROWS, HEAD_ROWS, TAIL_ROWS)) {
			if (t == HEAD_ROWS)
				explain_note("... (%zu rows not shown)", T - HEAD_ROWS - TAIL_ROWS);
			continue;
		}
		fprintf(stderr, "   query %s:\n", label(buf, q_labels, t));
		vector("score", score_t, S);
		vector("weight", w_t, S);
		for (size_t s = 0; s < S; s++) {
			wsum += w_t[s];
			if (w_t[s] != 0.0f)
				kept++, last = s;
		}
		/* sparsemax: tau = score - weight of any key it kept (all give the same tau) */
		if (how == NORMALIZE_SPARSEMAX && kept > 0)
			explain_note("%*s tau %.4g: %zu of %zu keys above it", EXPLAIN_LABEL_WIDTH, "",
				     (double)(score_t[last] - w_t[last]), kept, S);
		explain_note("%*s sum of weights %.7g", EXPLAIN_LABEL_WIDTH, "", wsum);
	}
	(void)k_labels;
}

/*
 * The terms w_s v_s of a weighted sum, the zero weights left out, the first MAX_TERMS of them:
 * "w v[label]" for whole vectors (v = NULL), "w x v[s,d]" for column d of v[S,Dv]. Returns how many.
 */
static size_t print_terms(const float *w, const float *v, size_t S, size_t Dv, size_t d, char *const *k_labels)
{
	char buf[EXPLAIN_LABEL_WIDTH + 1];
	size_t terms = 0;

	for (size_t s = 0; s < S; s++) {
		if (w[s] == 0.0f)
			continue;
		if (terms++ == MAX_TERMS) {
			fprintf(stderr, " + ...");
			break;
		}
		fprintf(stderr, "%s %.4g", terms > 1 ? " +" : "", w[s]);
		if (v)
			fprintf(stderr, " x %.4g", v[s * Dv + d]);
		else
			fprintf(stderr, " v[%s]", label(buf, k_labels, s));
	}
	return terms;
}

void explain_weighted_sum(const float *out_0, const float *w, const float *v, size_t S, size_t Dv,
			  const char *q_label, char *const *k_labels)
{
	char qbuf[EXPLAIN_LABEL_WIDTH + 1];
	char *const q_labels[1] = { (char *)q_label };

	label(qbuf, q_label ? q_labels : NULL, 0);
	fprintf(stderr, "   out[%s] =", qbuf);
	if (print_terms(w, NULL, S, Dv, 0, k_labels) == 0)
		fprintf(stderr, " 0 (every key blocked)");
	fputc('\n', stderr);
	for (size_t d = 0; d < Dv && d < 4; d++) {
		fprintf(stderr, "   out[%s][%zu] =", qbuf, d);
		if (print_terms(w, v, S, Dv, d, k_labels) == 0)
			fprintf(stderr, " 0\n");
		else
			fprintf(stderr, " = %.6g\n", out_0[d]);
	}
	if (Dv > 4)
		explain_note("(and so on for the other %zu columns)", Dv - 4);
	vector("out", out_0, Dv);
}
