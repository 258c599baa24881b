/* SPDX-License-Identifier: MIT */
/* htmlview: heatmap --html: one self-contained page (inline script and style) with a head view and a matrix view. */
#ifndef PF_HTMLVIEW_H
#define PF_HTMLVIEW_H

#include <stdio.h>

#include "heatmap.h"

/* Lines of weights at most this are not drawn at first (the page has a box to change it). */
#define HTMLVIEW_THRESHOLD 0.01

/*
 * Write the page of the panels (one tensor's, as heatmap_panels selects them; ndim: the tensor's) to f:
 *   a head view after bertviz: the queries (row labels) on the left, the keys (column labels) on the
 *     right, a line from query t to key s of opacity w[t][s] for every weight above a threshold;
 *     hovering a token keeps only its lines and shades the tokens at their other ends; one head, or
 *     all heads of a layer, each in its colour;
 *   a matrix view: each head's cells in the style's colour map, a cell's value on hover.
 * Weights are written with 4 significant digits; labels as the pictures draw them. No network.
 */
void htmlview_write(FILE *f, const Panel *panels, size_t count, const HeatmapStyle *style, int ndim);

#endif
