/* SPDX-License-Identifier: MIT */
/* sides: where keys and values come from (--memory, --keys, --values), with --causal, --rope and --attn. */
#include "sides.h"

#include <string.h>

#include "err.h"

void sides_init(Sides *s)
{
	*s = (Sides){ .rope_base = 10000.0 };
}

const char *sides_attn_name(const Sides *s)
{
	static const char *const names[NORMALIZE_COUNT] = {
		[NORMALIZE_SOFTMAX] = "attn", [NORMALIZE_SIGMOID] = "attn.sigmoid", [NORMALIZE_RELU] = "attn.relu",
		[NORMALIZE_SPARSEMAX] = "attn.sparsemax", [NORMALIZE_NONE] = "attn.none",
	};

	return names[s->normalize];
}

static bool is_stdin(const char *path)
{
	return path && strcmp(path, "-") == 0;
}

void sides_check(const Sides *s, const char *input, SideRule rule)
{
	if (s->memory && s->keys_path != s->values_path)
		usage_error("--memory gives keys and values: do not combine it with --keys or --values");
	if (is_stdin(input) && (is_stdin(s->keys_path) || is_stdin(s->values_path)))
		usage_error("standard input can hold the queries or the keys and values, not both: name a file");
	if (rule == SIDES_PAIRED && (s->keys_path == NULL) != (s->values_path == NULL))
		usage_error("--keys and --values go together (or --memory FILE for both)");
	if (s->values_path && !s->keys_path)
		usage_error("--values needs --keys");
	if (s->rope_set && !s->rope)
		usage_error("--rope-base and --offset set up --rope: give it");
}

void sides_open(Sides *s, const WriteOptions *out)
{
	if (s->keys_path)
		s->keys = stream_open(s->keys_path);
	if (s->values_path && (!s->keys_path || strcmp(s->values_path, s->keys_path) != 0))
		s->values = stream_open(s->values_path);
	if (s->attn_path)
		s->attn = writer_open(s->attn_path, out);
}

void sides_read(Sides *s, size_t index)
{
	if (s->keys)
		s->k = stream_read_paired(s->keys, s->k, index);
	if (s->values)
		s->v = stream_read_paired(s->values, s->v, index);
}

const Tensor *sides_keys(const Sides *s, const Tensor *x)
{
	return s->keys ? s->k : x;
}

const Tensor *sides_values(const Sides *s, const Tensor *x)
{
	return s->values ? s->v : sides_keys(s, x);
}

const char *sides_keys_path(const Sides *s, const char *input)
{
	return s->keys ? s->keys_path : input;
}

const char *sides_values_path(const Sides *s, const char *input)
{
	return s->values ? s->values_path : sides_keys_path(s, input);
}

void sides_close(Sides *s, size_t n_inputs)
{
	if (s->keys)
		stream_end_paired(s->keys, n_inputs);
	if (s->values)
		stream_end_paired(s->values, n_inputs);
	if (s->attn)
		writer_close(s->attn);
	if (s->keys)
		stream_close(s->keys);
	if (s->values)
		stream_close(s->values);
	tensor_free(s->k);
	tensor_free(s->v);
	*s = (Sides){ 0 };
}
