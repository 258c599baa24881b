/* SPDX-License-Identifier: MIT */
#include "plot.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* N = points of one series */

static const Rgb white = { 255, 255, 255 }, black = { 0, 0, 0 }, grid = { 225, 225, 225 };

/* The tick spacing for about five ticks over [lo, hi]: 1, 2 or 5 times a power of ten */
static double tick_step(double lo, double hi)
{
	double raw = (hi - lo) / 5.0, unit = pow(10.0, floor(log10(raw))), f = raw / unit;

	return unit * (f < 1.5 ? 1.0 : f < 3.5 ? 2.0 : f < 7.5 ? 5.0 : 10.0);
}

/* The range of every finite value of the series' x (or y): false when there is none */
static bool range_of(const PlotSeries *series, size_t count, bool ys, double *lo, double *hi)
{
	*lo = INFINITY, *hi = -INFINITY;
	for (size_t k = 0; k < count; k++)
		for (size_t i = 0; i < series[k].n; i++) {
			double v = ys ? series[k].y[i] : series[k].x[i];
			if (isfinite(series[k].x[i]) && isfinite(series[k].y[i]))
				*lo = fmin(*lo, v), *hi = fmax(*hi, v);
		}
	if (!(*lo <= *hi))
		return false;
	if (*hi - *lo < 1e-12 * fmax(1.0, fabs(*hi))) /* one value: a unit range around it */
		*lo -= 0.5, *hi += 0.5;
	return true;
}

/* A line of width 2 from (x0, y0) to (x1, y1) in image coordinates: a square every half pixel along it */
static void draw_line(Image *im, double x0, double y0, double x1, double y1, Rgb c)
{
	double len = hypot(x1 - x0, y1 - y0);
	size_t steps = (size_t)ceil(len * 2.0) + 1;

	for (size_t i = 0; i <= steps; i++) {
		double t = (double)i / (double)steps;
		image_fill(im, lround(x0 + t * (x1 - x0)) - 1, lround(y0 + t * (y1 - y0)) - 1, 2, 2, c);
	}
}

Image *plot_lines(const PlotSeries *series, size_t count, const char *title, const char *x_label,
		  const char *y_label, Font *font, size_t width, size_t height)
{
	Image *im = image_new(width, height, white);
	TextMetrics label, head;
	double x_lo, x_hi, y_lo, y_hi, step, pad;
	long left, right, top, bottom, w, h;
	char num[64];

	font_metrics(font, TEXT_LABEL, &label);
	font_metrics(font, TEXT_TITLE, &head);
	/* the frame: room for the title above, the y label and tick values left, the x ticks and label below */
	left = label.cap + label.descent + 8 * label.advance + 16;
	right = (long)width - 16;
	top = head.cap + head.descent + 20;
	bottom = (long)height - 2 * label.line - 16;
	w = right - left, h = bottom - top;
	font_draw(im, font, TEXT_TITLE, left + (w - font_width(font, TEXT_TITLE, title)) / 2, 8, title, black, false);
	if (w < 20 || h < 20 || !range_of(series, count, false, &x_lo, &x_hi) ||
	    !range_of(series, count, true, &y_lo, &y_hi))
		return im; /* too small, or nothing to draw: the title alone */
	pad = (y_hi - y_lo) / 20.0;
	y_lo -= pad, y_hi += pad;

	/* pass 1: grid lines and tick values at round numbers, then the frame over them */
#define PX(v) (left + ((v) - x_lo) / (x_hi - x_lo) * w)
#define PY(v) (bottom - ((v) - y_lo) / (y_hi - y_lo) * h)
	step = tick_step(y_lo, y_hi);
	for (double v = ceil(y_lo / step) * step; v <= y_hi; v += step) {
		long y = lround(PY(v));
		snprintf(num, sizeof(num), "%g", fabs(v) < step / 2 ? 0.0 : v);
		image_fill(im, left, y, w, 1, grid);
		font_draw(im, font, TEXT_LABEL, left - 6 - font_width(font, TEXT_LABEL, num), y - label.cap / 2, num, black,
			  false);
	}
	step = tick_step(x_lo, x_hi);
	for (double v = ceil(x_lo / step) * step; v <= x_hi; v += step) {
		long x = lround(PX(v));
		snprintf(num, sizeof(num), "%g", v);
		image_fill(im, x, top, 1, h, grid);
		font_draw(im, font, TEXT_LABEL, x - font_width(font, TEXT_LABEL, num) / 2, bottom + 6, num, black, false);
	}
	image_fill(im, left, top, w, 1, black), image_fill(im, left, bottom, w + 1, 1, black);
	image_fill(im, left, top, 1, h, black), image_fill(im, right, top, 1, h, black);
	font_draw(im, font, TEXT_LABEL, left + (w - font_width(font, TEXT_LABEL, x_label)) / 2,
		  bottom + 6 + label.line, x_label, black, false);
	font_draw(im, font, TEXT_LABEL, 6, top + (h + font_width(font, TEXT_LABEL, y_label)) / 2, y_label, black, true);

	/* pass 2: the curves, each point joined to the previous finite one */
	for (size_t k = 0; k < count; k++) {
		const PlotSeries *s = &series[k];
		bool have = false;
		double px = 0, py = 0;
		for (size_t i = 0; i < s->n; i++) {
			double x, y;
			if (!isfinite(s->x[i]) || !isfinite(s->y[i]))
				continue;
			x = PX(s->x[i]), y = PY(s->y[i]);
			if (have)
				draw_line(im, px, py, x, y, s->color);
			if (s->points)
				image_fill(im, lround(x) - 3, lround(y) - 3, 7, 7, s->color);
			px = x, py = y, have = true;
		}
	}
#undef PX
#undef PY

	/* pass 3: the legend, a swatch and a name a line, in the frame's top right corner */
	for (size_t k = 0; k < count; k++) {
		long tw = font_width(font, TEXT_LABEL, series[k].name), y = top + 8 + (long)k * label.line;
		long x = right - 8 - tw;
		image_fill(im, x - 24, y + label.cap / 2 - 1, 18, 3, series[k].color);
		font_draw(im, font, TEXT_LABEL, x, y, series[k].name, black, false);
	}
	return im;
}
