/* SPDX-License-Identifier: MIT */
/* outfile: named output files that a kill, a full disk or an error leave either as they were or complete. */
#ifndef PF_OUTFILE_H
#define PF_OUTFILE_H

#include <stdio.h>

typedef struct OutFile OutFile;

/*
 * Open path for writing ("-" = stdout). A regular file (or a name not yet taken) is written to a
 * temporary file beside it and renamed over it by outfile_close, so readers see the old file or the
 * whole new one; a symbolic link is followed and its target replaced. A device or FIFO is written
 * directly. A directory, or a file this program also reads (see outfile_note_input), is an error
 * naming path. Temporary files are removed when the program dies, exits early or is interrupted.
 */
OutFile *outfile_open(const char *path);
FILE *outfile_stream(const OutFile *o);
const char *outfile_path(const OutFile *o);
/* Flush, check and put the file in place; a failed write dies with "path: write error: ...". */
void outfile_close(OutFile *o);
/* Write a whole file at once: outfile_open, the bytes, outfile_close. */
void outfile_write_all(const char *path, const void *bytes, size_t n);

/*
 * Remember that the open descriptor fd (or path itself when fd < 0) is read by this program: an output naming the
 * same file, opened before or after, is an error ("is also an input"). stdin is checked by itself.
 */
void outfile_note_input(int fd, const char *path);

#endif
