/* SPDX-License-Identifier: MIT */
#include "explain_layers.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "err.h"
#include "explain.h"

/* T = rows, K = in features, M = out features (linear), E = d_model, F = d_ff */

/* Terms of a dot product written out before "..." */
#define MAX_TERMS 4
/* Outputs of a linear layer written out as dot products */
#define MAX_OUTPUTS 3

/* "row 'the' (0 of 5):" as the heading of one row */
static void row_heading(char *const *labels, size_t t, size_t T)
{
	if (labels)
		explain_note("row %zu of %zu, '%.32s':", t, T, labels[t]);
	else
		explain_note("row %zu of %zu:", t, T);
}

static void rows_note(size_t rows, size_t T)
{
	if (rows < T)
		explain_note("(the first %zu of %zu rows: every row is computed the same way, on its own)", rows, T);
}

void explain_linear(const float *y, const float *x, const float *w, const float *b, size_t T, size_t K, size_t M,
		    size_t rows, char *const *row_labels, char *const *out_labels)
{
	explain_step("linear: y = x W^T%s   %zux%zu = %zux%zu times (%zux%zu)^T%s", b ? " + b" : "", T, M, T, K, M, K,
		     b ? " + b" : "");
	explain_note("W = weight [%zu, %zu] (torch.nn.Linear's [out, in])%s: y[j] is the dot product of x with row j of W",
		     M, K, b ? ", b = bias [out]" : "");
	rows_note(rows, T);
	for (size_t t = 0; t < rows && t < T; t++) {
		const float *x_t = x + t * K, *y_t = y + t * M;
		row_heading(row_labels, t, T);
		explain_vector("x", x_t, K);
		for (size_t j = 0; j < M && j < MAX_OUTPUTS; j++) {
			const float *w_j = w + j * K;
			fprintf(stderr, "   %*s y[%zu]", EXPLAIN_LABEL_WIDTH, "", j);
			if (out_labels)
				fprintf(stderr, " (%.16s)", out_labels[j]);
			fprintf(stderr, " =");
			for (size_t k = 0; k < K && k < MAX_TERMS; k++)
				fprintf(stderr, "%s %.4g x %.4g", k ? " +" : "", x_t[k], w_j[k]);
			if (K > MAX_TERMS)
				fprintf(stderr, " + ... (%zu terms)", K);
			if (b)
				fprintf(stderr, " + %.4g", b[j]);
			fprintf(stderr, " = %.6g\n", y_t[j]);
		}
		if (M > MAX_OUTPUTS)
			explain_note("%*s (and so on for the other %zu outputs)", EXPLAIN_LABEL_WIDTH, "", M - MAX_OUTPUTS);
		explain_vector("y", y_t, M);
	}
}

void explain_norm(const float *y, const float *x, const float *mean, const float *rstd, const float *gamma,
		  const float *beta, float eps, size_t T, size_t E, size_t rows, char *const *row_labels)
{
	float *normal = xmalloc(xmul(E, sizeof(float), "explain"));

	if (mean == NULL) {
		explain_step("RMSNorm: y = x / sqrt(mean(x^2) + eps) * gamma, over each row's %zu features", E);
		explain_note("(Zhang and Sennrich 2019: LayerNorm without subtracting the mean and without beta)");
		explain_note("eps = %g; gamma = weight [%zu]", eps, E);
	} else {
		explain_step("LayerNorm: y = (x - mean) / sqrt(var + eps) * gamma + beta, over each row's %zu features",
			     E);
		explain_note("(Ba et al. 2016; var is the biased variance: the sum of squares divided by %zu, not %zu)", E,
			     E ? E - 1 : 0);
		explain_note("eps = %g; gamma = weight [%zu], beta = bias [%zu]", eps, E, E);
	}
	rows_note(rows, T);
	for (size_t t = 0; t < rows && t < T; t++) {
		const float *x_t = x + t * E;
		const double root = 1.0 / rstd[t], var = root * root - eps;
		row_heading(row_labels, t, T);
		explain_vector("x", x_t, E);
		if (mean == NULL) {
			explain_note("%*s mean(x^2) = %.6g, rms = sqrt(mean(x^2) + eps) = %.6g", EXPLAIN_LABEL_WIDTH, "",
				     var, root);
			for (size_t e = 0; e < E; e++)
				normal[e] = (float)(x_t[e] * rstd[t]);
			explain_vector("x / rms", normal, E);
		} else {
			explain_note("%*s mean = %.6g, var = %.6g, sqrt(var + eps) = %.6g", EXPLAIN_LABEL_WIDTH, "", mean[t],
				     var, root);
			for (size_t e = 0; e < E; e++)
				normal[e] = (float)((x_t[e] - mean[t]) * rstd[t]);
			explain_vector("normalised", normal, E);
			explain_note("%*s (mean 0 and variance var / (var + eps) = %.6g)", EXPLAIN_LABEL_WIDTH, "",
				     var / (var + eps));
		}
		explain_vector("gamma", gamma, E);
		if (beta)
			explain_vector("beta", beta, E);
		explain_vector("y", y + t * E, E);
	}
	free(normal);
}

void explain_ffn(const float *y, const float *x, const float *pre, const float *hidden, Activation act, size_t T,
		 size_t E, size_t F, size_t rows, char *const *row_labels)
{
	size_t zero = 0;

	explain_step("feed-forward: y = %s(x W1^T + b1) W2^T + b2   (section 3.3, eq. 2; F = d_ff = %zu, E = %zu)",
		     activation_name(act), F, E);
	explain_note("W1 = linear1.weight [%zu, %zu], b1 = linear1.bias [%zu], W2 = linear2.weight [%zu, %zu], "
		     "b2 = linear2.bias [%zu]", F, E, F, E, F, E);
	explain_note(act == ACT_RELU ? "relu(h) = max(0, h)" : "gelu(h) = h/2 (1 + erf(h / sqrt 2)), PyTorch's exact form");
	rows_note(rows, T);
	for (size_t t = 0; t < rows && t < T; t++) {
		const float *pre_t = pre + t * F, *h_t = hidden + t * F;
		size_t negative = 0;
		for (size_t f = 0; f < F; f++)
			negative += pre_t[f] <= 0.0f;
		row_heading(row_labels, t, T);
		explain_vector("x", x + t * E, E);
		explain_vector("x W1^T+b1", pre_t, F);
		explain_vector(activation_name(act), h_t, F);
		if (act == ACT_RELU)
			explain_note("%*s ReLU zeroed %zu of the %zu hidden units of this row", EXPLAIN_LABEL_WIDTH, "",
				     negative, F);
		else
			explain_note("%*s %zu of the %zu hidden units were negative: GELU shrank them towards 0",
				     EXPLAIN_LABEL_WIDTH, "", negative, F);
		explain_vector("y", y + t * E, E);
	}
	for (size_t i = 0; i < T * F; i++)
		zero += hidden[i] == 0.0f;
	explain_note("over all %zu rows, %zu of the %zu hidden values are 0 (%.1f%%)", T, zero, T * F,
		     (T * F) > 0 ? 100.0 * (double)zero / (double)(T * F) : 0.0);
}

void explain_residual(const float *sum, const float *a, const float *b, size_t T, size_t E, size_t rows,
		      char *const *row_labels)
{
	explain_step("add: y = a + b, element by element   (%zux%zu; the residual connection x + Sublayer(x), "
		     "section 3.1)", T, E);
	rows_note(rows, T);
	for (size_t t = 0; t < rows && t < T; t++) {
		row_heading(row_labels, t, T);
		explain_vector("a", a + t * E, E);
		explain_vector("b", b + t * E, E);
		explain_vector("a + b", sum + t * E, E);
	}
}

/* ---- posenc: the sinusoidal encoding (section 3.5) */

#define EXPLAIN_PE_ROWS 4 /* positions and pairs shown */

void explain_posenc(const float *pe, size_t T, size_t E, double base, PosencLayout layout, size_t offset)
{
	size_t pairs[3] = { 0, 1, E / 2 - 1 }, npairs = E / 2 >= 3 ? 3 : E / 2;
	float *shifted = xmalloc(xmul(E, sizeof(float), "row"));

	fprintf(stderr, "%s: PE(pos, 2i) = sin(pos / %g^(2i/%zu)), PE(pos, 2i+1) = cos(pos / %g^(2i/%zu))\n", progname,
		base, E, base, E);
	fprintf(stderr, "%s: layout %s: pair i has its sin in column %s, its cos in column %s\n", progname,
		posenc_layout_name(layout), layout == POSENC_CONCAT ? "i" : "2i",
		layout == POSENC_CONCAT ? "E/2+i" : "2i+1");
	fprintf(stderr, "%6s %4s %9s %12s %12s %12s\n", "pos", "i", "sin,cos", "angle", "sin", "cos");
	for (size_t t = 0; t < T && t < EXPLAIN_PE_ROWS; t++)
		for (size_t p = 0; p < npairs; p++) {
			size_t s, c;
			char cols[32];
			posenc_columns(&s, &c, pairs[p], layout, E);
			snprintf(cols, sizeof(cols), "%zu,%zu", s, c);
			fprintf(stderr, "%6zu %4zu %9s %12.6g %12.6g %12.6g\n", offset + t, pairs[p], cols,
				posenc_angle(offset + t, pairs[p], base, E), pe[t * E + s], pe[t * E + c]);
		}
	fprintf(stderr, "%s: PE(pos+k) = M_k PE(pos): M_k rotates each (sin, cos) pair by k * omega_i, "
		"omega_i = %g^(-2i/%zu); M_k does not depend on pos\n", progname, base, E);
	if (T < 2)
		fprintf(stderr, "%s: (checking it needs at least 2 positions)\n", progname);
	for (size_t k = 1; k < T && k <= 3; k++) {
		double w = k * posenc_frequency(0, base, E), err = 0.0;
		for (size_t t = 0; t + k < T; t++) {
			posenc_shift(shifted, pe + t * E, k, base, layout, E);
			for (size_t e = 0; e < E; e++)
				err = fmax(err, fabs((double)shifted[e] - (double)pe[(t + k) * E + e]));
		}
		fprintf(stderr, "%s: k=%zu: M_%zu pair 0 = [%.6f %.6f; %.6f %.6f]; max |M_%zu PE(pos) - PE(pos+%zu)| = "
			"%.2g (pos %zu to %zu)\n", progname, k, k, cos(w), sin(w), -sin(w), cos(w), k, k, err, offset,
			offset + T - k - 1);
	}
	free(shifted);
}
