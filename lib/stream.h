/* SPDX-License-Identifier: MIT */
/* stream: read and write tensor streams in their three forms (text, binary, .npy), detected on input. */
#ifndef PF_STREAM_H
#define PF_STREAM_H

#include <stdbool.h>
#include <stdio.h>

#include "tensor.h"

typedef enum { FORMAT_TEXT, FORMAT_BINARY, FORMAT_NPY } StreamFormat;

/* How a program writes: --binary, --npy, --digits N. */
typedef struct {
	StreamFormat format;
	int digits; /* text only: 0 = shortest decimal that reads back exactly, else N significant digits */
} WriteOptions;

#define BINARY_MAGIC "\x89PFT"
#define BINARY_VERSION 1

typedef struct StreamReader StreamReader;

/* Open path for reading ("-" = stdin); dies with "path: ..." when it cannot. */
StreamReader *stream_open(const char *path);
/* Read from a FILE the caller opened and will close (name is used in messages). */
StreamReader *stream_from_file(FILE *f, const char *name);
/*
 * Read the next tensor into *out (caller frees). Returns false at the end of the stream.
 * Bad data dies with "prog: path: line N: what"; a stream that ends before its first tensor
 * dies with "empty stream". NaN and Inf are rejected with their position.
 */
bool stream_read(StreamReader *r, Tensor **out);
/* Let NaN and Inf through (for `tensor info`, which counts them); every other reader rejects them. */
void stream_allow_nonfinite(StreamReader *r);
/* How many tensors have been read so far. */
size_t stream_count(const StreamReader *r);
const char *stream_path(const StreamReader *r);
void stream_close(StreamReader *r);
/*
 * Side inputs (--memory, --keys, --values): tensor i of the side stream goes with tensor i of the
 * input, and a side stream of a single tensor serves every input tensor. Returns the side tensor
 * for input tensor input_index (previous, the one returned last time, is freed when replaced);
 * dies naming the side stream when it runs out first.
 */
Tensor *stream_read_paired(StreamReader *side, Tensor *previous, size_t input_index);
/* After the last of n_inputs input tensors: die when the side stream holds more than they do. */
void stream_end_paired(StreamReader *side, size_t n_inputs);
/* Read a whole file holding exactly one tensor (for --mask FILE and the like). */
Tensor *stream_read_single(const char *path);

/* Write one tensor; a failed write dies with "where: write error". */
void stream_write(FILE *f, const Tensor *t, const WriteOptions *o);

/* Output to a named file ("-" = stdout) for --attn FILE and the like. */
typedef struct StreamWriter StreamWriter;
StreamWriter *writer_open(const char *path, const WriteOptions *o);
void writer_put(StreamWriter *w, const Tensor *t);
/* Flush and close, checking for write errors. */
void writer_close(StreamWriter *w);

/* Shortest decimal that reads back to the same float32 (digits = 0), or %.{digits}g. buf >= 32 bytes. */
int format_float(char *buf, float v, int digits);

/*
 * Labels in text are UTF-8 as they are; what would break the grammar is written as \xHH: the space, the
 * backslash, control bytes (C0, DEL, C1), bytes that are not valid UTF-8, and any ASCII byte in extra.
 * label_escape_ascii_str escapes every byte above 0x7e too (the .npy header). label_unescape undoes
 * either in place.
 */
void label_escape(FILE *f, const char *label, const char *extra);
char *label_escape_str(const char *label, const char *extra);
char *label_escape_ascii_str(const char *label, const char *extra);
void label_unescape(char *s);
/* Split list at any byte of seps into exactly n labels (\xHH undone when escaped); dies "where: what: ..." otherwise. */
char **labels_split(const char *list, const char *seps, bool escaped, size_t n, const char *where,
		    const char *what);

/* float32 data as little-endian bytes, the byte order of every binary form we read and write. */
void write_floats_le(FILE *f, const float *x, size_t n);
/* In place is allowed (out == bytes): reinterpret n little-endian float32 values. */
void floats_from_le(float *out, const void *bytes, size_t n);
/* The next nbytes of f in a new buffer; dies "truncated" when fewer follow (checked before allocating when f is a file). */
void *read_payload(FILE *f, const char *where, size_t nbytes);

/* A sequence is a T x C matrix (a 1-D tensor is one row); more axes, or nothing in it, dies naming
 * tensor #(count - 1) of r. */
void require_sequence(const Tensor *t, const StreamReader *r);

#endif
