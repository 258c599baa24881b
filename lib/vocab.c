/* SPDX-License-Identifier: MIT */
#include "vocab.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "outfile.h"
#include "stream.h"

/* V = vocabulary size, T = positions (tokens of one sequence), E = d_model */

/* ---- the table ------------------------------------------------------------------------------ */

/* FNV-1a: a simple hash with good spread for short strings. */
static uint64_t hash_token(const char *s)
{
	uint64_t h = 14695981039346656037u;

	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		h = (h ^ *p) * 1099511628211u;
	return h;
}

/* The slot that holds token, or the empty slot where it would go. */
static size_t find_slot(const Vocab *v, const char *token)
{
	size_t mask = v->nslots - 1, i = (size_t)hash_token(token) & mask;

	while (v->slots[i] != 0 && strcmp(v->tokens[v->slots[i] - 1], token) != 0)
		i = (i + 1) & mask; /* linear probing: the table is never more than half full */
	return i;
}

static void rehash(Vocab *v, size_t nslots)
{
	free(v->slots);
	v->nslots = nslots;
	v->slots = xcalloc(nslots, sizeof(size_t));
	for (size_t id = 0; id < v->count; id++)
		v->slots[find_slot(v, v->tokens[id])] = id + 1;
}

Vocab *vocab_new(void)
{
	Vocab *v = xcalloc(1, sizeof(*v));

	rehash(v, 64);
	return v;
}

void vocab_free(Vocab *v)
{
	if (v == NULL)
		return;
	labels_free(v->tokens, v->count);
	free(v->counts);
	free(v->slots);
	free(v);
}

bool vocab_find(const Vocab *v, const char *token, size_t *id)
{
	size_t slot = find_slot(v, token);

	if (v->slots[slot] == 0)
		return false;
	*id = v->slots[slot] - 1;
	return true;
}

size_t vocab_add(Vocab *v, const char *token)
{
	size_t id;

	if (vocab_find(v, token, &id))
		return id;
	if (v->count == v->cap) {
		v->cap = v->cap ? xmul(v->cap, 2, "vocabulary") : 16;
		v->tokens = xrealloc(v->tokens, xmul(v->cap, sizeof(char *), "vocabulary"));
		v->counts = xrealloc(v->counts, xmul(v->cap, sizeof(size_t), "vocabulary"));
	}
	id = v->count++;
	v->tokens[id] = xstrdup(token);
	v->counts[id] = 0;
	if (xmul(v->count, 2, "vocabulary") > v->nslots)
		rehash(v, xmul(v->nslots, 2, "vocabulary"));
	else
		v->slots[find_slot(v, token)] = id + 1;
	return id;
}

void vocab_count(Vocab *v, const char *token)
{
	size_t id = vocab_add(v, token); /* first: adding may move v->counts */

	v->counts[id]++;
}

const char *vocab_token(const Vocab *v, size_t id)
{
	return v->tokens[id];
}

/* ---- building by frequency ------------------------------------------------------------------- */

typedef struct {
	const char *token;
	size_t count;
} Counted;

/* Falling count, then byte order. */
static int by_count_then_bytes(const void *pa, const void *pb)
{
	const Counted *a = pa, *b = pb;

	if (a->count != b->count)
		return a->count > b->count ? -1 : 1;
	return strcmp(a->token, b->token);
}

Vocab *vocab_by_frequency(const Vocab *counted)
{
	static const char *const specials[VOCAB_SPECIALS] = { VOCAB_PAD, VOCAB_UNK, VOCAB_BOS, VOCAB_EOS };
	Vocab *v = vocab_new();
	Counted *order = xcalloc(counted->count, sizeof(Counted));
	size_t n = 0;

	for (size_t i = 0; i < VOCAB_SPECIALS; i++)
		vocab_add(v, specials[i]);
	for (size_t id = 0; id < counted->count; id++) {
		size_t unused;
		if (vocab_find(v, counted->tokens[id], &unused))
			continue; /* a special token written in the text keeps its special id */
		order[n].token = counted->tokens[id];
		order[n].count = counted->counts[id];
		n++;
	}
	qsort(order, n, sizeof(Counted), by_count_then_bytes);
	for (size_t i = 0; i < n; i++) {
		size_t id = vocab_add(v, order[i].token);
		v->counts[id] = order[i].count;
	}
	for (size_t i = 0; i < VOCAB_SPECIALS; i++) {
		size_t id;
		if (vocab_find(counted, specials[i], &id))
			v->counts[i] = counted->counts[id];
	}
	free(order);
	return v;
}

/* ---- files ----------------------------------------------------------------------------------- */

/* One line of a vocabulary (newline removed, len bytes) as the next token, with vocab_load's checks. */
static void add_line(Vocab *v, char *line, size_t len, const char *where, size_t line_no)
{
	size_t id;

	if (len > 0 && line[len - 1] == '\r')
		line[--len] = '\0';
	if (len == 0)
		die("%s: line %zu: empty token (the file holds one token per line)", where, line_no);
	if (strlen(line) != len)
		die("%s: line %zu: a NUL byte in a token", where, line_no);
	for (const char *p = line; *p; p++)
		if (isspace((unsigned char)*p))
			die("%s: line %zu: token '%s' has whitespace in it", where, line_no, line);
	if (vocab_find(v, line, &id))
		die("%s: line %zu: token '%s' is already on line %zu", where, line_no, line, id + 1);
	vocab_add(v, line);
}

Vocab *vocab_load(const char *path)
{
	FILE *f = fopen(path, "r");
	Vocab *v;
	char *line = NULL;
	size_t cap = 0, line_no = 0;
	ssize_t len;

	if (f == NULL)
		die("%s:", path);
	outfile_note_input(fileno(f), path);
	v = vocab_new();
	while ((len = getline(&line, &cap, f)) != -1) {
		if (len > 0 && line[len - 1] == '\n')
			line[--len] = '\0';
		add_line(v, line, (size_t)len, path, ++line_no);
	}
	if (ferror(f))
		die("%s: read error:", path);
	free(line);
	fclose(f);
	if (v->count == 0)
		die("%s: empty vocabulary: no token", path);
	return v;
}

Vocab *vocab_parse(const char *text, const char *where)
{
	Vocab *v = vocab_new();
	char *copy = xstrdup(text), *line = copy;
	size_t line_no = 0;

	while (*line) {
		size_t len = strcspn(line, "\n");
		char *next = line[len] ? line + len + 1 : line + len;
		line[len] = '\0';
		add_line(v, line, len, where, ++line_no);
		line = next;
	}
	free(copy);
	if (v->count == 0)
		die("%s: empty vocabulary: no token", where);
	return v;
}

void vocab_save(const Vocab *v, const char *path)
{
	OutFile *o = outfile_open(path);

	for (size_t id = 0; id < v->count; id++)
		fprintf(outfile_stream(o), "%s\n", v->tokens[id]);
	outfile_close(o);
}

/* ---- tokenising ------------------------------------------------------------------------------ */

/* Bytes of the UTF-8 character at p: a lead byte and its continuation bytes (10xxxxxx). A stray byte is
 * one character on its own, so any input splits somehow. */
static size_t utf8_char_len(const unsigned char *p)
{
	size_t n = 1;

	while (p[n] != '\0' && (p[n] & 0xc0) == 0x80)
		n++;
	return n;
}

static void push_token(char ***out, size_t *n, size_t *cap, const char *start, size_t len)
{
	if (*n == *cap) {
		*cap = *cap ? xmul(*cap, 2, "tokens") : 16;
		*out = xrealloc(*out, xmul(*cap, sizeof(char *), "tokens"));
	}
	(*out)[*n] = memcpy(xmalloc(len + 1), start, len);
	(*out)[*n][len] = '\0';
	(*n)++;
}

size_t tokenize(char ***out, const char *line, bool chars)
{
	const unsigned char *p = (const unsigned char *)line;
	size_t n = 0, cap = 0;

	*out = NULL;
	while (isspace(*p))
		p++;
	while (*p) {
		if (isspace(*p)) {
			while (isspace(*p))
				p++;
			if (*p && chars)
				push_token(out, &n, &cap, VOCAB_SPACE, strlen(VOCAB_SPACE));
			continue;
		}
		size_t len = chars ? utf8_char_len(p) : 0;
		if (!chars)
			while (p[len] && !isspace(p[len]))
				len++;
		push_token(out, &n, &cap, (const char *)p, len);
		p += len;
	}
	return n;
}

static size_t require_special(const Vocab *v, const char *token, const char *option, const char *where)
{
	size_t id;

	if (!vocab_find(v, token, &id))
		die("%s: %s needs %s, which the vocabulary does not have", where, option, token);
	return id;
}

/* An id written in the input: a whole number below V. */
static size_t parse_id(const Vocab *v, const char *s, const char *where)
{
	char *end;
	unsigned long long id;

	errno = 0;
	id = strtoull(s, &end, 10);
	if (*s < '0' || *s > '9' || *end != '\0')
		die("%s: '%s' is not a token id (a whole number)", where, s);
	if (errno == ERANGE || id >= v->count)
		die("%s: id %s is out of range: the vocabulary has %zu tokens (ids 0 to %zu)", where, s, v->count,
		    v->count - 1);
	return (size_t)id;
}

/* Add 'word' (escaped as a label) to the list *list of unknown words. */
static void append_unknown(char **list, const char *word)
{
	char *e = label_escape_str(word, NULL);
	size_t old = *list ? strlen(*list) : 0;

	*list = xrealloc(*list, old + strlen(e) + 5);
	sprintf(*list + old, "%s'%s'", old ? ", " : "", e);
	free(e);
}

void sequence_encode(Sequence *s, const Vocab *v, const char *line, const TokenizeOptions *o, const char *where)
{
	char **words;
	size_t n = tokenize(&words, line, o->chars && !o->ids), len, t = 0, unk = 0;
	bool has_unk = vocab_find(v, VOCAB_UNK, &unk);

	len = n + o->bos + o->eos;
	if (o->pad_to && len > o->pad_to)
		die("%s: %zu tokens, more than --pad-to %zu", where, len, o->pad_to);
	if (o->pad_to)
		len = o->pad_to;
	s->len = len;
	s->ids = xcalloc(len, sizeof(size_t));
	s->tokens = xcalloc(len, sizeof(char *));
	s->unknown = NULL;
	if (o->bos)
		s->ids[t++] = require_special(v, VOCAB_BOS, "--bos", where);
	for (size_t k = 0; k < n; k++, t++) {
		if (o->ids)
			s->ids[t] = parse_id(v, words[k], where);
		else if (!vocab_find(v, words[k], &s->ids[t])) {
			if (!has_unk)
				die("%s: unknown word '%s' (the vocabulary has no %s to stand for it)", where, words[k],
				    VOCAB_UNK);
			s->ids[t] = unk;
			append_unknown(&s->unknown, words[k]);
		}
	}
	if (o->eos)
		s->ids[t++] = require_special(v, VOCAB_EOS, "--eos", where);
	if (t < len) {
		size_t pad = require_special(v, VOCAB_PAD, "--pad-to", where);
		while (t < len)
			s->ids[t++] = pad;
	}
	for (t = 0; t < len; t++)
		s->tokens[t] = xstrdup(vocab_token(v, s->ids[t]));
	labels_free(words, n);
}

void sequence_free(Sequence *s)
{
	free(s->ids);
	labels_free(s->tokens, s->len);
	free(s->unknown);
	s->unknown = NULL;
	s->ids = NULL;
	s->tokens = NULL;
	s->len = 0;
}

/* ---- embedding lookup ------------------------------------------------------------------------ */

/* out[T,E] = scale * weight[ids[t], :]   (torch.nn.Embedding; section 3.4 scales by sqrt(E)) */
void vocab_count_line(Vocab *counted, const char *line, bool chars)
{
	char **words;
	size_t n = tokenize(&words, line, chars);

	for (size_t j = 0; j < n; j++)
		vocab_count(counted, words[j]);
	labels_free(words, n);
}

void embedding_forward(float *out, const float *weight, const size_t *ids, float scale, size_t T, size_t E)
{
	for (size_t t = 0; t < T; t++) {
		const float *w_id = weight + ids[t] * E;
		float *out_t = out + t * E;
		for (size_t e = 0; e < E; e++)
			out_t[e] = scale * w_id[e];
	}
}

/* r *= max_norm / (||r||_p + 1e-7) for each looked-up row r over max_norm (torch.embedding_renorm_) */
void embedding_renorm(float *weight, const size_t *ids, double max_norm, double p, size_t T, size_t E)
{
	for (size_t t = 0; t < T; t++) {
		float *r = weight + ids[t] * E;
		double sum = 0.0, norm;
		for (size_t e = 0; e < E; e++)
			sum += p == 2.0 ? (double)r[e] * r[e] : pow(fabs((double)r[e]), p);
		norm = p == 2.0 ? sqrt(sum) : pow(sum, 1.0 / p);
		if (norm > max_norm) { /* a row seen twice is under max_norm the second time: left alone */
			float scale = (float)(max_norm / (norm + 1e-7));
			for (size_t e = 0; e < E; e++)
				r[e] *= scale;
		}
	}
}

void embedding_backward(float *d_weight, const float *d_out, const size_t *ids, float scale, size_t T, size_t E)
{
	for (size_t t = 0; t < T; t++) {
		float *d_w_id = d_weight + ids[t] * E;
		const float *d_out_t = d_out + t * E;
		for (size_t e = 0; e < E; e++)
			d_w_id[e] += scale * d_out_t[e];
	}
}

float embedding_scale(size_t E)
{
	return (float)sqrt((double)E);
}

/* out[T,V]: row t is the one-hot vector of ids[t] */
void one_hot(float *out, const size_t *ids, size_t T, size_t V)
{
	memset(out, 0, T * V * sizeof(float));
	for (size_t t = 0; t < T; t++)
		out[t * V + ids[t]] = 1.0f;
}

Tensor *sequence_tensor(const Sequence *s, const Vocab *v, const float *weight, size_t E, float scale,
			bool show_ids)
{
	Tensor *x;

	if (weight == NULL) {
		x = tensor_new2(s->len, v->count);
		one_hot(x->data, s->ids, s->len, v->count);
		tensor_set_col_labels(x, v->tokens);
	} else {
		x = tensor_new2(s->len, E);
		embedding_forward(x->data, weight, s->ids, scale, s->len, E);
	}
	if (s->len == 0)
		return x;
	x->row_labels = xcalloc(s->len, sizeof(char *));
	for (size_t t = 0; t < s->len; t++) {
		size_t n = strlen(s->tokens[t]) + 32;
		x->row_labels[t] = xmalloc(n);
		snprintf(x->row_labels[t], n, show_ids ? "%s:%zu" : "%s", s->tokens[t], s->ids[t]);
	}
	return x;
}
