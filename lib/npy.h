/* SPDX-License-Identifier: MIT */
/* npy: NumPy .npy files (versions 1.0, 2.0, 3.0; <f4 and <f8, C order), with our labels in a header comment. */
#ifndef PF_NPY_H
#define PF_NPY_H

#include <stdint.h>
#include <stdio.h>

#include "tensor.h"

#define NPY_MAGIC "\x93NUMPY"

/* Read one .npy array from f (positioned at its magic); where names the input in errors. Dies on bad data. */
Tensor *npy_read(FILE *f, const char *where);
/* The same for a file of exactly size bytes (an archive entry): a header that describes another size is
   refused before any data is read. */
Tensor *npy_read_sized(FILE *f, const char *where, uint64_t size);
/* Write t as a version 1.0 .npy array of <f4 (name and labels kept in a trailing header comment). */
void npy_write(FILE *f, const Tensor *t);

/* A 1-D uint8 array of size bytes in all as a NUL-terminated string (text kept in an archive); write_text
   is its inverse. */
char *npy_read_text(FILE *f, const char *where, uint64_t size);
/* The dtype of the array whose header starts the size bytes of f ("<f4", "|u1", ...), in descr[32]. */
void npy_read_descr(FILE *f, const char *where, uint64_t size, char *descr);
void npy_write_text(FILE *f, const char *text);

#endif
