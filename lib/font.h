/* SPDX-License-Identifier: MIT */
/* font: text for the pictures: FreeType glyphs found by fontconfig, falling back per character, or the built-in bitmap font. */
#ifndef PF_FONT_H
#define PF_FONT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "colormap.h"
#include "image.h"

typedef struct Font Font;

/* What a piece of text is: labels, the colour bar's numbers and panel titles, or the picture's title. */
typedef enum { TEXT_LABEL, TEXT_TITLE } TextRole;

/* Pixel sizes of one role. Text is placed by the top of its capitals, so that digits and capitals centre. */
typedef struct {
	long cap;     /* height of a capital above the baseline */
	long descent; /* below the baseline (g, p, y) */
	long line;    /* from one line to the next: the least room a line of labels needs */
	long advance; /* the advance of a digit: the unit of gaps between labels and of label lengths */
	double px;    /* the em size in pixels (SVG's font-size) */
} TextMetrics;

/* The default size of labels in pixels at --scale 1; titles are 1.5 times larger. */
#define FONT_DEFAULT_PX 12

/*
 * Open the text renderer for labels of size_px pixels (titles 1.5 times that):
 *   file == NULL: DejaVu Sans as fontconfig finds it; each character the face lacks (Chinese,
 *     Japanese, Korean, ...) comes from the first font fontconfig knows to cover it;
 *   file == "builtin": the 5x8 bitmap font at the whole-number scale nearest scale (at least 1),
 *     titles twice that; size_px is not used;
 *   else the font file (TrueType, OpenType, .ttc), with the same per-character fallback.
 * When no font is found at all (file == NULL), one warning and the bitmap font. An unreadable
 * font file is an error: "file: not a font FreeType can read".
 */
Font *font_open(const char *file, double size_px, double scale);
void font_free(Font *f);

bool font_is_builtin(const Font *f);
/* The family names to write into a SVG's font-family, most wanted first, ending in "sans-serif". */
const char *font_families(const Font *f);

void font_metrics(Font *f, TextRole role, TextMetrics *m);
/* The width of s in pixels (the sum of its advances). */
long font_width(Font *f, TextRole role, const char *s);

/*
 * s when it is at most max_width pixels wide, else its longest start of whole characters followed by an
 * ellipsis ("…"; "..." in the bitmap font) that fits, never cutting a UTF-8 sequence. A new string.
 */
char *font_fit(Font *f, TextRole role, const char *s, long max_width);

/*
 * Draw s (UTF-8) in ink, anti-aliased, with the top of its capitals at y and its start at x, or,
 * with up, turned 90 degrees counter-clockwise (reading upward): its start at (x, y), the top of its
 * capitals facing left at x, the text going up from y.
 */
void font_draw(Image *im, Font *f, TextRole role, long x, long y, const char *s, Rgb ink, bool up);

/*
 * The characters of s as drawn: one valid UTF-8 character of U+0020 and above (but DEL and the
 * backslash) is itself; any other byte is the four characters \xHH, as the text stream writes labels.
 * With ascii_only (the bitmap font) every byte above 0x7e is escaped too. Reads one character or byte
 * at *p, advances *p past it, fills cp and returns the count (1 or 4); 0 at the end of s.
 */
size_t text_next(const char **p, uint32_t cp[4], bool ascii_only);

#endif
