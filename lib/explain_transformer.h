/* SPDX-License-Identifier: MIT */
/* explain_transformer: encode and decode --explain (every step of every layer on stderr) and --dump DIR. */
#ifndef PF_EXPLAIN_TRANSFORMER_H
#define PF_EXPLAIN_TRANSFORMER_H

#include <stdbool.h>
#include <stddef.h>

#include "stream.h"
#include "transformer.h"

/* T = query positions, S = key positions, E = d_model, H = heads, Dh = E / H, F = d_ff */

/*
 * What the trace of a Transformer stack (TransformerTrace) is shown to. Each step of each layer goes
 *   --explain: for the first input tensor, as a heading per layer and, per step, its name, shape, what
 *              it is, and its first `explain_rows` rows on standard error;
 *   --dump:    for every input tensor, into DIR/<name>.txt (.bin with -b, .npy with --npy), one tensor
 *              per input, named by PyTorch's module path: layers.0.self_attn.q (H x T x Dh), .k and .v
 *              (H x S x Dh), .weights (H x T x S), layers.0.self_attn (T x E, the sublayer's output),
 *              add1 (x + sublayer), norm1, activation (T x F), linear2, add2, norm2 (and the decoder's
 *              multihead_attn.*, add3, norm3), norm (the final one). Rows carry the tokens.
 */
typedef struct TraceSink TraceSink;

/* A sink for the stack m ("encoder" or "decoder" in headings); sets m->trace to it. dump_dir NULL = no dump. */
TraceSink *trace_sink_new(Transformer *m, const char *stack, size_t explain_rows, const char *dump_dir,
			  const WriteOptions *out);
/* Before each input tensor: its index in the stream, the query rows' labels and the keys' (decoder: the
 * memory's; NULL = none), which label the dumped tensors. */
void trace_sink_begin(TraceSink *s, size_t index, char *const *row_labels, char *const *key_labels);
/* Close the dumped files (checking the writes) and free; m->trace is cleared. */
void trace_sink_free(TraceSink *s, Transformer *m);

#endif
