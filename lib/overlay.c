/* SPDX-License-Identifier: MIT */
#include "overlay.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "patch.h"

size_t overlay_query_row(const Tensor *t, const char *query, const char *where)
{
	size_t T = tensor_rows(t);
	char *end;
	unsigned long long n;

	errno = 0;
	n = strtoull(query, &end, 10);
	if (*query >= '0' && *query <= '9' && *end == '\0') {
		if (errno == ERANGE || n >= T)
			die("%s: --query %s: the weights have %zu query rows (0 to %zu)", where, query, T, T - 1);
		return (size_t)n;
	}
	for (size_t r = 0; t->row_labels && r < T; r++)
		if (strcmp(t->row_labels[r], query) == 0)
			return r;
	die("%s: --query %s: no query row is labelled so%s", where, query,
	    t->row_labels ? "" : " (the rows have no labels: give the row's number)");
}

size_t *overlay_grid(char *const *col_labels, size_t S, size_t *R, size_t *G, const char *where)
{
	size_t rows = 0, cols = 0, patches = 0, *cell;

	for (size_t s = 0; col_labels && s < S; s++) {
		size_t i, j;
		if (!patch_label_parse(col_labels[s], &i, &j))
			continue;
		if (i >= IMAGE_MAX_SIDE || j >= IMAGE_MAX_SIDE)
			die("%s: column %s: a patch beyond any picture we read", where, col_labels[s]);
		rows = i + 1 > rows ? i + 1 : rows;
		cols = j + 1 > cols ? j + 1 : cols;
		patches++;
	}
	if (patches == 0)
		die("%s: --overlay needs key columns labelled p<row>_<column>, as embed --image labels patches "
		    "(these columns are %s)", where, col_labels ? "labelled otherwise" : "not labelled");
	if (patches != rows * cols)
		die("%s: the %zu columns labelled as patches are not one grid of %zu x %zu patches", where, patches,
		    rows, cols);
	cell = xmalloc(xmul(patches, sizeof(size_t), "patches"));
	for (size_t k = 0; k < patches; k++)
		cell[k] = SIZE_MAX;
	for (size_t s = 0; s < S; s++) {
		size_t i, j;
		if (!patch_label_parse(col_labels[s], &i, &j))
			continue;
		if (cell[i * cols + j] != SIZE_MAX)
			die("%s: two columns are labelled %s", where, col_labels[s]);
		cell[i * cols + j] = s;
	}
	*R = rows, *G = cols;
	return cell;
}

size_t overlay_patch_side(size_t width, size_t height, size_t R, size_t G, const char *picture, const char *where)
{
	size_t P = width / G < height / R ? width / G : height / R;

	if (P == 0 || width / P != G || height / P != R)
		die("%s: %s is %zu x %zu pixels: not a picture cut into the weights' %zu x %zu patches", where,
		    picture, width, height, G, R);
	return P;
}

/* The title strip above each panel when there are several, in pixels. */
static long title_height(const OverlayStyle *style)
{
	TextMetrics m;

	font_metrics(style->font, TEXT_LABEL, &m);
	return m.line;
}

/* Paint panel p's weights over pic into im at (x0, y0), pw x ph pixels. */
static void paint(Image *im, long x0, long y0, size_t pw, size_t ph, const Image *pic, const Panel *p,
		  const size_t *cell, size_t R, size_t G, size_t P, const OverlayStyle *style)
{
	double K = style->scale;

	for (size_t y = 0; y < ph; y++) {
		size_t sy = (size_t)((double)y / K), i = sy / P;
		if (sy >= pic->height)
			sy = pic->height - 1;
		for (size_t x = 0; x < pw; x++) {
			size_t sx = (size_t)((double)x / K), j = sx / P;
			const unsigned char *src;
			unsigned char *dst = im->pixels + 3 * ((size_t)(y0 + (long)y) * im->width + (size_t)(x0 + (long)x));
			double v = 0.0;
			Rgb c = { 0, 0, 0 };
			if (sx >= pic->width)
				sx = pic->width - 1;
			src = pic->pixels + 3 * (sy * pic->width + sx);
			if (i < R && j < G) { /* the right and bottom remainders of a cropped picture stay as they are */
				double w = p->data[cell[i * G + j]];
				v = (w - style->vmin) / (style->vmax - style->vmin);
				v = v < 0 ? 0 : v > 1 ? 1 : v;
				c = colormap_color(style->map, w, style->vmin, style->vmax);
			}
			double a = style->alpha * v;
			dst[0] = (unsigned char)lround((1 - a) * src[0] + a * c.r);
			dst[1] = (unsigned char)lround((1 - a) * src[1] + a * c.g);
			dst[2] = (unsigned char)lround((1 - a) * src[2] + a * c.b);
		}
	}
}

Image *overlay_image(const Image *pic, const Panel *panels, size_t count, size_t grid_cols, const size_t *cell,
		     size_t R, size_t G, size_t P, const OverlayStyle *style)
{
	size_t pw = (size_t)lround((double)pic->width * style->scale), ph = (size_t)lround((double)pic->height * style->scale);
	size_t gap = (size_t)lround(OVERLAY_GAP * style->scale), rows = (count + grid_cols - 1) / grid_cols;
	long title = count > 1 ? title_height(style) : 0;
	size_t cw = pw; /* the width of a column of panels */
	Image *im;

	pw = pw ? pw : 1, ph = ph ? ph : 1, cw = pw;
	if (count == 1) {
		im = image_new(pw, ph, (Rgb){ 255, 255, 255 });
		paint(im, 0, 0, pw, ph, pic, &panels[0], cell, R, G, P, style);
		return im;
	}
	for (size_t k = 0; k < count; k++) { /* a column as wide as the picture, or as its widest title */
		long w = font_width(style->font, TEXT_LABEL, panels[k].title);
		cw = (size_t)w > cw ? (size_t)w : cw;
	}
	im = image_new(gap + grid_cols * (cw + gap), gap + rows * ((size_t)title + ph + gap), (Rgb){ 255, 255, 255 });
	for (size_t k = 0; k < count; k++) {
		long x0 = (long)(gap + (k % grid_cols) * (cw + gap));
		long y0 = (long)(gap + (k / grid_cols) * ((size_t)title + ph + gap));
		font_draw(im, style->font, TEXT_LABEL, x0, y0 + 1, panels[k].title, (Rgb){ 0, 0, 0 }, false);
		paint(im, x0, y0 + title, pw, ph, pic, &panels[k], cell, R, G, P, style);
	}
	return im;
}
