/* SPDX-License-Identifier: MIT */
/* utf8: one decoder of UTF-8 for labels, messages and pictures; encoding; a character's width on a terminal. */
#ifndef PF_UTF8_H
#define PF_UTF8_H

#include <stddef.h>
#include <stdint.h>

/*
 * The character at s when it is valid UTF-8 (no overlong form, no surrogate, at most U+10FFFF): its code
 * point into *cp and its length in bytes, 1 to 4. 0 at the end of s (NUL) and at a byte that does not start
 * a valid sequence. ASCII bytes, control bytes included, are characters of length 1.
 */
size_t utf8_decode(const char *s, uint32_t *cp);
/* Character c (below U+110000) as UTF-8 into out; the number of bytes, 1 to 4. */
size_t utf8_encode(char out[4], uint32_t c);
/* A control character: C0 (below U+0020), DEL (U+007F) or C1 (U+0080 to U+009F), which a terminal obeys. */
int utf8_is_control(uint32_t c);
/*
 * Columns a terminal gives printable character c: 0 for combining marks and zero-width characters, 2 for
 * the wide characters of East Asian scripts and emoji, else 1 (a compact table of the common ranges).
 */
size_t utf8_width(uint32_t c);

#endif
