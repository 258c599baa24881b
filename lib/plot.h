/* SPDX-License-Identifier: MIT */
/* plot: line charts on the project's raster (lib/image, lib/font): axes, ticks, curves, a legend (train --plot). */
#ifndef PF_PLOT_H
#define PF_PLOT_H

#include <stdbool.h>
#include <stddef.h>

#include "colormap.h"
#include "font.h"
#include "image.h"

/* N = points of one series */

/* One curve: the points (x[i], y[i]) joined in order; points draws a dot on each too (few points). */
typedef struct {
	const char *name;       /* the legend's text */
	const double *x, *y;    /* [N] */
	size_t n;
	Rgb color;
	bool points;
} PlotSeries;

/*
 * A new width x height image: the title on top, a frame whose x axis spans the smallest to the largest x
 * of every series and whose y axis their y (widened by a twentieth each way), about five ticks on each
 * axis at round numbers (1, 2 or 5 times a power of ten) with their values, x_label under the x axis,
 * y_label up the left side, each series as a line of its colour, and a legend of the series' names in the
 * top right corner. Non-finite values are left out; a series of no finite point draws nothing.
 */
Image *plot_lines(const PlotSeries *series, size_t count, const char *title, const char *x_label,
		  const char *y_label, Font *font, size_t width, size_t height);

#endif
