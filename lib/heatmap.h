/* SPDX-License-Identifier: MIT */
/* heatmap: attention matrices as labelled heatmaps (a grid of panels and a colour bar), as an image or ANSI text. */
#ifndef PF_HEATMAP_H
#define PF_HEATMAP_H

#include <stdbool.h>
#include <stdio.h>

#include "colormap.h"
#include "font.h"
#include "image.h"
#include "tensor.h"

/* One heatmap: rows x cols values, row r at data + r * stride. */
typedef struct {
	const float *data;
	size_t rows, cols, stride;
	char *const *row_labels; /* [rows], or NULL: rows are numbered from row0 */
	char *const *col_labels; /* [cols], or NULL: columns are numbered from col0 */
	size_t row0, col0;
	char title[48]; /* "head 2", "layer 1 head 0", or "" */
	size_t layer, head; /* which matrix of the tensor (0 for a 2-D one; layer 0 for a 3-D one) */
} Panel;

/* Which panels and which part of each to show. */
typedef struct {
	long layer, head;             /* -1: all */
	size_t row_begin, row_end;    /* rows row_begin <= r < row_end; row_end past the last row means "to the end" */
	size_t col_begin, col_end;
} PanelSelect;

/*
 * The panels of t (caller frees the array; the panels point into t):
 *   2-D [T, S]: one panel; 3-D [H, T, S]: H panels "head h"; 4-D [L, H, T, S]: L x H panels
 *   "layer l head h", layers as grid rows. *grid_cols is the number of panels per grid row:
 *   heads in one row up to 4, else ceil(sqrt(H)) per row. Dies "where: what" when t is 1-D or
 *   empty, or the selection lies outside it.
 */
Panel *heatmap_panels(const Tensor *t, const PanelSelect *sel, const char *where, size_t *count,
		      size_t *grid_cols);

/* Label i of a panel axis: labels[i], or offset + i written into buf when the stream has no labels. */
const char *heatmap_label(char *const *labels, size_t offset, size_t i, char *buf, size_t size);

/* s as XML or HTML text: the characters the pictures draw (\xHH for bytes that are no character), & < > " escaped. */
void heatmap_xml_text(FILE *f, const char *s);

/* Smallest and largest value shown. */
void heatmap_range(const Panel *panels, size_t count, double *lo, double *hi);

/*
 * The scale for values lo..hi when the user gives none: [lo, hi]; [0, hi] for weights (all in
 * [0, 1]), so that a colour says which fraction of the strongest weight a cell holds; [-m, m]
 * with m = max(-lo, hi) when a value is negative, so that 0 is the middle colour of a diverging
 * map; [lo, lo + 1] for a constant, which then takes the first colour (as matplotlib).
 */
void heatmap_default_scale(double lo, double hi, double *vmin, double *vmax);

/* Pixels per cell that keep the grid near 2048 pixels on its longer side: 1 to 32. */
size_t heatmap_default_cell(const Panel *panels, size_t count, size_t grid_cols);

typedef struct {
	const Colormap *map;
	double vmin, vmax; /* vmin < vmax */
	size_t cell;       /* pixels per cell side (already times the scale) */
	bool annotate;     /* write values in cells at least heatmap_annotate_cell() pixels wide */
	const char *title; /* NULL: none */
	Font *font;        /* the text renderer (font_open) */
	double scale;      /* margins and the colour bar times this (0: 1) */
} HeatmapStyle;

/* The smallest cell that holds a value of 4 characters ("0.25") with a pixel of margin each side. */
size_t heatmap_annotate_cell(Font *font);

/*
 * The image: an optional title, the panels in a grid (each with its title, column labels
 * along the top, written upward when wider than a cell, row labels on the left, one label
 * every ceil(line / cell) positions when cells are smaller than a line of text), and a colour
 * bar on the right with the scale's minimum and maximum. Labels wider than 16 digits are
 * shortened with an ellipsis (font_fit).
 */
Image *heatmap_image(const Panel *panels, size_t count, size_t grid_cols, const HeatmapStyle *style);

/* The same picture as SVG on f: the same layout, in pixels, with cells as rectangles and text as <text>. */
void heatmap_svg(FILE *f, const Panel *panels, size_t count, size_t grid_cols, const HeatmapStyle *style);

/* The same in a terminal: 24-bit colour blocks two columns wide (seven with values), labels, a colour bar. */
void heatmap_ansi(FILE *f, const Panel *panels, size_t count, const HeatmapStyle *style);

#endif
