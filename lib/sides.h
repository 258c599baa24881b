/* SPDX-License-Identifier: MIT */
/* sides: where keys and values come from (--memory, --keys, --values), with --causal, --rope, --normalize and --attn. */
#ifndef PF_SIDES_H
#define PF_SIDES_H

#include <stdbool.h>
#include <stddef.h>

#include "softmax.h"
#include "stream.h"
#include "tensor.h"

/*
 * How --keys and --values combine; the one place where attend and mha differ on purpose.
 * Both take --memory FILE for keys = values, and self-attention (the queries) without any.
 */
typedef enum {
	SIDES_PAIRED,         /* --keys and --values go together (attend) */
	SIDES_KEYS_AS_VALUES, /* --keys alone serves as the values too (mha, as nn.MultiheadAttention(q, k, k)) */
} SideRule;

/*
 * The side streams of an attention program and the options that go with them. The paths come
 * from the command line; sides_open turns them into streams, sides_read reads the tensors that
 * go with each query tensor.
 */
typedef struct {
	const char *keys_path;   /* --keys or --memory; NULL = the queries themselves */
	const char *values_path; /* --values or --memory; NULL = the keys */
	bool memory;             /* --memory gave both */
	bool causal;             /* --causal: query t sees keys 0 .. t only */
	bool rope;               /* --rope: rotate queries and keys by their positions */
	bool rope_set;           /* --rope-base or --offset given */
	double rope_base;        /* --rope-base (default 10000) */
	size_t rope_offset;      /* --offset: the position of row 0 (default 0) */
	const char *attn_path;   /* --attn FILE; NULL = none */
	Normalize normalize;     /* --normalize: how scores become weights (default softmax) */

	StreamReader *keys;      /* NULL: no stream of keys (self-attention) */
	StreamReader *values;    /* NULL: the values are the keys */
	StreamWriter *attn;      /* NULL: no --attn */
	Tensor *k, *v;           /* the current tensors of keys and values (sides_read) */
} Sides;

/* No side streams, no --causal, no --rope (base 10000, offset 0), no --attn. */
void sides_init(Sides *s);

/*
 * The usage errors of a wrong combination, given the input path of the queries ("-" = stdin):
 * --memory with --keys or --values; --values without --keys, or (SIDES_PAIRED) --keys without
 * --values; standard input named for both queries and keys or values; --rope-base or --offset
 * without --rope.
 */
void sides_check(const Sides *s, const char *input, SideRule rule);

/* Open the key and value streams (one stream when both name the same file) and --attn's writer. */
void sides_open(Sides *s, const WriteOptions *out);

/* The keys and values that go with query tensor #index (stream_read_paired), into s->k and s->v. */
void sides_read(Sides *s, size_t index);

/* The current keys, values for the queries x, and the paths they come from (input = x's). */
const Tensor *sides_keys(const Sides *s, const Tensor *x);
const Tensor *sides_values(const Sides *s, const Tensor *x);
const char *sides_keys_path(const Sides *s, const char *input);
const char *sides_values_path(const Sides *s, const char *input);

/* The name of the weights --attn writes: "attn", or "attn.sparsemax" (and so on) under another --normalize. */
const char *sides_attn_name(const Sides *s);

/*
 * After n_inputs query tensors: die when a side stream holds more tensors (stream_end_paired),
 * close --attn's writer and the streams, free the tensors.
 */
void sides_close(Sides *s, size_t n_inputs);

#endif
