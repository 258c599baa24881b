/* SPDX-License-Identifier: MIT */
/* vocab: vocabularies (one token per line), tokenising text into ids, ids back to tokens, the embedding lookup. */
#ifndef PF_VOCAB_H
#define PF_VOCAB_H

#include <stdbool.h>
#include <stddef.h>

#include "tensor.h"

/* V = vocabulary size, T = positions (tokens of one sequence), E = d_model */

/* The special tokens. A vocabulary built by vocab_by_frequency() has them first, with these ids;
 * a loaded vocabulary has them wherever its file puts them (or not at all): look them up by name. */
#define VOCAB_PAD "<pad>"
#define VOCAB_UNK "<unk>"
#define VOCAB_BOS "<s>"
#define VOCAB_EOS "</s>"
enum { VOCAB_PAD_ID = 0, VOCAB_UNK_ID = 1, VOCAB_BOS_ID = 2, VOCAB_EOS_ID = 3, VOCAB_SPECIALS = 4 };
/* With --chars, a run of whitespace between characters is this one token (a word boundary). */
#define VOCAB_SPACE "<sp>"

/* Tokens and their ids: id = position in tokens[]; a hash table finds the id of a token. */
typedef struct {
	char **tokens;   /* [V] */
	size_t *counts;  /* [V] occurrences counted by vocab_count(); zeros otherwise */
	size_t count;    /* V */
	size_t cap;      /* allocated entries of tokens and counts */
	size_t *slots;   /* [nslots] hash table of id + 1 (0 = empty), open addressing */
	size_t nslots;   /* a power of two, at least twice count */
} Vocab;

Vocab *vocab_new(void);
void vocab_free(Vocab *v);
/* The id of token, added at the end when it is new. */
size_t vocab_add(Vocab *v, const char *token);
/* Add token if new and count one occurrence of it (for building from text). */
void vocab_count(Vocab *v, const char *token);
/* true and *id when token is in the vocabulary. */
bool vocab_find(const Vocab *v, const char *token, size_t *id);
/* The token of an id (id < v->count). */
const char *vocab_token(const Vocab *v, size_t id);

/*
 * A new vocabulary from counted tokens: <pad> <unk> <s> </s> (ids 0 to 3), then the other tokens
 * by falling count, ties in byte order (strcmp, as the C locale sorts). Special tokens met in the
 * text keep their special ids. The same text always gives the same ids.
 */
Vocab *vocab_by_frequency(const Vocab *counted);
/* Count every token of a line (words, or characters with chars) into counted: building a vocabulary
 * from text is vocab_count_line on each line, then vocab_by_frequency (embed and train do just that). */
void vocab_count_line(Vocab *counted, const char *line, bool chars);

/* One token per line, id = line number from 0. Dies naming file and line on an empty token,
 * a token with whitespace in it, or a token seen twice. A trailing "\r" is dropped. */
Vocab *vocab_load(const char *path);
/* The same from the text of such a file (a vocabulary kept in a model archive); where names it in errors. */
Vocab *vocab_parse(const char *text, const char *where);
/* Write one token per line; dies on a write error. */
void vocab_save(const Vocab *v, const char *path);

/* ---- tokenising ---------------------------------------------------------------------------- */

/* How a line becomes ids: the options `embed` (and `decode --generate`) share. */
typedef struct {
	bool chars;      /* --chars: UTF-8 characters, whitespace runs as VOCAB_SPACE; else whitespace-separated words */
	bool ids;        /* --ids: the line holds integer ids, not words */
	bool bos, eos;   /* --bos / --eos: <s> before, </s> after the sequence */
	size_t pad_to;   /* --pad-to N: append <pad> up to N positions (0 = no padding) */
} TokenizeOptions;

/* One tokenised line: T ids and the token each one stands for (its row label). */
typedef struct {
	size_t *ids;     /* [T] */
	char **tokens;   /* [T] the vocabulary's spelling: an unknown word is "<unk>" */
	size_t len;      /* T (0 for an empty line without --bos/--eos/--pad-to) */
	char *unknown;   /* the words read as <unk>, quoted and escaped: "'The', 'mat.'"; NULL when none */
} Sequence;

/* Split a line into tokens (words, or characters with --chars); returns their number, *out [n] (caller frees
 * with labels_free). A line of whitespace only gives 0 tokens. The line's newline must be removed first. */
size_t tokenize(char ***out, const char *line, bool chars);

/*
 * The ids of one line under o, looked up in v. `where` ("path: line N") starts every error:
 * an unknown word without <unk> in v, an id that is not a whole number or not below V (with o->ids),
 * a special token the options need but v lacks, a sequence longer than o->pad_to.
 */
void sequence_encode(Sequence *s, const Vocab *v, const char *line, const TokenizeOptions *o, const char *where);
void sequence_free(Sequence *s);

/* ---- embedding lookup ---------------------------------------------------------------------- */

/*
 * out[T,E] = scale * weight[ids[t], :]   (torch.nn.Embedding; the paper, section 3.4, multiplies the
 * embeddings by sqrt(E) so that they are not drowned by the positional encoding). Every ids[t] < V.
 */
void embedding_forward(float *out, const float *weight, const size_t *ids, float scale, size_t T, size_t E);
/* Its backward: d_weight[ids[t], :] += scale * d_out[t, :] (a word seen twice gets both gradients). */
void embedding_backward(float *d_weight, const float *d_out, const size_t *ids, float scale, size_t T, size_t E);
/*
 * nn.Embedding's max_norm, as torch.embedding_renorm_ does it before each lookup, in place: for every row
 * r = weight[ids[t], :] (weight[V,E]) whose norm ||r||_p = (sum_e |r_e|^p)^(1/p) exceeds max_norm,
 *   r *= max_norm / (||r||_p + 1e-7)
 * (the 1e-7 keeps the result just under max_norm). p is PyTorch's norm_type (default 2). Every ids[t] < V.
 */
void embedding_renorm(float *weight, const size_t *ids, double max_norm, double p, size_t T, size_t E);
/* sqrt(E), the factor of --scale (section 3.4), rounded to float once. */
float embedding_scale(size_t E);
/* out[T,V] = one-hot rows: out[t, ids[t]] = 1, else 0. */
void one_hot(float *out, const size_t *ids, size_t T, size_t V);

/*
 * The tensor `embed` writes for one sequence: [T, E] rows of weight[V, E] times scale, or, when weight is
 * NULL, [T, V] one-hot rows with the vocabulary as column labels. Rows are labelled with the tokens, or
 * "token:id" with show_ids; a sequence of length 0 gives a 0 x E (0 x V) tensor without labels.
 */
Tensor *sequence_tensor(const Sequence *s, const Vocab *v, const float *weight, size_t E, float scale,
			bool show_ids);

#endif
