/* SPDX-License-Identifier: MIT */
#include "posenc.h"

#include <math.h>
#include <string.h>

/* T = positions, E = d_model (even for the sinusoidal table), i = pair index 0 .. E/2-1 */

int posenc_parse_layout(const char *s, PosencLayout *layout)
{
	if (strcmp(s, "interleaved") == 0)
		*layout = POSENC_INTERLEAVED;
	else if (strcmp(s, "concat") == 0)
		*layout = POSENC_CONCAT;
	else
		return 0;
	return 1;
}

const char *posenc_layout_name(PosencLayout layout)
{
	return layout == POSENC_CONCAT ? "concat" : "interleaved";
}

/* omega_i = 1 / base^(2i/E) */
double posenc_frequency(size_t i, double base, size_t E)
{
	return 1.0 / pow(base, (double)(2 * i) / (double)E);
}

/* pos / base^(2i/E), the paper's formula as written (one division, no rounding of omega first) */
double posenc_angle(size_t pos, size_t i, double base, size_t E)
{
	return (double)pos / pow(base, (double)(2 * i) / (double)E);
}

void posenc_columns(size_t *sin_col, size_t *cos_col, size_t i, PosencLayout layout, size_t E)
{
	if (layout == POSENC_CONCAT) {
		*sin_col = i;
		*cos_col = E / 2 + i;
	} else {
		*sin_col = 2 * i;
		*cos_col = 2 * i + 1;
	}
}

/* pe[T,E]: PE(pos, 2i) = sin(pos / base^(2i/E)), PE(pos, 2i+1) = cos(pos / base^(2i/E)), pos = offset + t
 * (section 3.5); the concat layout moves the cos to the second half of the row. */
void posenc_table(float *pe, size_t offset, double base, PosencLayout layout, size_t T, size_t E)
{
	/* pair by pair: the power base^(2i/E) is computed once per pair, not once per position */
	for (size_t i = 0; i < E / 2; i++) {
		double denom = pow(base, (double)(2 * i) / (double)E);
		size_t s, c;
		posenc_columns(&s, &c, i, layout, E);
		for (size_t t = 0; t < T; t++) {
			double angle = (double)(offset + t) / denom; /* = posenc_angle(offset + t, i, base, E) */
			pe[t * E + s] = (float)sin(angle);
			pe[t * E + c] = (float)cos(angle);
		}
	}
}

/* out[E] = M_k pe[E]: each (sin a, cos a) pair rotated by the angle k * omega_i, so that
 * (sin a, cos a) becomes (sin(a + k w), cos(a + k w)). M_k depends on k, not on pos. */
void posenc_shift(float *out, const float *pe, size_t k, double base, PosencLayout layout, size_t E)
{
	for (size_t i = 0; i < E / 2; i++) {
		double kw = (double)k * posenc_frequency(i, base, E);
		size_t s, c;
		posenc_columns(&s, &c, i, layout, E);
		double sin_a = pe[s], cos_a = pe[c];
		out[s] = (float)(cos(kw) * sin_a + sin(kw) * cos_a);
		out[c] = (float)(-sin(kw) * sin_a + cos(kw) * cos_a);
	}
}

/* Tensor2Tensor's timing signal: the frequencies inv_i = min * (max / min)^(-i / max(n-1, 1)), n = E/2,
 * sines in columns 0 .. n-1, cosines in n .. 2n-1, a zero column when E is odd (T2T pads it). */
void posenc_t2t_table(float *pe, size_t offset, double min_timescale, double max_timescale, size_t T, size_t E)
{
	size_t n = E / 2;
	double increment = log(max_timescale / min_timescale) / (double)(n > 1 ? n - 1 : 1);

	for (size_t i = 0; i < n; i++) {
		double inv = min_timescale * exp(-(double)i * increment);
		for (size_t t = 0; t < T; t++) {
			double angle = (double)(offset + t) * inv;
			pe[t * E + i] = (float)sin(angle);
			pe[t * E + n + i] = (float)cos(angle);
		}
	}
	for (size_t t = 0; E % 2 && t < T; t++)
		pe[t * E + E - 1] = 0.0f;
}

/* x[T,E] += pe[T,E] */
void posenc_add(float *x, const float *pe, size_t T, size_t E)
{
	for (size_t j = 0; j < T * E; j++)
		x[j] += pe[j];
}
