/* SPDX-License-Identifier: MIT */
/* heatmap: draw attention weights (or any matrix) as a labelled PNG heatmap, or in the terminal. */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "colormap.h"
#include "err.h"
#include "font.h"
#include "heatmap.h"
#include "htmlview.h"
#include "image.h"
#include "opts.h"
#include "outfile.h"
#include "overlay.h"
#include "picture.h"
#include "stream.h"
#include "tensor.h"

static const char usage_text[] =
	"usage: heatmap [-o FILE.png | -o FILE.svg | --html FILE.html | --ansi] [--format png|svg|html]\n"
	"               [--cmap viridis|magma|gray|coolwarm] [--vmin X] [--vmax Y] [--title TEXT] [--cell N]\n"
	"               [--annotate] [--font FILE|builtin] [--font-size PX] [--scale K] [--layer L]\n"
	"               [--head H] [--rows A:B] [--cols A:B] [--causal] [--mask FILE]\n"
	"               [--additive-mask FILE] [--no-pad-mask] [FILE]\n"
	"       heatmap --overlay FILE.png [--query N|LABEL] [--alpha A] [-o FILE.png] [--cmap NAME]\n"
	"               [--vmin X] [--vmax Y] [--scale K] [--font FILE|builtin] [--font-size PX]\n"
	"               [--layer L] [--head H] [FILE]\n"
	"\n"
	"Draw each tensor of the stream as a heatmap: a 2-D [T,S] tensor as one, a 3-D [H,T,S] one as a\n"
	"grid of heads, a 4-D [L,H,T,S] one with layers as rows and heads as columns; token labels on\n"
	"both axes, a colour bar with the scale's ends. Masked cells (-inf, as a blocked score, or blocked by\n"
	"the mask options) are hatched in grey, outside the scale, with a legend entry.\n"
	"\n"
	"  -o, --output FILE  the picture (default -, stdout); FILE with %d (out-%d.png) numbers the\n"
	"                     images of a stream of several tensors from 0\n"
	"      --format F     png, svg or html (default: svg or html for a FILE ending in .svg or\n"
	"                     .html, else png)\n"
	"      --html FILE    an interactive page: the head view (lines from each token to those it\n"
	"                     attends to) and the matrix view; the same as -o FILE --format html\n"
	"      --ansi         draw in the terminal with 24-bit colours instead, cropped to $COLUMNS\n"
	"      --cmap NAME    viridis, magma, gray or coolwarm (default: coolwarm for signed values,\n"
	"                     else viridis)\n"
	"      --vmin X       the value of the first colour (default: 0 for attention weights, whose\n"
	"                     rows sum to 1, and for values in [0,1]; -max|x| for signed values, 0 in\n"
	"                     the middle; else the smallest value)\n"
	"      --vmax Y       the value of the last colour (default: 1 for attention weights; 0 for\n"
	"                     values all at or below 0, such as log-probabilities; max|x| for signed\n"
	"                     values; else the largest value)\n"
	"      --title TEXT   a title above the heatmaps (default: the tensor's name)\n"
	"      --cell N       pixels per cell (default: 1 to 32, keeping the grid near 2048 pixels)\n"
	"      --annotate     write each value in its cell (cells wide enough for \"0.00\")\n"
	"      --font FILE    the font of the text (default: DejaVu Sans, found by fontconfig; characters\n"
	"                     it lacks come from a font that has them); builtin: the 5x8 bitmap font\n"
	"      --font-size PX labels of PX pixels (default 12; titles 1.5 times that)\n"
	"      --scale K      everything K times larger: cells, text, margins (default 1; 2 for slides)\n"
	"      --layer L      only layer L of a 4-D tensor\n"
	"      --head H       only head H of a 3-D or 4-D tensor\n"
	"      --rows A:B     only query rows A to B-1 (A: or :B leave an end open)\n"
	"      --cols A:B     only key columns A to B-1\n"
	"      --causal       mask the cells above the diagonal (key after query), as attend --causal\n"
	"      --mask FILE    mask the cells where FILE (T x S) holds 0, as attend --mask\n"
	"      --additive-mask FILE  mask the cells where FILE holds -inf, as attend --additive-mask\n"
	"      --no-pad-mask  do not mask the columns labelled <pad> (masked by default, as attend does)\n"
	"      --overlay FILE.png  paint one query's weights over the patches of the picture that\n"
	"                     embed --image read (columns labelled p<row>_<column>): the picture at\n"
	"                     --scale times its size, one panel per head with titles\n"
	"      --query N      the query row to show: its number or its label, e.g. cls (default 0)\n"
	"      --alpha A      the tint of the strongest weight, 0 to 1 (default 0.6)\n"
	HELP_USAGE("  ");

enum { OPT_ANSI = OPT_PROGRAM, OPT_CMAP, OPT_VMIN, OPT_VMAX, OPT_TITLE, OPT_CELL, OPT_ANNOTATE, OPT_LAYER,
       OPT_HEAD, OPT_ROWS, OPT_COLS, OPT_FORMAT, OPT_FONT, OPT_FONT_SIZE, OPT_SCALE, OPT_HTML, OPT_OVERLAY,
       OPT_QUERY, OPT_ALPHA, OPT_CAUSAL };

static const struct option long_options[] = {
	{ "output", required_argument, NULL, 'o' },
	{ "ansi", no_argument, NULL, OPT_ANSI },
	{ "cmap", required_argument, NULL, OPT_CMAP },
	{ "vmin", required_argument, NULL, OPT_VMIN },
	{ "vmax", required_argument, NULL, OPT_VMAX },
	{ "title", required_argument, NULL, OPT_TITLE },
	{ "cell", required_argument, NULL, OPT_CELL },
	{ "annotate", no_argument, NULL, OPT_ANNOTATE },
	{ "layer", required_argument, NULL, OPT_LAYER },
	{ "head", required_argument, NULL, OPT_HEAD },
	{ "rows", required_argument, NULL, OPT_ROWS },
	{ "cols", required_argument, NULL, OPT_COLS },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "html", required_argument, NULL, OPT_HTML },
	{ "font", required_argument, NULL, OPT_FONT },
	{ "font-size", required_argument, NULL, OPT_FONT_SIZE },
	{ "scale", required_argument, NULL, OPT_SCALE },
	{ "overlay", required_argument, NULL, OPT_OVERLAY },
	{ "query", required_argument, NULL, OPT_QUERY },
	{ "alpha", required_argument, NULL, OPT_ALPHA },
	{ "causal", no_argument, NULL, OPT_CAUSAL },
	MASK_LONG_OPTIONS,
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 },
};

static const char *output;
static int ansi, annotate, vmin_set, vmax_set, html;
static const char *cmap_name, *title;
static double vmin, vmax;
static size_t cell;
static const char *format, *font_file;
static double font_size = FONT_DEFAULT_PX, scale = 1;
static Font *font;
static PanelSelect sel = { -1, -1, 0, SIZE_MAX, 0, SIZE_MAX };
static const char *overlay_path, *query = "0";
static Image *picture;          /* --overlay: the picture, as RGB */
static double alpha = 0.6;
static MaskSource masks;
static int causal;

/*
 * Mark what the mask options block as -inf (HEATMAP_MASKED) in every T x S matrix of t, and die on the
 * values that are not finite and not -inf: a heatmap cannot place NaN or +inf on a scale.
 */
static void mark_masked(Tensor *t, size_t k, const char *where)
{
	size_t T = t->ndim >= 2 ? tensor_rows(t) : 1, S = tensor_cols(t), TS = T * S;
	size_t H = t->ndim >= 3 ? t->shape[t->ndim - 3] : 1; /* a per-head mask goes with [.., H, T, S] */
	Mask mask = { 0 };
	bool blocked = t->size > 0 && mask_build(&mask, &masks, k, t->col_labels, H, T, S);
	char buf[TENSOR_SHAPE_STR];

	for (size_t i = 0; i < t->size; i++) {
		size_t ts = i % TS;
		const unsigned char *allowed = blocked ? mask_head_allowed(&mask, (i / TS) % H, T, S) : NULL;
		if (isnan(t->data[i]) || t->data[i] == INFINITY)
			die("%s: %s at %s: only -inf (a masked cell) can be drawn of what is not a number", where,
			    isnan(t->data[i]) ? "NaN" : "+inf", tensor_index_str(t, i, buf));
		if ((allowed && !allowed[ts]) || (causal && ts % S > ts / S))
			t->data[i] = -INFINITY;
	}
	mask_release(&mask);
}

/* "A:B", "A:", ":B" or "A" (one position) into [*begin, *end). */
static void parse_range(const char *s, const char *option, size_t *begin, size_t *end)
{
	const char *colon = strchr(s, ':');
	char a[32];

	if (colon == NULL) {
		*begin = (size_t)parse_long(s, option, 0, 1L << 40);
		*end = *begin + 1;
		return;
	}
	if ((size_t)(colon - s) >= sizeof(a))
		usage_error("%s: '%s' is not a range like 0:64", option, s);
	memcpy(a, s, (size_t)(colon - s));
	a[colon - s] = '\0';
	*begin = a[0] ? (size_t)parse_long(a, option, 0, 1L << 40) : 0;
	*end = colon[1] ? (size_t)parse_long(colon + 1, option, 1, 1L << 40) : SIZE_MAX;
	if (*begin >= *end)
		usage_error("%s: '%s' is empty: A must be below B", option, s);
}

/* An output name holds at most one %d and no other '%'. */
static int check_pattern(const char *s)
{
	int numbered = 0;

	for (const char *p = strchr(s, '%'); p; p = strchr(p + 2, '%')) {
		if (p[1] != 'd' || numbered)
			usage_error("-o: '%s': the only pattern allowed is one %%d (for the tensor's number)", s);
		numbered = 1;
	}
	return numbered;
}

/* The name of image k: the pattern with %d replaced by k. */
static char *output_name(const char *pattern, size_t k)
{
	const char *p = strstr(pattern, "%d");
	char num[32];
	char *name;

	if (p == NULL)
		return xstrdup(pattern);
	snprintf(num, sizeof(num), "%zu", k);
	name = xmalloc(strlen(pattern) + strlen(num) + 1);
	memcpy(name, pattern, (size_t)(p - pattern));
	strcpy(name + (p - pattern), num);
	strcat(name, p + 2);
	return name;
}

/* Does s end in suffix (any case)? */
static bool has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && strcasecmp(s + n - k, suffix) == 0;
}

/* --overlay: one query's weights painted over the picture's patches (lib/overlay), a PNG. */
static void draw_overlay(const Tensor *t, const char *where, size_t k)
{
	size_t count, grid_cols, R, G, *cells, P;
	Panel *panels;
	OverlayStyle style = { 0 };
	double lo = INFINITY, hi = -INFINITY;
	Colormap map;
	Image *im;
	char *name;

	if (t->ndim < 2)
		die("%s: --overlay needs 2-D, 3-D or 4-D attention weights, not a 1-D tensor", where);
	sel.row_begin = overlay_query_row(t, query, where);
	sel.row_end = sel.row_begin + 1;
	panels = heatmap_panels(t, &sel, where, &count, &grid_cols);
	cells = overlay_grid(t->col_labels, tensor_cols(t), &R, &G, where);
	P = overlay_patch_side(picture->width, picture->height, R, G, overlay_path, where);
	for (size_t n = 0; n < count; n++) /* the scale of the weights shown: the patches' */
		for (size_t c = 0; c < R * G; c++)
			lo = fmin(lo, panels[n].data[cells[c]]), hi = fmax(hi, panels[n].data[cells[c]]);
	heatmap_default_scale(lo, hi, false, &style.vmin, &style.vmax); /* the patches' range */
	style.vmin = vmin_set ? vmin : style.vmin;
	style.vmax = vmax_set ? vmax : style.vmax;
	if (style.vmin >= style.vmax)
		die("%s: the scale is empty: --vmin %g is not below --vmax %g (the weights are %g to %g)", where,
		    style.vmin, style.vmax, lo, hi);
	colormap_init(&map, cmap_name ? cmap_name : "viridis");
	style.map = &map;
	style.alpha = alpha;
	style.scale = scale;
	style.font = font;
	im = overlay_image(picture, panels, count, grid_cols, cells, R, G, P, &style);
	name = output_name(output, k);
	image_write_png(im, name);
	free(name);
	image_free(im);
	free(cells);
	free(panels);
}

/* The terminal's width for --ansi: $COLUMNS, else the width of the terminal on stdout or stderr, else 0 (none). */
static size_t terminal_columns(void)
{
	const char *env = getenv("COLUMNS");
	struct winsize ws;

	if (env && *env)
		return (size_t)parse_long(env, "$COLUMNS", 1, 1000000);
	if ((ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 || ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0) && ws.ws_col > 0)
		return ws.ws_col;
	return 0;
}

static void draw(Tensor *t, const char *where, size_t k)
{
	size_t count, grid_cols;
	Panel *panels;
	double lo, hi;
	HeatmapStyle style = { 0 };
	Colormap map;
	bool weights;

	if (t->ndim >= 2)
		mark_masked(t, k, where);
	weights = heatmap_rows_sum_to_one(t); /* over whole rows, before --cols crops them */
	panels = heatmap_panels(t, &sel, where, &count, &grid_cols);
	style.masked = heatmap_range(panels, count, &lo, &hi) > 0;
	if (vmin_set || vmax_set) {
		style.vmin = vmin_set ? vmin : lo;
		style.vmax = vmax_set ? vmax : hi;
	} else {
		heatmap_default_scale(lo, hi, weights, &style.vmin, &style.vmax);
	}
	if (style.vmin >= style.vmax)
		die("%s: the scale is empty: --vmin %g is not below --vmax %g (the values are %g to %g)", where,
		    style.vmin, style.vmax, lo, hi);
	colormap_init(&map, cmap_name ? cmap_name : lo < 0 && hi > 0 ? "coolwarm" : "viridis"); /* a known name: checked when parsed */
	style.map = &map;
	style.cell = (size_t)lround((double)(cell ? cell : heatmap_default_cell(panels, count, grid_cols)) * scale);
	if (style.cell < 1)
		style.cell = 1;
	style.annotate = annotate;
	style.title = title ? title : t->name;
	style.font = font;
	style.scale = scale;
	if (annotate && font && style.cell < heatmap_annotate_cell(font))
		warning("%s: cells of %zu pixels are too small for --annotate (use --cell %zu or more)", where,
			style.cell, (size_t)ceil((double)heatmap_annotate_cell(font) / scale));

	if (ansi) {
		style.columns = terminal_columns();
		heatmap_ansi(stdout, panels, count, &style);
	} else if (strcmp(format, "svg") == 0) {
		char *name = output_name(output, k);
		OutFile *o = outfile_open(name);
		heatmap_svg(outfile_stream(o), panels, count, grid_cols, &style);
		outfile_close(o);
		free(name);
	} else if (strcmp(format, "html") == 0) {
		char *name = output_name(output, k);
		OutFile *o = outfile_open(name);
		htmlview_write(outfile_stream(o), panels, count, &style, t->ndim);
		outfile_close(o);
		free(name);
	} else {
		Image *im = heatmap_image(panels, count, grid_cols, &style);
		char *name = output_name(output, k);
		image_write_png(im, name);
		free(name);
		image_free(im);
	}
	free(panels);
}

int main(int argc, char **argv)
{
	CommonOptions common;
	const char *path = "-";
	StreamReader *r;
	Tensor *t, *next;
	int c, numbered;
	Colormap probe;

	set_progname(argv[0]);
	common_init(&common);
	mask_init(&masks);
	while ((c = options_next(argc, argv, "o:h", long_options, NULL)) != -1) {
		if (common_option(&common, c, optarg, usage_text) || mask_option(&masks, c, optarg))
			continue;
		switch (c) {
		case 'o':
			if (html)
				usage_error("--html FILE writes the page instead of -o: give one of them");
			output = optarg;
			break;
		case OPT_ANSI:
			ansi = 1;
			break;
		case OPT_CMAP:
			if (!colormap_init(&probe, optarg))
				usage_error("--cmap: '%s' is not one of %s", optarg, colormap_names);
			cmap_name = optarg;
			break;
		case OPT_VMIN:
			vmin = parse_double(optarg, "--vmin", -INFINITY, INFINITY), vmin_set = 1;
			break;
		case OPT_VMAX:
			vmax = parse_double(optarg, "--vmax", -INFINITY, INFINITY), vmax_set = 1;
			break;
		case OPT_TITLE:
			title = optarg;
			break;
		case OPT_CELL:
			cell = (size_t)parse_long(optarg, "--cell", 1, 512);
			break;
		case OPT_ANNOTATE:
			annotate = 1;
			break;
		case OPT_LAYER:
			sel.layer = parse_long(optarg, "--layer", 0, 1L << 30);
			break;
		case OPT_HEAD:
			sel.head = parse_long(optarg, "--head", 0, 1L << 30);
			break;
		case OPT_ROWS:
			parse_range(optarg, "--rows", &sel.row_begin, &sel.row_end);
			break;
		case OPT_COLS:
			parse_range(optarg, "--cols", &sel.col_begin, &sel.col_end);
			break;
		case OPT_FORMAT:
			if (strcmp(optarg, "png") != 0 && strcmp(optarg, "svg") != 0 && strcmp(optarg, "html") != 0)
				usage_error("--format: '%s' is not png, svg or html", optarg);
			format = optarg;
			break;
		case OPT_HTML:
			if (output && !html)
				usage_error("--html FILE writes the page instead of -o: give one of them");
			output = optarg;
			html = 1;
			break;
		case OPT_FONT:
			font_file = optarg;
			break;
		case OPT_FONT_SIZE:
			font_size = parse_double(optarg, "--font-size", 4, 200);
			break;
		case OPT_CAUSAL:
			causal = 1;
			break;
		case OPT_SCALE:
			scale = parse_double(optarg, "--scale", 0.25, 16);
			break;
		case OPT_OVERLAY:
			overlay_path = optarg;
			break;
		case OPT_QUERY:
			query = optarg;
			break;
		case OPT_ALPHA:
			alpha = parse_double(optarg, "--alpha", 0, 1);
			break;
		}
	}
	if (optind < argc)
		path = argv[optind++];
	if (optind < argc)
		usage_error("one input at a time (a stream may hold several tensors)");
	if (vmin_set && vmax_set && vmin >= vmax)
		usage_error("--vmin %g must be below --vmax %g", vmin, vmax);
	if (ansi && output)
		usage_error("--ansi draws in the terminal: leave out -o");
	if (!ansi && output == NULL) {
		if (isatty(STDOUT_FILENO))
			usage_error("will not write a PNG to a terminal: use -o FILE.png, or --ansi");
		output = "-";
	}
	numbered = ansi ? 0 : check_pattern(output);
	if (html && format && strcmp(format, "html") != 0)
		usage_error("--html writes a page, not --format %s", format);
	if (html)
		format = "html";
	if (format == NULL)
		format = has_suffix(output ? output : "", ".svg")    ? "svg"
			 : has_suffix(output ? output : "", ".html") ? "html"
								     : "png";
	if (overlay_path && (ansi || html || (format && strcmp(format, "png") != 0) || title || annotate || cell ||
			     sel.row_begin != 0 || sel.row_end != SIZE_MAX || sel.col_begin != 0 ||
			     sel.col_end != SIZE_MAX || causal || masks.mask || masks.additive))
		usage_error("--overlay draws one query's row over the picture as a PNG: no --ansi, --html, --format "
			    "svg, --title, --annotate, --cell, --rows, --cols or mask options");
	if (overlay_path == NULL && (strcmp(query, "0") != 0 || alpha != 0.6))
		usage_error("--query and --alpha go with --overlay");
	if (!ansi && strcmp(format, "html") != 0) /* the page's text is the browser's */
		font = font_open(font_file, font_size, scale);

	if (overlay_path) {
		Picture *pic = picture_read_png(overlay_path);
		picture = picture_to_image(pic);
		picture_free(pic);
	}
	r = stream_open(path);
	if (!overlay_path) /* -inf is a masked cell; mark_masked refuses NaN and +inf */
		stream_allow_nonfinite(r);
	if (!stream_read(r, &t))
		die("%s: empty stream: no tensor", path);
	size_t k;
	for (k = 0; t; k++, t = next) {
		char *where = xmalloc(strlen(path) + 32); /* "path" or, in a stream of several, "path #k" */
		if (!stream_read(r, &next))
			next = NULL;
		if (next && !ansi && !numbered) /* known before the first image is written */
			die("%s: the stream holds several tensors: use -o NAME-%%d.png for one image each", path);
		if (k > 0 || next)
			sprintf(where, "%s #%zu", path, k);
		else
			strcpy(where, path);
		if (overlay_path)
			draw_overlay(t, where, k);
		else
			draw(t, where, k);
		free(where);
		tensor_free(t);
	}
	stream_close(r);
	if (!overlay_path)
		mask_end(&masks, k); /* a mask stream with more tensors than the input is an error */
	image_free(picture);
	mask_free(&masks);
	font_free(font);
	close_stdout();
	return 0;
}
