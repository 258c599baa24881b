/* SPDX-License-Identifier: MIT */
/* overlay: one query's attention over image patches, painted onto the picture (heatmap --overlay). */
#ifndef PF_OVERLAY_H
#define PF_OVERLAY_H

#include <stddef.h>

#include "colormap.h"
#include "font.h"
#include "heatmap.h"
#include "image.h"
#include "tensor.h"

/* R x G = the grid of patches, P = patch side (pixels of the picture), S = key columns, K = scale */

/*
 * The row of t that --query names: a whole number is the row's index, anything else the row's label
 * (cls, p1_2). Dies "where: ..." when there is no such row.
 */
size_t overlay_query_row(const Tensor *t, const char *query, const char *where);

/*
 * The grid of the columns labelled p<i>_<j> by embed --image: *R and *G (one more than the largest i
 * and j) and cell[i G + j] = that column, for every cell of the grid (caller frees). Other columns (cls)
 * are left out. Dies when the columns have no such labels, or do not name each cell of the grid once.
 */
size_t *overlay_grid(char *const *col_labels, size_t S, size_t *R, size_t *G, const char *where);

/*
 * The patch side of a grid of R x G patches cut from a picture of width x height pixels, as embed --image
 * cuts it (from the top-left corner, the right and bottom remainders dropped by --crop); dies naming the
 * picture when no side fits.
 */
size_t overlay_patch_side(size_t width, size_t height, size_t R, size_t G, const char *picture, const char *where);

typedef struct {
	const Colormap *map;
	double vmin, vmax;  /* the weights of no tint and of the full tint */
	double alpha;       /* the tint at vmax, 0 (none) to 1 (the colour alone) */
	double scale;       /* K: the picture drawn K times its size, nearest neighbour */
	Font *font;         /* the panels' titles (several panels only) */
} OverlayStyle;

/*
 * The pictures of one query's weights, one per panel (each panels[k] one row of S weights, as
 * heatmap_panels gives them with rows = the query): the picture pic at K times its size, each pixel of
 * patch (i, j) mixed with the colour of w = the weight of column cell[i G + j]:
 *   v = clamp((w - vmin) / (vmax - vmin), 0, 1),   out = (1 - alpha v) pixel + alpha v colour(v)
 * so that patches of weight vmin or less keep their pixels and the strongest take the most colour.
 * One panel: exactly round(K width) x round(K height) pixels. Several (heads): grid_cols per row, each
 * under its title ("head 2", a line of the font), in columns as wide as the picture or the widest title,
 * OVERLAY_GAP * K pixels apart and around.
 */
#define OVERLAY_GAP 8
Image *overlay_image(const Image *pic, const Panel *panels, size_t count, size_t grid_cols, const size_t *cell,
		     size_t R, size_t G, size_t P, const OverlayStyle *style);

#endif
