/* SPDX-License-Identifier: MIT */
/* image: an RGB raster, filled rectangles, text in a built-in 5x8 bitmap font, PNG writing (libpng). */
#ifndef PF_IMAGE_H
#define PF_IMAGE_H

#include <stddef.h>
#include <stdio.h>

#include "colormap.h"

/* Row-major pixels, 3 bytes (R, G, B) each: pixel (x, y) is at pixels + 3 * (y * width + x). */
typedef struct {
	size_t width, height;
	unsigned char *pixels;
} Image;

/* An image filled with one colour; dies when the size is zero or overflows. */
/* The largest image we draw (docs/heatmap.md): a side of at most IMAGE_MAX_SIDE pixels and at most
   IMAGE_MAX_PIXELS pixels in all (192 MiB of RGB); larger ones are refused before any allocation. */
#define IMAGE_MAX_SIDE 16384
#define IMAGE_MAX_PIXELS ((size_t)1 << 26)
Image *image_new(size_t width, size_t height, Rgb background);
void image_free(Image *im);

/* Fill the rectangle at (x, y) of w x h pixels; the parts outside the image are skipped. */
void image_fill(Image *im, long x, long y, long w, long h, Rgb c);

/* Mix colour c into pixel (x, y) with coverage alpha, 0 (none) to 255 (all); outside the image: nothing. */
void image_blend(Image *im, long x, long y, Rgb c, unsigned alpha);

/*
 * The font: glyphs of FONT_WIDTH x FONT_HEIGHT pixels (capitals and digits use the top 7 rows,
 * the last row holds descenders), FONT_ADVANCE pixels apart, lines FONT_LINE pixels apart.
 * Printable ASCII is drawn as is; every other byte, and the backslash, is drawn as the
 * four characters \xHH (as the text stream writes labels), so no byte is lost.
 */
#define FONT_WIDTH 5
#define FONT_HEIGHT 8
#define FONT_CAP_HEIGHT 7 /* capitals and digits: what to centre on a line */
#define FONT_ADVANCE 6
#define FONT_LINE 10

/* How many glyphs s takes once escaped (at most max_glyphs are drawn by the functions below). */
size_t text_glyphs(const char *s);
/* Width in pixels of the first n glyphs at this scale: n * FONT_ADVANCE * scale, less the last gap. */
size_t text_width(size_t n, int scale);

/* Draw s left to right with its top-left corner at (x, y), at most max_glyphs glyphs, each pixel scale x scale. */
void image_text(Image *im, long x, long y, const char *s, size_t max_glyphs, Rgb ink, int scale);
/*
 * Draw s turned 90 degrees counter-clockwise (reading upward), at most max_glyphs glyphs:
 * the first glyph's baseline side faces right and its start is at (x, y), the bottom-left
 * corner of the text; the text goes up to y - text_width(...) and is FONT_HEIGHT * scale wide.
 */
void image_text_up(Image *im, long x, long y, const char *s, size_t max_glyphs, Rgb ink, int scale);

/*
 * Write im as an 8-bit RGB PNG to path, or to stdout when path is "-". A file is written
 * under a temporary name in the same directory and renamed into place only when complete,
 * so a failure never leaves a partial file. The bytes depend on the pixels only (no time
 * stamp), so the same image gives the same file. Dies with "path: what" on failure.
 */
void image_write_png(const Image *im, const char *path);

#endif
