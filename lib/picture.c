/* SPDX-License-Identifier: MIT */
#include "picture.h"

#include <math.h>
#include <png.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "outfile.h"

/* One read in progress: libpng leaves through longjmp, so what must be freed lives here, not in locals. */
typedef struct {
	FILE *f;
	bool truncated;           /* the file ended early (else libpng's message says what is wrong) */
	char message[200];
	png_structp png;
	png_infop info;
	png_bytep bytes;          /* the decoded image, rowbytes * height */
	png_bytepp rows;
} Reader;

static void read_fn(png_structp png, png_bytep out, size_t n)
{
	Reader *r = png_get_io_ptr(png);

	if (fread(out, 1, n, r->f) != n) {
		r->truncated = !ferror(r->f);
		png_error(png, ferror(r->f) ? "read error" : "truncated");
	}
}

static void error_fn(png_structp png, png_const_charp msg)
{
	Reader *r = png_get_error_ptr(png);

	snprintf(r->message, sizeof(r->message), "%s", msg);
	png_longjmp(png, 1);
}

static void warning_fn(png_structp png, png_const_charp msg)
{
	(void)png, (void)msg; /* a harmless oddity (an unknown chunk, a bad gamma value): the pixels are fine */
}

static void reader_end(Reader *r)
{
	png_destroy_read_struct(&r->png, &r->info, NULL);
	free(r->bytes);
	free(r->rows);
	if (r->f && r->f != stdin)
		fclose(r->f);
}

/* The stored samples of r's rows into p->data[C, Hp, Wp], each divided by 2^bits - 1. */
static void unpack(Picture *p, const Reader *r)
{
	size_t C = p->channels, Hp = p->height, Wp = p->width;
	float top = p->bits == 16 ? 65535.0f : 255.0f;

	for (size_t y = 0; y < Hp; y++) {
		const png_byte *row = r->rows[y];
		for (size_t x = 0; x < Wp; x++)
			for (size_t c = 0; c < C; c++) {
				size_t k = x * C + c; /* sample k of the row; 16-bit samples are big-endian */
				unsigned v = p->bits == 16 ? (unsigned)row[2 * k] << 8 | row[2 * k + 1] : row[k];
				p->data[(c * Hp + y) * Wp + x] = (float)v / top;
			}
	}
}

Picture *picture_read_png(const char *path)
{
	static Reader r; /* static: reachable whatever longjmp skips */
	const char *name = strcmp(path, "-") == 0 ? "stdin" : path;
	unsigned char sig[8];
	Picture *p = xcalloc(1, sizeof(*p));
	size_t got;

	memset(&r, 0, sizeof(r));
	r.f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	if (r.f == NULL)
		die("%s:", path);
	outfile_note_input(fileno(r.f), path);
	got = fread(sig, 1, sizeof(sig), r.f);
	if (ferror(r.f))
		die("%s: read error:", name);
	if (got < sizeof(sig) || png_sig_cmp(sig, 0, sizeof(sig)) != 0)
		die("%s: not a PNG file (it does not start with the PNG signature)", name);
	r.png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &r, error_fn, warning_fn);
	r.info = r.png ? png_create_info_struct(r.png) : NULL;
	if (r.info == NULL)
		die("%s: out of memory", name);
	if (setjmp(png_jmpbuf(r.png))) {
		char message[sizeof(r.message)];
		bool truncated = r.truncated;
		memcpy(message, r.message, sizeof(message));
		reader_end(&r);
		picture_free(p);
		if (truncated)
			die("%s: truncated PNG: the file ends before the image does", name);
		die("%s: damaged PNG: %s", name, message);
	}
	png_set_read_fn(r.png, &r, read_fn);
	png_set_sig_bytes(r.png, sizeof(sig));
	png_read_info(r.png, r.info);

	png_uint_32 width = png_get_image_width(r.png, r.info), height = png_get_image_height(r.png, r.info);
	int type = png_get_color_type(r.png, r.info), depth = png_get_bit_depth(r.png, r.info);
	if (width > IMAGE_MAX_SIDE || height > IMAGE_MAX_SIDE || (size_t)width * height > IMAGE_MAX_PIXELS)
		die("%s: %lu x %lu pixels: larger than we read (sides of at most %d, %zu pixels in all)", name,
		    (unsigned long)width, (unsigned long)height, IMAGE_MAX_SIDE, (size_t)IMAGE_MAX_PIXELS);
	if (type == PNG_COLOR_TYPE_PALETTE) {
		png_set_palette_to_rgb(r.png);
		if (png_get_valid(r.png, r.info, PNG_INFO_tRNS))
			png_set_tRNS_to_alpha(r.png);
	} else if (type == PNG_COLOR_TYPE_GRAY && depth < 8) {
		png_set_expand_gray_1_2_4_to_8(r.png);
	}
	png_set_interlace_handling(r.png);
	png_read_update_info(r.png, r.info);

	size_t rowbytes = png_get_rowbytes(r.png, r.info);
	p->channels = png_get_channels(r.png, r.info);
	p->bits = png_get_bit_depth(r.png, r.info);
	p->width = width, p->height = height;
	if (p->channels < 1 || p->channels > 4 || (p->bits != 8 && p->bits != 16))
		die("%s: a PNG of %zu channels of %d bits: not one we read", name, p->channels, p->bits);
	r.bytes = xmalloc(xmul(rowbytes, height, "image"));
	r.rows = xmalloc(xmul(height, sizeof(png_bytep), "image"));
	for (size_t y = 0; y < height; y++)
		r.rows[y] = r.bytes + y * rowbytes;
	png_read_image(r.png, r.rows);
	png_read_end(r.png, NULL); /* the chunks after the pixels too: a file cut short anywhere is an error */

	p->data = xmalloc(xmul(xmul(p->channels, p->height, "image"), xmul(p->width, sizeof(float), "image"),
			       "image"));
	unpack(p, &r);
	reader_end(&r);
	return p;
}

void picture_free(Picture *p)
{
	if (p == NULL)
		return;
	free(p->data);
	free(p);
}

Image *picture_to_image(const Picture *p)
{
	size_t plane = p->height * p->width;
	Image *im = image_new(p->width, p->height, (Rgb){ 255, 255, 255 });
	bool alpha = p->channels == 2 || p->channels == 4;
	size_t colours = alpha ? p->channels - 1 : p->channels;

	for (size_t k = 0; k < plane; k++) {
		float a = alpha ? p->data[colours * plane + k] : 1.0f;
		for (size_t c = 0; c < 3; c++) {
			float v = p->data[(colours == 1 ? 0 : c) * plane + k];
			float over_white = v * a + (1.0f - a); /* alpha composited over a white page */
			im->pixels[3 * k + c] = (unsigned char)lroundf(over_white * 255.0f);
		}
	}
	return im;
}
