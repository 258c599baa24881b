/* SPDX-License-Identifier: MIT */
#include "corpus.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "outfile.h"

static void push(Corpus *c, size_t *cap, const char *src, const char *tgt, const char *path, size_t line_no)
{
	char where[512];

	if (c->n == *cap) {
		*cap = *cap ? xmul(*cap, 2, "corpus") : 256;
		c->src = xrealloc(c->src, xmul(*cap, sizeof(char *), "corpus"));
		c->tgt = xrealloc(c->tgt, xmul(*cap, sizeof(char *), "corpus"));
		c->where = xrealloc(c->where, xmul(*cap, sizeof(char *), "corpus"));
	}
	snprintf(where, sizeof(where), "%s: line %zu", path, line_no);
	c->src[c->n] = xstrdup(src);
	c->tgt[c->n] = xstrdup(tgt);
	c->where[c->n] = xstrdup(where);
	c->n++;
}

/* The next line of f without its newline (and "\r"), or NULL at the end; dies on a read error. */
static char *next_line(FILE *f, char **buf, size_t *cap, const char *path)
{
	ssize_t len = getline(buf, cap, f);

	if (len < 0) {
		if (ferror(f))
			die("%s: read error:", path);
		return NULL;
	}
	while (len > 0 && ((*buf)[len - 1] == '\n' || (*buf)[len - 1] == '\r'))
		(*buf)[--len] = '\0';
	return *buf;
}

static FILE *open_text(const char *path)
{
	FILE *f = fopen(path, "r");

	if (!f)
		die("%s:", path);
	outfile_note_input(fileno(f), path);
	return f;
}

void corpus_read_pairs(Corpus *c, const char *path)
{
	FILE *f = open_text(path);
	char *buf = NULL, *line;
	size_t cap = 0, n_cap = 0, line_no = 0;

	memset(c, 0, sizeof(*c));
	while ((line = next_line(f, &buf, &cap, path))) {
		char *tab = strchr(line, '\t');
		line_no++;
		if (!tab)
			die("%s: line %zu: no tab between source and target", path, line_no);
		*tab = '\0';
		push(c, &n_cap, line, tab + 1, path, line_no);
	}
	free(buf);
	fclose(f);
}

void corpus_read_sides(Corpus *c, const char *src_path, const char *tgt_path)
{
	FILE *fs = open_text(src_path), *ft = open_text(tgt_path);
	char *bs = NULL, *bt = NULL, *ls, *lt;
	size_t cs = 0, ct = 0, n_cap = 0, line_no = 0;

	memset(c, 0, sizeof(*c));
	for (;;) {
		ls = next_line(fs, &bs, &cs, src_path);
		lt = next_line(ft, &bt, &ct, tgt_path);
		if (!ls || !lt)
			break;
		push(c, &n_cap, ls, lt, src_path, ++line_no);
	}
	if (ls || lt)
		die("%s: %s lines than %s (a parallel text has one target line per source line)",
		    ls ? src_path : tgt_path, "more", ls ? tgt_path : src_path);
	free(bs), free(bt);
	fclose(fs), fclose(ft);
}

void corpus_free(Corpus *c)
{
	labels_free(c->src, c->n);
	labels_free(c->tgt, c->n);
	labels_free(c->where, c->n);
	memset(c, 0, sizeof(*c));
}

Vocab *corpus_vocab(const Corpus *c, bool tgt, bool chars)
{
	Vocab *counted = vocab_new(), *built;

	for (size_t k = 0; k < c->n; k++)
		vocab_count_line(counted, tgt ? c->tgt[k] : c->src[k], chars);
	built = vocab_by_frequency(counted);
	vocab_free(counted);
	return built;
}

PairIds *corpus_ids(const Corpus *c, const Vocab *src_vocab, const Vocab *tgt_vocab, const TokenizeOptions *src_tok)
{
	PairIds *p = xcalloc(c->n ? c->n : 1, sizeof(PairIds));
	TokenizeOptions tgt_tok = { .bos = true, .eos = true };

	for (size_t k = 0; k < c->n; k++) {
		Sequence s, t;
		sequence_encode(&s, src_vocab, c->src[k], src_tok, c->where[k]);
		sequence_encode(&t, tgt_vocab, c->tgt[k], &tgt_tok, c->where[k]);
		if (s.len == 0)
			die("%s: empty source sentence", c->where[k]);
		p[k] = (PairIds){ s.ids, t.ids, s.len, t.len };
		labels_free(s.tokens, s.len);
		labels_free(t.tokens, t.len);
		free(s.unknown);
		free(t.unknown);
	}
	return p;
}

void corpus_ids_free(PairIds *p, size_t n)
{
	for (size_t k = 0; k < n && p; k++)
		free(p[k].src), free(p[k].tgt);
	free(p);
}
