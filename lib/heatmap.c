/* SPDX-License-Identifier: MIT */
#include "heatmap.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "font.h"
#include "stream.h"
#include "utf8.h"

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
			p->layer = l;
			p->head = h;
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

size_t heatmap_range(const Panel *panels, size_t count, double *lo, double *hi)
{
	size_t masked = 0;

	*lo = INFINITY;
	*hi = -INFINITY;
	for (size_t i = 0; i < count; i++)
		for (size_t r = 0; r < panels[i].rows; r++) {
			const float *row = panels[i].data + r * panels[i].stride;
			for (size_t c = 0; c < panels[i].cols; c++) {
				if (HEATMAP_MASKED(row[c])) {
					masked++;
					continue;
				}
				*lo = fmin(*lo, row[c]);
				*hi = fmax(*hi, row[c]);
			}
		}
	if (masked && *lo > *hi) /* every cell masked: any scale will do */
		*lo = *hi = 0;
	return masked;
}

bool heatmap_rows_sum_to_one(const Tensor *t)
{
	size_t S = tensor_cols(t);

	for (size_t i = 0; i < t->size; i += S) {
		/* the sum in double: a float32 softmax row of S weights is within S * 2^-24 of 1 */
		double sum = 0;
		for (size_t s = 0; s < S; s++) {
			float w = t->data[i + s];
			if (HEATMAP_MASKED(w))
				continue;
			if (!(w >= 0 && w <= 1))
				return false;
			sum += w;
		}
		/* a row whose every key is blocked weighs 0 everywhere (lib/attention): still weights */
		if (fabs(sum - 1) > 1e-3 && sum != 0)
			return false;
	}
	return t->size > 0;
}

void heatmap_default_scale(double lo, double hi, bool weights, double *vmin, double *vmax)
{
	if (weights) { /* a weight is a share of 1: the same colour means the same share in every picture */
		*vmin = 0, *vmax = 1;
		return;
	}
	*vmin = lo >= 0 && hi <= 1 ? 0 : lo;
	*vmax = hi;
	if (lo < 0 && hi > 0) /* signed data: 0 in the middle */
		*vmax = fmax(-lo, hi), *vmin = -*vmax;
	else if (hi <= 0 && lo < 0) /* all at or below 0 (log-probabilities): lo up to 0, the best */
		*vmax = 0;
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

const char *heatmap_label(char *const *labels, size_t offset, size_t i, char *buf, size_t size)
{
	if (labels)
		return labels[i];
	snprintf(buf, size, "%zu", offset + i);
	return buf;
}

static Rgb ink_on(Rgb c)
{
	/* Rec. 601 luma: dark text on light cells, light text on dark ones */
	return 0.299 * c.r + 0.587 * c.g + 0.114 * c.b > 140 ? black : white;
}

/*
 * Where the picture goes: a raster (PNG) or SVG elements, drawn by the same layout code. A
 * piece of text lies in the span [x, x + span) of its line, at its start, end or middle.
 */
typedef enum { ALIGN_START, ALIGN_END, ALIGN_MIDDLE } Align;

typedef struct {
	Image *im;  /* the raster, or NULL */
	FILE *svg;  /* the SVG, or NULL */
	Font *font;
} Canvas;

static void canvas_rect(Canvas *cv, long x, long y, long w, long h, Rgb c)
{
	if (cv->im)
		image_fill(cv->im, x, y, w, h, c);
	else
		fprintf(cv->svg, "<rect x=\"%ld\" y=\"%ld\" width=\"%ld\" height=\"%ld\" fill=\"#%02x%02x%02x\"/>\n", x,
			y, w, h, c.r, c.g, c.b);
}

/*
 * Masked cells: a light grey hatched with dark grey lines going up to the right, HATCH pixels apart, in
 * the picture's coordinates (the lines of neighbouring cells join). No colour map has the pattern.
 */
#define HATCH 6
static const Rgb masked_fill = { 232, 232, 232 }, masked_line = { 150, 150, 150 };

static void canvas_masked(Canvas *cv, long x, long y, long w, long h)
{
	if (cv->svg) {
		fprintf(cv->svg, "<rect x=\"%ld\" y=\"%ld\" width=\"%ld\" height=\"%ld\" fill=\"url(#masked)\"/>\n", x, y,
			w, h);
		return;
	}
	image_fill(cv->im, x, y, w, h, masked_fill);
	for (long j = y; j < y + h; j++)
		for (long i = x; i < x + w; i++)
			if ((i + j) % HATCH == 0)
				image_fill(cv->im, i, j, 1, 1, masked_line);
}

/* The SVG pattern canvas_masked fills with: the same pixels as the raster's hatching. */
static void svg_masked_pattern(FILE *f)
{
	fprintf(f,
		"<defs><pattern id=\"masked\" width=\"%d\" height=\"%d\" patternUnits=\"userSpaceOnUse\">"
		"<rect width=\"%d\" height=\"%d\" fill=\"#%02x%02x%02x\"/>",
		HATCH, HATCH, HATCH, HATCH, masked_fill.r, masked_fill.g, masked_fill.b);
	for (int k = 0; k < HATCH; k++) /* the pixels with (x + y) % HATCH == 0 */
		fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"1\" height=\"1\" fill=\"#%02x%02x%02x\"/>", k,
			(HATCH - k) % HATCH, masked_line.r, masked_line.g, masked_line.b);
	fputs("</pattern></defs>\n", f);
}

void heatmap_xml_text(FILE *f, const char *s)
{
	uint32_t cp[4];
	char utf8[4];

	for (size_t n; (n = text_next(&s, cp, false)) > 0;)
		for (size_t i = 0; i < n; i++) {
			uint32_t c = cp[i];
			if (c == '&')
				fputs("&amp;", f);
			else if (c == '<')
				fputs("&lt;", f);
			else if (c == '>')
				fputs("&gt;", f);
			else if (c == '"')
				fputs("&quot;", f);
			else
				fwrite(utf8, 1, utf8_encode(utf8, c), f);
		}
}

/* Text with the top of its capitals at y; upward text starts at (x, y) and reads up, its capitals' top at x. */
static void canvas_text(Canvas *cv, TextRole role, long x, long span, long y, const char *s, Rgb ink, Align align,
			bool up)
{
	static const char *const anchor[] = { "start", "end", "middle" };
	TextMetrics m;

	if (cv->im) {
		long w = align == ALIGN_START ? 0 : font_width(cv->font, role, s);
		font_draw(cv->im, cv->font, role, align == ALIGN_START ? x : align == ALIGN_END ? x + span - w : x + (span - w) / 2,
			  y, s, ink, up);
		return;
	}
	font_metrics(cv->font, role, &m);
	if (up)
		fprintf(cv->svg, "<text transform=\"translate(%ld %ld) rotate(-90)\" y=\"%ld\"", x, y, m.cap);
	else
		fprintf(cv->svg, "<text x=\"%g\" y=\"%ld\"",
			align == ALIGN_START ? (double)x : align == ALIGN_END ? (double)(x + span) : x + span / 2.0, y + m.cap);
	if (align != ALIGN_START)
		fprintf(cv->svg, " text-anchor=\"%s\"", anchor[align]);
	if (role == TEXT_TITLE)
		fprintf(cv->svg, " font-size=\"%g\"", m.px);
	if (ink.r || ink.g || ink.b)
		fprintf(cv->svg, " fill=\"#%02x%02x%02x\"", ink.r, ink.g, ink.b);
	fputc('>', cv->svg);
	heatmap_xml_text(cv->svg, s);
	fputs("</text>\n", cv->svg);
}

/* The layout shared by every panel (all panels have the same shape and labels). */
typedef struct {
	long pad, gap, bar_width; /* margins and the colour bar's width, times the scale */
	long cell;
	long label_max;   /* labels are shortened to this width */
	long label_w;     /* row labels, left of the cells */
	long title_h;     /* the panel's title line */
	long col_h;       /* column labels, above the cells */
	bool cols_up;     /* column labels written upward */
	long every;       /* one label every so many positions, so that labels never overlap */
	long annotate_min; /* the smallest cell that holds a value */
	long box_w, box_h;
	TextMetrics label;
} Layout;

size_t heatmap_annotate_cell(Font *font)
{
	return (size_t)font_width(font, TEXT_LABEL, "0.00") + 2; /* a pixel of margin each side */
}

/* A value as it is written in a cell: 2 decimals, or 3 significant digits when that is too wide. */
static void format_value(char *buf, size_t size, double v, Font *font, long cell)
{
	snprintf(buf, size, "%.2f", v);
	if (font_width(font, TEXT_LABEL, buf) + 2 > cell)
		snprintf(buf, size, "%.3g", v);
}

/* The widest label of an axis, once shortened. */
static long longest_label(Font *font, char *const *labels, size_t offset, size_t n, long max)
{
	long longest = 0;
	char buf[32];

	for (size_t i = 0; i < n; i++) {
		char *s = font_fit(font, TEXT_LABEL, heatmap_label(labels, offset, i, buf, sizeof(buf)), max);
		long w = font_width(font, TEXT_LABEL, s);
		free(s);
		if (w > longest)
			longest = w;
	}
	return longest;
}

static void draw_panel(Canvas *cv, const Panel *p, const Layout *lo, const HeatmapStyle *st, long x, long y)
{
	long cx = x + lo->label_w, cy = y + lo->title_h + lo->col_h; /* the cells' top-left */
	long cell = lo->cell;
	char buf[32];

	if (p->title[0])
		canvas_text(cv, TEXT_LABEL, cx, 0, y, p->title, black, ALIGN_START, false);
	for (size_t r = 0; r < p->rows; r++) {
		const float *row = p->data + r * p->stride;
		/* a run of cells of one colour (or masked) is one rectangle (the same pixels; a smaller SVG) */
		for (size_t c = 0, c1; c < p->cols; c = c1) {
			Rgb color = colormap_color(st->map, row[c], st->vmin, st->vmax), next;
			bool masked = HEATMAP_MASKED(row[c]);
			for (c1 = c + 1; c1 < p->cols; c1++) {
				next = colormap_color(st->map, row[c1], st->vmin, st->vmax);
				if (HEATMAP_MASKED(row[c1]) != masked ||
				    (!masked && (next.r != color.r || next.g != color.g || next.b != color.b)))
					break;
			}
			if (masked)
				canvas_masked(cv, cx + (long)c * cell, cy + (long)r * cell, (long)(c1 - c) * cell, cell);
			else
				canvas_rect(cv, cx + (long)c * cell, cy + (long)r * cell, (long)(c1 - c) * cell, cell, color);
		}
		if (!st->annotate || cell < lo->annotate_min)
			continue;
		for (size_t c = 0; c < p->cols; c++) {
			if (HEATMAP_MASKED(row[c]))
				continue;
			format_value(buf, sizeof(buf), row[c], cv->font, cell);
			if (font_width(cv->font, TEXT_LABEL, buf) + 2 <= cell)
				canvas_text(cv, TEXT_LABEL, cx + (long)c * cell, cell, cy + (long)r * cell + (cell - lo->label.cap) / 2,
					    buf, ink_on(colormap_color(st->map, row[c], st->vmin, st->vmax)), ALIGN_MIDDLE, false);
		}
	}
	for (size_t r = 0; r < p->rows; r += (size_t)lo->every) {
		char *s = font_fit(cv->font, TEXT_LABEL, heatmap_label(p->row_labels, p->row0, r, buf, sizeof(buf)), lo->label_max);
		canvas_text(cv, TEXT_LABEL, cx - lo->gap, 0, cy + (long)r * cell + (cell - lo->label.cap) / 2, s, black,
			    ALIGN_END, false);
		free(s);
	}
	for (size_t c = 0; c < p->cols; c += (size_t)lo->every) {
		char *s = font_fit(cv->font, TEXT_LABEL, heatmap_label(p->col_labels, p->col0, c, buf, sizeof(buf)), lo->label_max);
		if (lo->cols_up)
			canvas_text(cv, TEXT_LABEL, cx + (long)c * cell + (cell - lo->label.cap - lo->label.descent + 1) / 2, 0,
				    cy - lo->gap, s, black, ALIGN_START, true);
		else
			canvas_text(cv, TEXT_LABEL, cx + (long)c * cell, cell, cy - lo->gap - lo->label.cap, s, black,
				    ALIGN_MIDDLE, false);
		free(s);
	}
}

/* n pixels at the style's scale */
static long scaled(const HeatmapStyle *st, long n)
{
	return st->scale > 0 ? lround((double)n * st->scale) : n;
}

/* Lay the picture out, then draw it on the canvas, which is made (cv->im) or started (cv->svg) here. */
static void heatmap_draw(Canvas *cv, const Panel *panels, size_t count, size_t grid_cols, const HeatmapStyle *st)
{
	const Panel *p = &panels[0];
	Font *font = st->font;
	long gr = (long)grid_rows(count, grid_cols), cell = (long)st->cell, title_h = 0;
	long bar_h, bar_w, bar_x, bar_y, grid_w, grid_h, width, height, pad = scaled(st, PAD);
	char vmin_s[32], vmax_s[32];
	TextMetrics tm;
	Layout lo = { .cell = cell, .pad = pad, .gap = scaled(st, GAP), .bar_width = scaled(st, BAR_WIDTH) };
	long col_w;

	font_metrics(font, TEXT_LABEL, &lo.label);
	font_metrics(font, TEXT_TITLE, &tm);
	if (st->title && st->title[0])
		title_h = tm.line + pad;
	lo.label_max = font_width(font, TEXT_LABEL, "0000000000000000"); /* 16 digits */
	lo.every = (lo.label.line + cell - 1) / cell;
	lo.annotate_min = (long)heatmap_annotate_cell(font);
	col_w = longest_label(font, p->col_labels, p->col0, p->cols, lo.label_max);
	lo.label_w = longest_label(font, p->row_labels, p->row0, p->rows, lo.label_max) + lo.gap;
	lo.title_h = p->title[0] ? lo.label.line + scaled(st, 2) : 0;
	lo.cols_up = col_w + lo.label.advance > cell; /* a digit's width between labels */
	lo.col_h = (lo.cols_up ? col_w : lo.label.cap) + lo.gap + scaled(st, 1);
	lo.box_w = lo.label_w + (long)xmul(p->cols, (size_t)cell, "image width");
	lo.box_h = lo.title_h + lo.col_h + (long)xmul(p->rows, (size_t)cell, "image height");
	grid_w = (long)xmul(grid_cols, (size_t)(lo.box_w + pad), "image width") - pad;
	grid_h = (long)xmul((size_t)gr, (size_t)(lo.box_h + pad), "image height") - pad;

	/* the colour bar: as tall as one panel's cells (at least BAR_MIN_HEIGHT), its values on its right */
	snprintf(vmin_s, sizeof(vmin_s), "%.4g", st->vmin);
	snprintf(vmax_s, sizeof(vmax_s), "%.4g", st->vmax);
	bar_h = (long)p->rows * cell < scaled(st, BAR_MIN_HEIGHT) ? scaled(st, BAR_MIN_HEIGHT) : (long)p->rows * cell;
	bar_w = font_width(font, TEXT_LABEL, vmin_s) > font_width(font, TEXT_LABEL, vmax_s) ? font_width(font, TEXT_LABEL, vmin_s)
										  : font_width(font, TEXT_LABEL, vmax_s);
	bar_w += lo.bar_width + lo.gap;
	bar_x = pad + grid_w + 2 * pad;
	bar_y = pad + title_h + lo.title_h + lo.col_h;

	width = bar_x + bar_w + pad;
	if (title_h && width < 2 * pad + font_width(font, TEXT_TITLE, st->title))
		width = 2 * pad + font_width(font, TEXT_TITLE, st->title);
	height = pad + title_h + grid_h;
	if (height < bar_y + bar_h)
		height = bar_y + bar_h;
	if (st->masked) { /* the legend of the hatching: a swatch and "masked" under the bar */
		long need = bar_x + lo.bar_width + lo.gap + font_width(font, TEXT_LABEL, "masked") + pad;
		if (height < bar_y + bar_h + 2 * lo.gap + lo.label.line)
			height = bar_y + bar_h + 2 * lo.gap + lo.label.line;
		if (width < need)
			width = need;
	}
	height += pad;

	if (cv->svg) {
		fprintf(cv->svg,
			"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
			"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%ld\" height=\"%ld\" viewBox=\"0 0 %ld %ld\" "
			"shape-rendering=\"crispEdges\" font-family=\"%s\" font-size=\"%g\">\n",
			width, height, width, height, font_families(font), lo.label.px);
		if (st->title && st->title[0]) {
			fputs("<title>", cv->svg);
			heatmap_xml_text(cv->svg, st->title);
			fputs("</title>\n", cv->svg);
		}
		canvas_rect(cv, 0, 0, width, height, white);
		if (st->masked)
			svg_masked_pattern(cv->svg);
	} else {
		cv->im = image_new((size_t)width, (size_t)height, white);
	}

	if (title_h)
		canvas_text(cv, TEXT_TITLE, pad, 0, pad, st->title, black, ALIGN_START, false);
	for (size_t i = 0; i < count; i++) {
		long gx = (long)(i % grid_cols), gy = (long)(i / grid_cols);
		draw_panel(cv, &panels[i], &lo, st, pad + gx * (lo.box_w + pad), pad + title_h + gy * (lo.box_h + pad));
	}
	/* top row: the last colour (vmax); bottom row: the first (vmin); rows of one colour are one rectangle */
	for (long j = 0, j1; j < bar_h; j = j1) {
		size_t k = (size_t)(bar_h - 1 - j) * (COLORMAP_N - 1) / (size_t)(bar_h - 1);
		for (j1 = j + 1; j1 < bar_h && (size_t)(bar_h - 1 - j1) * (COLORMAP_N - 1) / (size_t)(bar_h - 1) == k; j1++)
			;
		canvas_rect(cv, bar_x, bar_y + j, lo.bar_width, j1 - j, st->map->lut[k]);
	}
	canvas_text(cv, TEXT_LABEL, bar_x + lo.bar_width + lo.gap, 0, bar_y, vmax_s, black, ALIGN_START, false);
	canvas_text(cv, TEXT_LABEL, bar_x + lo.bar_width + lo.gap, 0, bar_y + bar_h - lo.label.cap, vmin_s, black,
		    ALIGN_START, false);
	if (st->masked) {
		long y = bar_y + bar_h + 2 * lo.gap;
		canvas_masked(cv, bar_x, y, lo.bar_width, lo.label.line);
		canvas_text(cv, TEXT_LABEL, bar_x + lo.bar_width + lo.gap, 0, y + (lo.label.line - lo.label.cap) / 2, "masked",
			    black, ALIGN_START, false);
	}
	if (cv->svg)
		fputs("</svg>\n", cv->svg);
}

Image *heatmap_image(const Panel *panels, size_t count, size_t grid_cols, const HeatmapStyle *st)
{
	Canvas cv = { NULL, NULL, st->font };

	heatmap_draw(&cv, panels, count, grid_cols, st);
	return cv.im;
}

void heatmap_svg(FILE *f, const Panel *panels, size_t count, size_t grid_cols, const HeatmapStyle *st)
{
	Canvas cv = { NULL, f, st->font };

	heatmap_draw(&cv, panels, count, grid_cols, st);
}

/* ANSI: "ESC[48;2;R;G;Bm" sets a 24-bit background colour, "ESC[38;2;R;G;Bm" the text colour, "ESC[0m" resets. */
static void ansi_cells(FILE *f, Rgb c, const char *text)
{
	Rgb ink = ink_on(c);

	fprintf(f, "\033[48;2;%d;%d;%dm\033[38;2;%d;%d;%dm%s", c.r, c.g, c.b, ink.r, ink.g, ink.b, text);
}

/*
 * A label as the terminal shows it: escaped as in the text stream (UTF-8 stays), its characters (each a
 * UTF-8 sequence) and its width in columns.
 */
typedef struct {
	char *text;
	size_t chars, width;
} TermLabel;

static TermLabel term_label(const char *s)
{
	TermLabel l = { label_escape_str(s, NULL), 0, 0 };
	uint32_t c;

	for (size_t n, i = 0; (n = utf8_decode(l.text + i, &c)) > 0; i += n)
		l.chars++, l.width += utf8_width(c);
	return l;
}

/* Write character k of l (nothing past its end) padded on the left to w columns. */
static void term_char(FILE *f, const TermLabel *l, size_t k, size_t w)
{
	const char *p = l->text;
	uint32_t c = ' ';
	size_t n = 1, cw;

	for (; k > 0 && (n = utf8_decode(p, &c)) > 0; k--)
		p += n;
	n = *p ? utf8_decode(p, &c) : 0;
	cw = n ? utf8_width(c) : 0;
	fprintf(f, "%*s", (int)(w > cw ? w - cw : 0), "");
	fwrite(p, 1, n, f);
}

/* A cell in the terminal: its colour, or the masked hatching ("//" on grey), with text (the cell's width). */
static void ansi_value(FILE *f, const HeatmapStyle *st, float v, bool annotate)
{
	char text[32];

	if (HEATMAP_MASKED(v)) {
		fprintf(f, "\033[48;2;%d;%d;%dm\033[38;2;%d;%d;%dm%s", masked_fill.r, masked_fill.g, masked_fill.b,
			masked_line.r / 2, masked_line.g / 2, masked_line.b / 2, annotate ? " masked" : "//");
		return;
	}
	/* with --annotate a space and six characters: 2 decimals, else none, else a power of ten */
	if (!annotate)
		snprintf(text, sizeof(text), "  ");
	else if (snprintf(text, sizeof(text), " %6.2f", v) > 7 && snprintf(text, sizeof(text), " %6.0f", v) > 7)
		snprintf(text, sizeof(text), " %6.0e", v);
	ansi_cells(f, colormap_color(st->map, v, st->vmin, st->vmax), text);
}

void heatmap_ansi(FILE *f, const Panel *panels, size_t count, const HeatmapStyle *st)
{
	size_t w = st->annotate ? 7 : 2; /* characters per cell */
	char buf[32], text_end[32];

	if (st->title && st->title[0]) { /* names come from the input: escape what would command the terminal */
		fputs_printable(st->title, f);
		fputs("\n\n", f);
	}
	for (size_t i = 0; i < count; i++) {
		const Panel *p = &panels[i];
		size_t label_w = 0, col_len = 0, shown = p->cols;
		TermLabel *rl = xcalloc(p->rows, sizeof(*rl)), *cl = xcalloc(p->cols, sizeof(*cl));
		for (size_t r = 0; r < p->rows; r++) {
			rl[r] = term_label(heatmap_label(p->row_labels, p->row0, r, buf, sizeof(buf)));
			label_w = rl[r].width > label_w ? rl[r].width : label_w;
		}
		/* the columns that fit the terminal after the row labels (one at least) */
		if (st->columns && label_w + 1 + shown * w > st->columns)
			shown = st->columns > label_w + 1 + w ? (st->columns - label_w - 1) / w : 1;
		for (size_t c = 0; c < shown; c++) {
			cl[c] = term_label(heatmap_label(p->col_labels, p->col0, c, buf, sizeof(buf)));
			col_len = cl[c].chars > col_len ? cl[c].chars : col_len;
		}
		if (p->title[0]) {
			fputs_printable(p->title, f);
			fputc('\n', f);
		}
		/* column labels written downward, one character per line */
		for (size_t k = 0; k < col_len; k++) {
			fprintf(f, "%*s ", (int)label_w, "");
			for (size_t c = 0; c < shown; c++)
				term_char(f, &cl[c], k, w);
			fputc('\n', f);
		}
		for (size_t r = 0; r < p->rows; r++) {
			const float *row = p->data + r * p->stride;
			fprintf(f, "%*s%s ", (int)(label_w - rl[r].width), "", rl[r].text);
			for (size_t c = 0; c < shown; c++)
				ansi_value(f, st, row[c], st->annotate);
			fputs("\033[0m\n", f);
		}
		if (shown < p->cols)
			fprintf(f, "(columns %zu to %zu of %zu to %zu shown: the terminal is %zu wide; --cols %zu: shows the "
				   "next)\n", p->col0, p->col0 + shown - 1, p->col0, p->col0 + p->cols - 1, st->columns,
				p->col0 + shown);
		fputc('\n', f);
		for (size_t r = 0; r < p->rows; r++)
			free(rl[r].text);
		for (size_t c = 0; c < shown; c++)
			free(cl[c].text);
		free(rl);
		free(cl);
	}
	/* the colour bar: 32 steps from vmin to vmax, fewer (8 at least) when the terminal is narrower */
	int ends = snprintf(buf, sizeof(buf), "%.4g ", st->vmin) + snprintf(text_end, sizeof(text_end), " %.4g", st->vmax);
	size_t steps = 32;
	if (st->columns && st->columns < (size_t)ends + steps)
		steps = st->columns > (size_t)ends + 8 ? st->columns - (size_t)ends : 8;
	fputs(buf, f);
	for (size_t k = 0; k < steps; k++)
		ansi_cells(f, st->map->lut[k * (COLORMAP_N - 1) / (steps - 1)], " ");
	fprintf(f, "\033[0m%s\n", text_end);
	if (st->masked) {
		ansi_value(f, st, -INFINITY, false);
		fputs("\033[0m masked\n", f);
	}
}
