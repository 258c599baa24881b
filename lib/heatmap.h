/* SPDX-License-Identifier: MIT */
/* heatmap: attention matrices as labelled heatmaps (a grid of panels and a colour bar), as an image or ANSI text. */
#ifndef PF_HEATMAP_H
#define PF_HEATMAP_H

#include <math.h>
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

/*
 * A masked cell: -inf, as a score that a mask blocked (or a cell heatmap's own mask options block);
 * drawn hatched in grey, outside the colour scale, with a legend entry.
 */
#define HEATMAP_MASKED(v) ((v) == -INFINITY)

/* Smallest and largest value shown, masked cells left out; returns how many cells are masked. */
size_t heatmap_range(const Panel *panels, size_t count, double *lo, double *hi);

/*
 * Attention weights: every value in [0, 1] and every row (the last axis) summing to 1 (within 1e-3),
 * or to 0 (a query whose every key is blocked); masked cells count as 0.
 */
bool heatmap_rows_sum_to_one(const Tensor *t);

/*
 * The scale for values lo..hi when the user gives none:
 *   weights (heatmap_rows_sum_to_one)  [0, 1]: the same colour is the same share in every picture, so an
 *                                      almost uniform row looks uniform, not bright;
 *   other values in [0, 1]             [0, hi];
 *   signed values                      [-m, m], m = max(-lo, hi): 0 is the middle of a diverging map;
 *   values all at or below 0           [lo, 0]: one-sided, 0 (a log-probability's best) at the top;
 *   else                               [lo, hi]; [lo, lo + 1] for a constant (its first colour, as matplotlib).
 */
void heatmap_default_scale(double lo, double hi, bool weights, double *vmin, double *vmax);

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
	bool masked;       /* some cell is masked (HEATMAP_MASKED): the legend explains the hatching */
	size_t columns;    /* --ansi: the terminal's width; wider panels are cropped, with a note (0: no limit) */
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
