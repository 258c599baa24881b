/* SPDX-License-Identifier: MIT */
/* colormap: value -> colour through matplotlib's published tables (viridis, magma, gray, coolwarm). */
#ifndef PF_COLORMAP_H
#define PF_COLORMAP_H

#include <stdbool.h>
#include <stddef.h>

typedef struct {
	unsigned char r, g, b;
} Rgb;

/* Every map is a table of COLORMAP_N colours, as matplotlib's (Colormap.N = 256). */
#define COLORMAP_N 256

typedef struct {
	Rgb lut[COLORMAP_N]; /* entry 0 for the scale's minimum, entry 255 for its maximum */
} Colormap;

/* The names colormap_init accepts, for usage and error messages. */
extern const char colormap_names[];

/* Fill the 256-colour table of the map called name; false when there is no such map. */
bool colormap_init(Colormap *map, const char *name);

/*
 * Table index of v on the scale [vmin, vmax] (vmin < vmax), as matplotlib's Normalize and
 * Colormap.__call__: i = floor((v - vmin) / (vmax - vmin) * 256), clipped to 0..255,
 * so vmax itself is the last colour and values outside the scale take the end colours.
 */
size_t colormap_index(double v, double vmin, double vmax);

/* The colour of v on the scale [vmin, vmax]. */
Rgb colormap_color(const Colormap *map, double v, double vmin, double vmax);

#endif
