/* SPDX-License-Identifier: MIT */
#include "generate.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "err.h"
#include "outfile.h"
#include "search.h"
#include "tensor.h"

/* S = source positions, L = output tokens, K = hypotheses, Vt = target vocabulary */

struct Generator {
	const Model *m;
	ModelRun *run;              /* the memory and each hypothesis' decoder state */
	Beam *beam;
	size_t *parent;             /* [K] */
	float *logprobs;            /* [K, Vt] */
	size_t layer;               /* the alignment's decoder layer and head (the Transformer's) */
	long head;
	const char *where;          /* the input line, for messages */
};

Generator *generator_new(const Model *m, const GenerateOptions *o)
{
	Generator *g = xcalloc(1, sizeof(Generator));
	const size_t K = o->beam, Vt = m->tok.Vt;

	if (!m->recurrent) {
		const TransformerConfig *dec = &m->transformer.decoder.cfg;
		if (o->attn_layer >= 0 && (size_t)o->attn_layer >= dec->N)
			usage_error("--attn-layer %ld: the decoder has layers 0 to %zu", o->attn_layer, dec->N - 1);
		if (o->attn_head >= 0 && (size_t)o->attn_head >= dec->H)
			usage_error("--attn-head %ld: the model has heads 0 to %zu", o->attn_head, dec->H - 1);
		g->layer = o->attn_layer < 0 ? dec->N - 1 : (size_t)o->attn_layer;
	}
	g->head = o->attn_head;
	g->m = m;
	g->run = model_run_new(m, K, o->max_len, o->use_cache);
	g->beam = beam_new(K, Vt, o->max_len, m->tok.eos, o->alpha);
	g->parent = xcalloc(K, sizeof(size_t));
	g->logprobs = xmalloc(xmul(xmul(K, Vt, "beam"), sizeof(float), "beam"));
	return g;
}

void generator_free(Generator *g)
{
	if (!g)
		return;
	model_run_free(g->run);
	beam_free(g->beam);
	free(g->parent);
	free(g->logprobs);
	free(g);
}

size_t generate(Generator *g, const size_t *src_ids, size_t S, const size_t **out)
{
	const size_t Vt = g->m->tok.Vt;
	Beam *b = g->beam;

	model_encode(g->run, src_ids, S);
	beam_reset(b);
	while (b->live) {
		/* every live hypothesis takes one decoder step from its last token (<s> at first) */
		for (size_t k = 0; k < b->live; k++)
			model_decode_step(g->run, g->logprobs + k * Vt, k, b->tokens + k * b->max_len, b->len);
		/* a NaN would be taken for some token and decoding would go on: stop where it appeared
		   (-inf is a log-probability of 0, NaN and +inf come from overflowing weights) */
		for (size_t i = 0; i < b->live * Vt; i++)
			if (isnan(g->logprobs[i]) || g->logprobs[i] == INFINITY)
				die("%s: output token %zu: %s in the log-probabilities (do the weights overflow?)",
				    g->where ? g->where : "generate", b->len + 1, isnan(g->logprobs[i]) ? "NaN" : "Inf");
		/* the K best continuations survive; each takes over its parent's decoder state */
		beam_step(b, g->parent, g->logprobs);
		if (b->live)
			model_reorder(g->run, g->parent, b->live);
	}
	return beam_best(b, out);
}

void generator_rescore(Generator *g, float *align, float *scores, const size_t *out, size_t L)
{
	model_rescore(g->run, align, scores, out, L, g->layer, g->head);
}

/* The output tokens as a line of text, up to </s> (left out). */
static void output_line(FILE *f, const Model *m, const size_t *out, size_t L)
{
	bool first = true;

	for (size_t t = 0; t < L && out[t] != m->tok.eos; t++) {
		const char *tok = vocab_token(m->tok.tgt_vocab, out[t]);
		if (m->tok.src_tok.chars) /* characters join up again; the word boundary token is a space */
			fputs(strcmp(tok, VOCAB_SPACE) == 0 ? " " : tok, f);
		else
			fprintf(f, "%s%s", first ? "" : " ", tok);
		first = false;
	}
	fputc('\n', f);
}

static void put_matrix(StreamWriter *w, const float *x, size_t rows, size_t cols, char **row_labels,
		       char **col_labels, const char *name)
{
	Tensor *t = tensor_new2(rows, cols);

	memcpy(t->data, x, t->size * sizeof(float));
	tensor_set_row_labels(t, row_labels);
	tensor_set_col_labels(t, col_labels);
	tensor_set_name(t, name);
	writer_put(w, t);
	tensor_free(t);
}

/* --attn and --scores of one line: the chosen output out[L] of the source src (S tokens) rescored. */
static void put_rescored(StreamWriter *attn, StreamWriter *scores_out, Generator *g, const Sequence *src,
			 const size_t *out, size_t L)
{
	const Model *m = g->m;
	const size_t S = src->len, Vt = m->tok.Vt;
	float *align = xmalloc(xmul(xmul(L, S + Vt, "rescore"), sizeof(float), "rescore"));
	float *scores = align + L * S;
	char **rows = xcalloc(L, sizeof(char *)); /* the output tokens */

	for (size_t t = 0; t < L; t++)
		rows[t] = xstrdup(vocab_token(m->tok.tgt_vocab, out[t]));
	generator_rescore(g, align, scores, out, L);
	if (attn)
		put_matrix(attn, align, L, S, rows, src->tokens, model_align_name(m));
	if (scores_out)
		put_matrix(scores_out, scores, L, Vt, rows, m->tok.tgt_vocab->tokens, "log-probabilities");
	labels_free(rows, L);
	free(align);
}

void generate_stream(const char *input, FILE *out, StreamWriter *attn, StreamWriter *scores, Generator *g)
{
	const Model *m = g->m;
	FILE *in = strcmp(input, "-") == 0 ? stdin : fopen(input, "r");
	char *line = NULL, where[512];
	size_t cap = 0, line_no = 0;
	ssize_t len;

	if (!in)
		die("%s:", input);
	outfile_note_input(fileno(in), input);
	if (in == stdin)
		hint_terminal_input("sentences to translate (one per line)");
	while ((len = getline(&line, &cap, in)) != -1) {
		Sequence src;
		const size_t *ids;
		size_t L;
		line_no++;
		if (len > 0 && line[len - 1] == '\n')
			line[--len] = '\0';
		snprintf(where, sizeof(where), "%s: line %zu", strcmp(input, "-") == 0 ? "stdin" : input, line_no);
		if (memchr(line, '\0', (size_t)len))
			die("%s: NUL byte: binary data, not text?", where);
		sequence_encode(&src, m->tok.src_vocab, line, &m->tok.src_tok, where);
		if (src.unknown) /* once a line: a translation of <unk> should not pass for one of the words */
			warning("%s: not in the source vocabulary, translated as %s: %s", where, VOCAB_UNK, src.unknown);
		if (src.len == 0) { /* nothing to translate: an empty line for an empty line */
			fputc('\n', out);
			sequence_free(&src);
			continue;
		}
		g->where = where;
		L = generate(g, src.ids, src.len, &ids);
		output_line(out, m, ids, L);
		if (attn || scores)
			put_rescored(attn, scores, g, &src, ids, L);
		sequence_free(&src);
	}
	if (ferror(in))
		die("%s: read error:", input);
	if (in != stdin)
		fclose(in);
	free(line);
}
