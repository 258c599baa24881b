/* SPDX-License-Identifier: MIT */
/* npz: NumPy .npz archives (np.savez and np.savez_compressed), read and written by entry name. */
#ifndef PF_NPZ_H
#define PF_NPZ_H

#include <stdbool.h>
#include <stddef.h>

#include "tensor.h"

typedef struct Npz Npz;

/* Open an archive for reading; dies with "path: ..." when it is missing or not a zip file. */
Npz *npz_open(const char *path);
const char *npz_path(const Npz *z);
/* Entries, named without their ".npy" suffix. */
size_t npz_count(const Npz *z);
const char *npz_name(const Npz *z, size_t i);
bool npz_has(const Npz *z, const char *name);
/* A float entry as a tensor (float64 converted); NULL when absent. Dies on bad data. */
Tensor *npz_read(Npz *z, const char *name);
/* A 1-D uint8 entry as a NUL-terminated string (for text stored in the archive); NULL when absent. */
char *npz_read_text(Npz *z, const char *name);
/* Whether entry name holds text (a 1-D uint8 array, as config and vocabularies) rather than a tensor. */
bool npz_is_text(Npz *z, const char *name);
void npz_close(Npz *z);

typedef struct NpzWriter NpzWriter;

/* Create an archive; nothing appears at path until npz_commit succeeds (see outfile.h). Entries are
   stored, with a fixed time, so equal tensors make byte-equal archives; two of one name are an error. */
NpzWriter *npz_create(const char *path);
void npz_add(NpzWriter *w, const char *name, const Tensor *t);
/* Text as a 1-D uint8 array: in Python, bytes(z[name]).decode(). */
void npz_add_text(NpzWriter *w, const char *name, const char *text);
void npz_commit(NpzWriter *w);

#endif
