/* SPDX-License-Identifier: MIT */
/* posenc: the sinusoidal positional encoding (Vaswani et al. 2017, section 3.5), its layouts and its linear shift. */
#ifndef PF_POSENC_H
#define PF_POSENC_H

#include <stddef.h>

/* T = positions, E = d_model (even for the sinusoidal table), i = pair index 0 .. E/2-1 */

/* Where sin and cos of frequency i go in a row of E values. */
typedef enum {
	POSENC_INTERLEAVED, /* the paper: PE[2i] = sin, PE[2i+1] = cos */
	POSENC_CONCAT,      /* many tutorials: PE[i] = sin, PE[E/2 + i] = cos (the paper's frequencies) */
} PosencLayout;

#define POSENC_DEFAULT_BASE 10000.0

/* "interleaved" / "concat" to a layout; false when s is neither. */
int posenc_parse_layout(const char *s, PosencLayout *layout);
const char *posenc_layout_name(PosencLayout layout);

/* omega_i = base^(-2i/E): the angular frequency of pair i (wavelengths 2 pi .. base * 2 pi). */
double posenc_frequency(size_t i, double base, size_t E);
/* The angle pos * omega_i, in double. */
double posenc_angle(size_t pos, size_t i, double base, size_t E);
/* Columns of the sin and the cos of pair i in a row of E values. */
void posenc_columns(size_t *sin_col, size_t *cos_col, size_t i, PosencLayout layout, size_t E);

/*
 * pe[T,E]: row t is position pos = offset + t,
 *   PE(pos, 2i) = sin(pos / base^(2i/E)),  PE(pos, 2i+1) = cos(pos / base^(2i/E))   (section 3.5)
 * in the interleaved layout; the concat layout puts the sin in column i and the cos in E/2 + i.
 * Computed in double, rounded once to float. E must be even.
 */
void posenc_table(float *pe, size_t offset, double base, PosencLayout layout, size_t T, size_t E);

/*
 * out[E] = M_k pe[E]: the fact section 3.5 states, "PE(pos+k) is a linear function of PE(pos)".
 * M_k is block diagonal, one 2x2 rotation per pair, not depending on pos:
 *   sin(a + k w) =  cos(k w) sin(a) + sin(k w) cos(a)
 *   cos(a + k w) = -sin(k w) sin(a) + cos(k w) cos(a)
 * so out equals PE(pos+k) whenever pe is PE(pos). Computed in double. E must be even.
 */
void posenc_shift(float *out, const float *pe, size_t k, double base, PosencLayout layout, size_t E);

/*
 * pe[T,E] = Tensor2Tensor's get_timing_signal_1d(length T, channels E, min_timescale, max_timescale,
 * start_index offset): with n = E/2 timescales (integer division) and
 *   inv_i = min_timescale * exp(-i * log(max_timescale / min_timescale) / max(n - 1, 1)),  i = 0 .. n-1,
 * row t holds sin(pos * inv_i) in column i and cos(pos * inv_i) in column n + i, pos = offset + t, and
 * a last column of zeros when E is odd. With the default min_timescale 1 the frequencies run from 1 down to
 * exactly 1/max_timescale (exponent i / (n-1)), where the paper's stop one step short (2i / E). T2T
 * multiplies by min_timescale (it does not divide by it): so do we. Computed in double, rounded once to float.
 */
void posenc_t2t_table(float *pe, size_t offset, double min_timescale, double max_timescale, size_t T, size_t E);

/* x[T,E] += pe[T,E] (the encoding is added to the embeddings, section 3.5) */
void posenc_add(float *x, const float *pe, size_t T, size_t E);

#endif
