#include "generate.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "err.h"
#include "outfile.h"
#include "tensor.h"

/* S = source positions, L = output tokens, Vt = target vocabulary */

/* The output tokens as a line of text, up to </s> (left out). */
static void output_line(FILE *f, const GenerateModel *g, const size_t *out, size_t L)
{
	bool first = true;

	for (size_t t = 0; t < L && out[t] != g->tok->eos; t++) {
		const char *tok = vocab_token(g->tok->tgt_vocab, out[t]);
		if (g->tok->src_tok.chars) /* characters join up again; the word boundary token is a space */
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
static void put_rescored(StreamWriter *attn, StreamWriter *scores_out, const GenerateModel *g, const Sequence *src,
			 const size_t *out, size_t L)
{
	const size_t S = src->len, Vt = g->tok->Vt;
	float *align = xmalloc(xmul(xmul(L, S + Vt, "rescore"), sizeof(float), "rescore"));
	float *scores = align + L * S;
	char **rows = xcalloc(L, sizeof(char *)); /* the output tokens */

	for (size_t t = 0; t < L; t++)
		rows[t] = xstrdup(vocab_token(g->tok->tgt_vocab, out[t]));
	g->rescore(g->ctx, align, scores, out, L, S);
	if (attn)
		put_matrix(attn, align, L, S, rows, src->tokens, g->align_name);
	if (scores_out)
		put_matrix(scores_out, scores, L, Vt, rows, g->tok->tgt_vocab->tokens, "log-probabilities");
	labels_free(rows, L);
	free(align);
}

void generate_stream(const char *input, FILE *out, StreamWriter *attn, StreamWriter *scores,
		     const GenerateModel *g)
{
	FILE *in = strcmp(input, "-") == 0 ? stdin : fopen(input, "r");
	char *line = NULL, where[512];
	size_t cap = 0, line_no = 0;
	ssize_t len;

	if (!in)
		die("%s:", input);
	outfile_note_input(fileno(in), input);
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
		sequence_encode(&src, g->tok->src_vocab, line, &g->tok->src_tok, where);
		if (src.len == 0) { /* nothing to translate: an empty line for an empty line */
			fputc('\n', out);
			sequence_free(&src);
			continue;
		}
		L = g->translate(g->ctx, src.ids, src.len, &ids);
		output_line(out, g, ids, L);
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
