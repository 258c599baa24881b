/* SPDX-License-Identifier: MIT */
#include "explain_transformer.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "err.h"
#include "explain.h"

/* T = query positions, S = key positions, E = d_model, H = heads, Dh = E / H, F = d_ff */

struct TraceSink {
	TransformerTrace trace;
	const char *stack;
	bool norm_first;
	size_t N, explain_rows;
	const char *dump_dir, *ext;
	WriteOptions out;
	size_t index;                          /* the input tensor now traced */
	char *const *row_labels, *const *key_labels;
	long layer_shown;                      /* --explain: the layer whose heading was printed last */
	char **names;                          /* [count] the dumped steps' full names */
	StreamWriter **writers;                /* [count] their files */
	size_t count;
};

/* What a step is, for --explain (by the name after "layers.i."). */
static const char *what(const char *name)
{
	static const char *const table[][2] = {
		{ "self_attn.q", "each head's queries: x W_q^T + b_q, split into heads" },
		{ "self_attn.k", "each head's keys: x W_k^T + b_k" },
		{ "self_attn.v", "each head's values: x W_v^T + b_v" },
		{ "self_attn.weights", "softmax(q k^T / sqrt(Dh)) of each head (rows: queries, columns: keys)" },
		{ "self_attn", "the heads' outputs side by side, times W_o^T + b_o" },
		{ "multihead_attn.q", "each head's queries from the decoder" },
		{ "multihead_attn.k", "each head's keys, from the memory" },
		{ "multihead_attn.v", "each head's values, from the memory" },
		{ "multihead_attn.weights", "which source positions each target position reads" },
		{ "multihead_attn", "the encoder-decoder attention's output" },
		{ "add1", "the residual connection: the sublayer's input + its output" },
		{ "add2", "the residual connection" },
		{ "add3", "the residual connection" },
		{ "norm1", "LayerNorm: every row to mean 0, variance 1, then times gamma plus beta" },
		{ "norm2", "LayerNorm" },
		{ "norm3", "LayerNorm" },
		{ "activation", "the feed-forward network's hidden layer: act(x W1^T + b1)" },
		{ "linear2", "the feed-forward network's output: hidden W2^T + b2" },
		{ "norm", "the final LayerNorm after the last layer" },
	};

	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (strcmp(table[i][0], name) == 0)
			return table[i][1];
	return "";
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* The labels of the keys of a step's attention: the memory's for the decoder's multihead_attn, else the rows' */
static char *const *keys_of(const TraceSink *s, const char *name)
{
	return strncmp(name, "multihead_attn", 14) == 0 ? s->key_labels : s->row_labels;
}

static void dump(TraceSink *s, const char *full, const char *name, const float *x, size_t d0, size_t d1,
		 size_t d2)
{
	bool heads = strchr(name, '.') != NULL, keys = ends_with(name, ".k") || ends_with(name, ".v");
	size_t shape[3] = { d0, d1, d2 }, k;
	Tensor *t;

	for (k = 0; k < s->count && strcmp(s->names[k], full) != 0; k++)
		;
	if (k == s->count) {
		char *path = xmalloc(strlen(s->dump_dir) + strlen(full) + 8);
		sprintf(path, "%s/%s%s", s->dump_dir, full, s->ext);
		s->names = xrealloc(s->names, xmul(s->count + 1, sizeof(char *), "dump"));
		s->writers = xrealloc(s->writers, xmul(s->count + 1, sizeof(StreamWriter *), "dump"));
		s->names[s->count] = xstrdup(full);
		s->writers[s->count++] = writer_open(path, &s->out);
		free(path);
	}
	t = heads ? tensor_new(3, shape) : tensor_new(2, shape + 1);
	memcpy(t->data, x, t->size * sizeof(float));
	tensor_set_name(t, full);
	tensor_set_row_labels(t, keys ? keys_of(s, name) : s->row_labels);
	if (ends_with(name, ".weights"))
		tensor_set_col_labels(t, keys_of(s, name));
	writer_put(s->writers[k], t);
	tensor_free(t);
}

static void explain(TraceSink *s, size_t layer, const char *name, const float *x, size_t d0, size_t d1, size_t d2)
{
	bool keys = ends_with(name, ".k") || ends_with(name, ".v"), weights = ends_with(name, ".weights");
	size_t rows = d1 < s->explain_rows ? d1 : s->explain_rows;
	char title[160];

	if ((long)layer != s->layer_shown) {
		s->layer_shown = (long)layer;
		if (layer == s->N)
			explain_step("%s: after the last layer", s->stack);
		else
			explain_step("%s layer %zu of %zu (%s)", s->stack, layer, s->N,
				     s->norm_first ? "pre-norm: x + Sublayer(LayerNorm(x))" :
						     "post-norm: LayerNorm(x + Sublayer(x))");
	}
	if (strchr(name, '.'))
		snprintf(title, sizeof(title), "%s  %zu x %zu x %zu: %s; head 0, first %zu rows", name, d0, d1, d2,
			 what(name), rows);
	else
		snprintf(title, sizeof(title), "%s  %zu x %zu: %s; first %zu rows", name, d1, d2, what(name), rows);
	explain_matrix(title, x, rows, d2, keys ? keys_of(s, name) : s->row_labels, weights ? keys_of(s, name) : NULL);
}

static void put(void *ctx, size_t layer, const char *name, const float *x, size_t d0, size_t d1, size_t d2)
{
	TraceSink *s = ctx;
	char full[96];

	if (strcmp(name, "norm") == 0)
		snprintf(full, sizeof(full), "norm");
	else
		snprintf(full, sizeof(full), "layers.%zu.%s", layer, name);
	if (s->explain_rows && s->index == 0)
		explain(s, layer, name, x, d0, d1, d2);
	if (s->dump_dir)
		dump(s, full, name, x, d0, d1, d2);
}

TraceSink *trace_sink_new(Transformer *m, const char *stack, size_t explain_rows, const char *dump_dir,
			  const WriteOptions *out)
{
	TraceSink *s = xcalloc(1, sizeof(*s));

	s->trace.put = put;
	s->trace.ctx = s;
	s->stack = stack;
	s->norm_first = m->cfg.norm_first;
	s->N = m->cfg.N;
	s->explain_rows = explain_rows;
	s->dump_dir = dump_dir;
	s->out = *out;
	s->ext = out->format == FORMAT_NPY ? ".npy" : out->format == FORMAT_BINARY ? ".bin" : ".txt";
	s->layer_shown = -1;
	if (dump_dir && mkdir(dump_dir, 0777) != 0 && errno != EEXIST)
		die("%s:", dump_dir);
	m->trace = &s->trace;
	return s;
}

void trace_sink_begin(TraceSink *s, size_t index, char *const *row_labels, char *const *key_labels)
{
	s->index = index;
	s->row_labels = row_labels;
	s->key_labels = key_labels;
}

void trace_sink_free(TraceSink *s, Transformer *m)
{
	if (s == NULL)
		return;
	for (size_t k = 0; k < s->count; k++) {
		writer_close(s->writers[k]);
		free(s->names[k]);
	}
	free(s->writers);
	free(s->names);
	free(s);
	m->trace = NULL;
}
