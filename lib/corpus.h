/* SPDX-License-Identifier: MIT */
/* corpus: a parallel text for training: sentence pairs from a TSV file or two files, as token ids. */
#ifndef PF_CORPUS_H
#define PF_CORPUS_H

#include <stdbool.h>
#include <stddef.h>

#include "vocab.h"

/* The lines of a parallel text, and where each came from ("path: line N"). */
typedef struct {
	char **src, **tgt, **where;  /* [n] */
	size_t n;
} Corpus;

/* path: one pair a line, "source TAB target". Dies naming file and line on a line without a tab. */
void corpus_read_pairs(Corpus *c, const char *path);
/* src_path and tgt_path: line k of one translates line k of the other; they must have as many lines. */
void corpus_read_sides(Corpus *c, const char *src_path, const char *tgt_path);
void corpus_free(Corpus *c);
/* The vocabulary of one side (target: tgt = true) as embed builds it: vocab_count_line, vocab_by_frequency. */
Vocab *corpus_vocab(const Corpus *c, bool tgt, bool chars);

/*
 * Pair k as ids: src[S] by src_tok (its <s>/</s> and --chars as the model's config says), tgt[T] =
 * <s> words </s> (the target is always words: decode --generate writes them with spaces between).
 * The arrays are allocated (free them with corpus_ids_free). Dies naming the line on an empty source
 * or a word a vocabulary without <unk> lacks.
 */
typedef struct {
	size_t *src, *tgt;
	size_t S, T;
} PairIds;

PairIds *corpus_ids(const Corpus *c, const Vocab *src_vocab, const Vocab *tgt_vocab, const TokenizeOptions *src_tok);
void corpus_ids_free(PairIds *p, size_t n);

#endif
