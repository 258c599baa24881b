/* SPDX-License-Identifier: MIT */
/* picture: a PNG read with libpng into float channels in [0, 1], the input of a vision model. */
#ifndef PF_PICTURE_H
#define PF_PICTURE_H

#include <stddef.h>

#include "image.h"

/* C = channels, Hp = height, Wp = width (pixels) */

/* Channel planes as torchvision's to_tensor gives them: data[C, Hp, Wp], pixel (x, y) of channel c at
 * data[(c * height + y) * width + x], each value the stored sample / (2^bits - 1). */
typedef struct {
	size_t channels;   /* 1 gray, 2 gray + alpha, 3 RGB, 4 RGBA */
	size_t height, width;
	int bits;          /* 8 or 16: the depth of the file's samples (1, 2, 4-bit gray and palettes read as 8) */
	float *data;
} Picture;

/*
 * Read the PNG at path ("-" = stdin). Gray, gray + alpha, RGB and RGBA at 8 or 16 bits are kept as
 * they are; gray of 1, 2 or 4 bits is scaled to 8 bits, a palette image becomes RGB (RGBA when the
 * palette has transparency). No gamma or colour-space conversion. Dies "path: what" on a file that is
 * not a PNG, is truncated or damaged, or is larger than IMAGE_MAX_SIDE / IMAGE_MAX_PIXELS.
 */
Picture *picture_read_png(const char *path);
void picture_free(Picture *p);

/* The picture as 8-bit RGB for drawing on: gray repeated in R, G and B; alpha composited over white. */
Image *picture_to_image(const Picture *p);

#endif
