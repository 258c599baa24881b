/* SPDX-License-Identifier: MIT */
/* floatfmt: float32 to the shortest text that reads back exactly, and text to float32, fast. */
#ifndef PF_FLOATFMT_H
#define PF_FLOATFMT_H

/*
 * buf (at least 16 bytes) = v as printf("%.*g", p, v) with the smallest p in 1..8 for which strtof
 * reads it back as v, else "%.9g" (nine digits always do): the stream's text numbers. Returns strlen(buf).
 * Computed with integer arithmetic on v's bits (one 64 x 24-bit product by a power of ten), as Ryu and
 * Schubfach do; the few values too close to a rounding boundary to decide that way (about one in
 * a million) and NaN / Inf take the snprintf + strtof loop it replaces, so the bytes never differ.
 */
int float_format_shortest(char *buf, float v);
/* The same, and *precision = the p it printed with (0 when it fell back on the reference loop). */
int float_format_shortest_p(char *buf, float v, int *precision);
/* The reference float_format_shortest must equal: the snprintf + strtof loop itself. */
int float_format_shortest_reference(char *buf, float v);

/*
 * strtof(s, end) for the C locale: plain decimals of at most 15 significant digits ("-1.25e-3") are
 * converted with one correctly rounded double operation; anything else (hex, inf, nan, more digits,
 * results outside the normal float range, or the rare double-rounding case) is handed to strtof,
 * which also sets errno as it does.
 */
float float_parse(const char *s, char **end);

#endif
