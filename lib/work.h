/* SPDX-License-Identifier: MIT */
/* work: laying out a caller-owned work space as the named parts of a layer (the *Parts structs). */
#ifndef PF_WORK_H
#define PF_WORK_H

#include <stddef.h>

#include "err.h"

/*
 * The next part of n floats of work, after the *used floats already laid out; *used grows by n. With
 * work NULL only the floats are counted (and NULL returned): a layer's *_work_size and its *_parts are
 * then one function, so its size and its layout cannot disagree.
 */
static inline float *work_part(float *work, size_t *used, size_t n)
{
	float *part = work ? work + *used : NULL;

	if (n > (size_t)-1 - *used)
		die("work space: size overflow");
	*used += n;
	return part;
}

#endif
