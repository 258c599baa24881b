#include "heatmap.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "stream.h"

/* T = query positions (rows), S = key positions (columns), H = heads, L = layers */

#define PAD 8            /* outer margin and the gap between panels */
#define BAR_WIDTH 12     /* the colour bar's width */
#define BAR_MIN_HEIGHT 64
#define GAP 3            /* between a label and its heatmap */

static const Rgb white = { 255, 255, 255 }, black = { 0, 0, 0 };

/* Clip [*begin, *end) to n positions; die when nothing is left. */
static void crop(size_t *begin, size_t *end, size_t n, const char *where, const char *option, const char *what)
{
	if (*end > n)
		*end = n;
	if (*begin >= *end)
		die("%s: %s selects no %s (the tensor has %zu)", where, option, what, n);
}

Panel *heatmap_panels(const Tensor *t, const PanelSelect *sel, const char *where, size_t *count,
		      size_t *grid_cols)
{
	size_t layers = t->ndim == 4 ? t->shape[0] : 1, heads = t->ndim >= 3 ? t->shape[t->ndim - 3] : 1;
	size_t l0 = 0, l1 = layers, h0 = 0, h1 = heads;
	size_t r0 = sel->row_begin, r1 = sel->row_end, c0 = sel->col_begin, c1 = sel->col_end;
	size_t T, S, n = 0;
	Panel *panels;

	if (t->ndim < 2)
		die("%s: a heatmap needs a 2-D, 3-D or 4-D tensor, not a 1-D one", where);
	T = tensor_rows(t);
	S = tensor_cols(t);
	if (t->size == 0)
		die("%s: the tensor is empty (%zu x %zu cells)", where, T, S);
	if (sel->layer >= 0) {
		if (t->ndim != 4)
			die("%s: --layer needs a 4-D tensor [L,H,T,S], not a %d-D one", where, t->ndim);
		if ((size_t)sel->layer >= layers)
			die("%s: --layer %ld: the tensor has %zu layers (0 to %zu)", where, sel->layer, layers,
			    layers - 1);
		l0 = (size_t)sel->layer, l1 = l0 + 1;
	}
	if (sel->head >= 0) {
		if (t->ndim < 3)
			die("%s: --head needs a 3-D [H,T,S] or 4-D tensor, not a 2-D one", where);
		if ((size_t)sel->head >= heads)
			die("%s: --head %ld: the tensor has %zu heads (0 to %zu)", where, sel->head, heads, heads - 1);
		h0 = (size_t)sel->head, h1 = h0 + 1;
	}
	crop(&r0, &r1, T, where, "--rows", "rows");
	crop(&c0, &c1, S, where, "--cols", "columns");

	panels = xcalloc(xmul(l1 - l0, h1 - h0, "panels"), sizeof(*panels));
	for (size_t l = l0; l < l1; l++)
		for (size_t h = h0; h < h1; h++, n++) {
			Panel *p = &panels[n];
			/* matrix (l, h) starts at (l * H + h) * T * S */
			p->data = t->data + ((l * heads + h) * T + r0) * S + c0;
			p->rows = r1 - r0;
			p->cols = c1 - c0;
			p->stride = S;
			p->row_labels = t->row_labels ? t->row_labels + r0 : NULL;
			p->col_labels = t->col_labels ? t->col_labels + c0 : NULL;
			p->row0 = r0;
			p->col0 = c0;
			if (t->ndim == 4)
				snprintf(p->title, sizeof(p->title), "layer %zu head %zu", l, h);
			else if (t->ndim == 3)
				snprintf(p->title, sizeof(p->title), "head %zu", h);
		}
	*count = n;
	if (t->ndim == 4)
		*grid_cols = h1 - h0;
	else if (n <= 4)
		*grid_cols = n;
	else
		*grid_cols = (size_t)ceil(sqrt((double)n));
	return panels;
}

void heatmap_range(const Panel *panels, size_t count, double *lo, double *hi)
{
	*lo = INFINITY;
	*hi = -INFINITY;
	for (size_t i = 0; i < count; i++)
		for (size_t r = 0; r < panels[i].rows; r++) {
			const float *row = panels[i].data + r * panels[i].stride;
			for (size_t c = 0; c < panels[i].cols; c++) {
				*lo = fmin(*lo, row[c]);
				*hi = fmax(*hi, row[c]);
			}
		}
}

void heatmap_default_scale(double lo, double hi, double *vmin, double *vmax)
{
	*vmin = lo >= 0 && hi <= 1 ? 0 : lo;
	*vmax = hi;
	if (lo < 0)
		*vmax = fmax(-lo, hi), *vmin = -*vmax;
	if (lo == hi)
		*vmax = lo + 1;
}

static size_t grid_rows(size_t count, size_t grid_cols)
{
	return (count + grid_cols - 1) / grid_cols;
}

size_t heatmap_default_cell(const Panel *panels, size_t count, size_t grid_cols)
{
	size_t wide = grid_cols * panels[0].cols, tall = grid_rows(count, grid_cols) * panels[0].rows;
	size_t cell = 2048 / (wide > tall ? wide : tall);

	return cell < 1 ? 1 : cell > 32 ? 32 : cell;
}

/* Label i of a panel axis: the token, or its number when the stream has no labels. */
static const char *label_at(char *const *labels, size_t offset, size_t i, char *buf, size_t size)
{
	if (labels)
		return labels[i];
	snprintf(buf, size, "%zu", offset + i);
	return buf;
}

static size_t longest_label(char *const *labels, size_t offset, size_t n)
{
	size_t longest = 0;
	char buf[32];

	for (size_t i = 0; i < n; i++) {
		size_t g = text_glyphs(label_at(labels, offset, i, buf, sizeof(buf)));
		if (g > longest)
			longest = g;
	}
	return longest < HEATMAP_LABEL_GLYPHS ? longest : HEATMAP_LABEL_GLYPHS;
}

/* Draw one label every `every` positions, so that labels never overlap when cells are small. */
static size_t label_stride(size_t cell)
{
	return (FONT_LINE + cell - 1) / cell;
}

/* A value as it is written in a cell: 2 decimals, or 3 significant digits when that is too wide. */
static size_t format_value(char *buf, size_t size, double v, size_t cell)
{
	snprintf(buf, size, "%.2f", v);
	if (text_width(strlen(buf), 1) + 2 > cell)
		snprintf(buf, size, "%.3g", v);
	return strlen(buf);
}

static Rgb ink_on(Rgb c)
{
	/* Rec. 601 luma: dark text on light cells, light text on dark ones */
	return 0.299 * c.r + 0.587 * c.g + 0.114 * c.b > 140 ? black : white;
}

/* The layout shared by every panel (all panels have the same shape and labels). */
typedef struct {
	size_t cell;
	size_t label_w;   /* row labels, left of the cells */
	size_t title_h;   /* the panel's title line */
	size_t col_h;     /* column labels, above the cells */
	int cols_up;      /* column labels written upward */
	size_t box_w, box_h;
} Layout;

static void draw_panel(Image *im, const Panel *p, const Layout *lo, const HeatmapStyle *st, long x, long y)
{
	long cx = x + (long)lo->label_w, cy = y + (long)(lo->title_h + lo->col_h); /* the cells' top-left */
	size_t every = label_stride(lo->cell);
	long cell = (long)lo->cell;
	char buf[32];

	if (p->title[0])
		image_text(im, cx, y, p->title, sizeof(p->title), black, 1);
	for (size_t r = 0; r < p->rows; r++) {
		const float *row = p->data + r * p->stride;
		for (size_t c = 0; c < p->cols; c++) {
			Rgb color = colormap_color(st->map, row[c], st->vmin, st->vmax);
			image_fill(im, cx + (long)c * cell, cy + (long)r * cell, cell, cell, color);
			if (st->annotate && lo->cell >= HEATMAP_ANNOTATE_CELL) {
				size_t n = format_value(buf, sizeof(buf), row[c], lo->cell);
				long w = (long)text_width(n, 1);
				if (w + 2 <= cell)
					image_text(im, cx + (long)c * cell + (cell - w) / 2,
						   cy + (long)r * cell + (cell - FONT_CAP_HEIGHT) / 2, buf, n, ink_on(color), 1);
			}
		}
	}
	for (size_t r = 0; r < p->rows; r += every) {
		const char *s = label_at(p->row_labels, p->row0, r, buf, sizeof(buf));
		size_t g = text_glyphs(s);
		long w = (long)text_width(g < HEATMAP_LABEL_GLYPHS ? g : HEATMAP_LABEL_GLYPHS, 1);
		image_text(im, cx - GAP - w, cy + (long)r * cell + (cell - FONT_CAP_HEIGHT) / 2, s, HEATMAP_LABEL_GLYPHS, black, 1);
	}
	for (size_t c = 0; c < p->cols; c += every) {
		const char *s = label_at(p->col_labels, p->col0, c, buf, sizeof(buf));
		if (lo->cols_up) {
			image_text_up(im, cx + (long)c * cell + (cell - FONT_HEIGHT + 1) / 2, cy - GAP, s,
				      HEATMAP_LABEL_GLYPHS, black);
		} else {
			long w = (long)text_width(text_glyphs(s), 1);
			image_text(im, cx + (long)c * cell + (cell - w) / 2, cy - GAP - FONT_CAP_HEIGHT, s, HEATMAP_LABEL_GLYPHS,
				   black, 1);
		}
	}
}

Image *heatmap_image(const Panel *panels, size_t count, size_t grid_cols, const HeatmapStyle *st)
{
	const Panel *p = &panels[0];
	size_t gr = grid_rows(count, grid_cols), cell = st->cell;
	size_t col_glyphs = longest_label(p->col_labels, p->col0, p->cols);
	size_t title_h = st->title && st->title[0] ? 2 * FONT_LINE + PAD : 0;
	size_t bar_h, bar_w, bar_x, bar_y, grid_w, grid_h, width, height;
	char vmin_s[32], vmax_s[32];
	Layout lo = { .cell = cell };
	Image *im;

	lo.label_w = text_width(longest_label(p->row_labels, p->row0, p->rows), 1) + GAP;
	lo.title_h = p->title[0] ? FONT_LINE + 2 : 0;
	lo.cols_up = text_width(col_glyphs, 1) + FONT_ADVANCE > cell; /* a glyph's width between labels */
	lo.col_h = (lo.cols_up ? text_width(col_glyphs, 1) : FONT_CAP_HEIGHT) + GAP + 1;
	lo.box_w = lo.label_w + xmul(p->cols, cell, "image width");
	lo.box_h = lo.title_h + lo.col_h + xmul(p->rows, cell, "image height");
	grid_w = xmul(grid_cols, lo.box_w + PAD, "image width") - PAD;
	grid_h = xmul(gr, lo.box_h + PAD, "image height") - PAD;

	/* the colour bar: as tall as one panel's cells (at least BAR_MIN_HEIGHT), its values on its right */
	snprintf(vmin_s, sizeof(vmin_s), "%.4g", st->vmin);
	snprintf(vmax_s, sizeof(vmax_s), "%.4g", st->vmax);
	bar_h = p->rows * cell < BAR_MIN_HEIGHT ? BAR_MIN_HEIGHT : p->rows * cell;
	bar_w = BAR_WIDTH + GAP + text_width(strlen(vmin_s) > strlen(vmax_s) ? strlen(vmin_s) : strlen(vmax_s), 1);
	bar_x = PAD + grid_w + 2 * PAD;
	bar_y = PAD + title_h + lo.title_h + lo.col_h;

	width = bar_x + bar_w + PAD;
	if (title_h && width < 2 * PAD + text_width(text_glyphs(st->title), 2))
		width = 2 * PAD + text_width(text_glyphs(st->title), 2);
	height = PAD + title_h + grid_h;
	if (height < bar_y + bar_h)
		height = bar_y + bar_h;
	height += PAD;
	im = image_new(width, height, white);

	if (title_h)
		image_text(im, PAD, PAD, st->title, SIZE_MAX, black, 2);
	for (size_t i = 0; i < count; i++) {
		size_t gx = i % grid_cols, gy = i / grid_cols;
		draw_panel(im, &panels[i], &lo, st, (long)(PAD + gx * (lo.box_w + PAD)),
			   (long)(PAD + title_h + gy * (lo.box_h + PAD)));
	}
	for (size_t j = 0; j < bar_h; j++) /* top row: the last colour (vmax); bottom row: the first (vmin) */
		image_fill(im, (long)bar_x, (long)(bar_y + j), BAR_WIDTH, 1,
			   st->map->lut[(bar_h - 1 - j) * (COLORMAP_N - 1) / (bar_h - 1)]);
	image_text(im, (long)(bar_x + BAR_WIDTH + GAP), (long)bar_y, vmax_s, SIZE_MAX, black, 1);
	image_text(im, (long)(bar_x + BAR_WIDTH + GAP), (long)(bar_y + bar_h - FONT_CAP_HEIGHT), vmin_s, SIZE_MAX, black, 1);
	return im;
}

/* ANSI: "ESC[48;2;R;G;Bm" sets a 24-bit background colour, "ESC[38;2;R;G;Bm" the text colour, "ESC[0m" resets. */
static void ansi_cells(FILE *f, Rgb c, const char *text)
{
	Rgb ink = ink_on(c);

	fprintf(f, "\033[48;2;%d;%d;%dm\033[38;2;%d;%d;%dm%s", c.r, c.g, c.b, ink.r, ink.g, ink.b, text);
}

static size_t escaped_len(const char *s)
{
	char *e = label_escape_str(s, NULL);
	size_t n = strlen(e);

	free(e);
	return n;
}

void heatmap_ansi(FILE *f, const Panel *panels, size_t count, const HeatmapStyle *st)
{
	size_t w = st->annotate ? 7 : 2; /* characters per cell */
	char buf[32], text[32];

	if (st->title && st->title[0]) { /* names come from the input: escape what would command the terminal */
		fputs_printable(st->title, f);
		fputs("\n\n", f);
	}
	for (size_t i = 0; i < count; i++) {
		const Panel *p = &panels[i];
		size_t label_w = 0, col_len = 0;
		for (size_t r = 0; r < p->rows; r++) {
			size_t n = escaped_len(label_at(p->row_labels, p->row0, r, buf, sizeof(buf)));
			label_w = n > label_w ? n : label_w;
		}
		for (size_t c = 0; c < p->cols; c++) {
			size_t n = escaped_len(label_at(p->col_labels, p->col0, c, buf, sizeof(buf)));
			col_len = n > col_len ? n : col_len;
		}
		if (p->title[0]) {
			fputs_printable(p->title, f);
			fputc('\n', f);
		}
		/* column labels written downward, one character per line */
		for (size_t k = 0; k < col_len; k++) {
			fprintf(f, "%*s ", (int)label_w, "");
			for (size_t c = 0; c < p->cols; c++) {
				char *e = label_escape_str(label_at(p->col_labels, p->col0, c, buf, sizeof(buf)), NULL);
				fprintf(f, "%*s%c", (int)(w - 1), "", k < strlen(e) ? e[k] : ' ');
				free(e);
			}
			fputc('\n', f);
		}
		for (size_t r = 0; r < p->rows; r++) {
			const float *row = p->data + r * p->stride;
			char *e = label_escape_str(label_at(p->row_labels, p->row0, r, buf, sizeof(buf)), NULL);
			fprintf(f, "%*s ", (int)label_w, e);
			free(e);
			for (size_t c = 0; c < p->cols; c++) {
				/* with --annotate a space and six characters: 2 decimals, else none, else a power of ten */
				if (!st->annotate)
					snprintf(text, sizeof(text), "  ");
				else if (snprintf(text, sizeof(text), " %6.2f", row[c]) > 7 &&
					 snprintf(text, sizeof(text), " %6.0f", row[c]) > 7)
					snprintf(text, sizeof(text), " %6.0e", row[c]);
				ansi_cells(f, colormap_color(st->map, row[c], st->vmin, st->vmax), text);
			}
			fputs("\033[0m\n", f);
		}
		fputc('\n', f);
	}
	/* the colour bar: 32 steps from vmin to vmax */
	fprintf(f, "%.4g ", st->vmin);
	for (size_t k = 0; k < 32; k++)
		ansi_cells(f, st->map->lut[k * (COLORMAP_N - 1) / 31], " ");
	fprintf(f, "\033[0m %.4g\n", st->vmax);
}
