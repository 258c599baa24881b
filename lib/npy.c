/* SPDX-License-Identifier: MIT */
#include "npy.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "stream.h"

/*
 * The .npy format (NumPy's NEP 1): magic "\x93NUMPY", major and minor version bytes,
 * header length (2 bytes little-endian in 1.0, 4 bytes in 2.0 and 3.0), then a Python
 * dict literal {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), } padded with
 * spaces to a multiple of 64 bytes and ended by '\n', then the raw data.
 *
 * Our labels ride in a comment after the dict, which NumPy's literal parser skips:
 *   # pipeformer name=NAME rows=a,b,c cols=x,y
 * (labels escaped as in text, ',' and '=' too).
 */

#define MAX_HEADER (1u << 20) /* NumPy itself refuses more than 10000 bytes unless told to trust the file */
#define LABEL_EXTRA ",="

static void read_bytes(FILE *f, const char *where, void *buf, size_t n, const char *what)
{
	if (fread(buf, 1, n, f) != n) {
		if (ferror(f))
			die("%s: read error:", where);
		die("%s: truncated .npy file (in the %s)", where, what);
	}
}

static const char *skip_space(const char *p)
{
	while (isspace((unsigned char)*p))
		p++;
	return p;
}

/* A quoted Python string at p into out (at most cap-1 bytes); returns the end, or NULL. */
static const char *parse_quoted(const char *p, char *out, size_t cap)
{
	char quote = *p;
	size_t n = 0;

	if (quote != '\'' && quote != '"')
		return NULL;
	for (p++; *p && *p != quote; p++)
		if (n + 1 < cap)
			out[n++] = *p;
	if (*p != quote)
		return NULL;
	out[n] = '\0';
	return p + 1;
}

typedef struct {
	char descr[32];
	int fortran_order; /* -1 = not seen */
	int ndim;          /* -1 = not seen */
	size_t shape[TENSOR_MAX_DIMS];
	const char *comment; /* text after the dict */
} NpyHeader;

static void parse_header(const char *h, const char *where, NpyHeader *out)
{
	const char *p = skip_space(h);

	out->descr[0] = '\0';
	out->fortran_order = -1;
	out->ndim = -1;
	out->comment = NULL;
	if (*p++ != '{')
		die("%s: .npy header is not a dict", where);
	for (;;) {
		char key[32];
		p = skip_space(p);
		if (*p == '}')
			break;
		p = parse_quoted(p, key, sizeof(key));
		if (p == NULL || *(p = skip_space(p)) != ':')
			die("%s: malformed .npy header", where);
		p = skip_space(p + 1);
		if (strcmp(key, "descr") == 0) {
			p = parse_quoted(p, out->descr, sizeof(out->descr));
			if (p == NULL)
				die("%s: .npy header: descr is not a simple dtype string (structured arrays are not tensors)",
				    where);
		} else if (strcmp(key, "fortran_order") == 0) {
			if (strncmp(p, "True", 4) == 0)
				out->fortran_order = 1, p += 4;
			else if (strncmp(p, "False", 5) == 0)
				out->fortran_order = 0, p += 5;
			else
				die("%s: .npy header: fortran_order is neither True nor False", where);
		} else if (strcmp(key, "shape") == 0) {
			if (*p++ != '(')
				die("%s: .npy header: shape is not a tuple", where);
			out->ndim = 0;
			for (;;) {
				char *end;
				unsigned long long d;
				p = skip_space(p);
				if (*p == ')')
					break;
				if (!isdigit((unsigned char)*p))
					die("%s: .npy header: bad shape", where);
				errno = 0;
				d = strtoull(p, &end, 10);
				if (errno == ERANGE || d > SIZE_MAX)
					die("%s: .npy header: dimension overflows", where);
				if (out->ndim == TENSOR_MAX_DIMS)
					die("%s: .npy array has more than %d dimensions", where, TENSOR_MAX_DIMS);
				out->shape[out->ndim++] = (size_t)d;
				p = skip_space(end);
				if (*p == ',')
					p++;
			}
			p++;
		} else {
			die("%s: .npy header: unknown key '%s'", where, key);
		}
		p = skip_space(p);
		if (*p == ',')
			p++;
	}
	out->comment = p + 1;
	if (out->descr[0] == '\0' || out->fortran_order < 0 || out->ndim < 0)
		die("%s: .npy header lacks descr, fortran_order or shape", where);
}

/* The labels of our header comment, if any, onto t. Malformed comments are ignored: they are not ours. */
static void apply_comment(Tensor *t, const char *comment, const char *where)
{
	const char *p = strstr(comment, "# pipeformer ");
	char *copy, *save = NULL;

	if (p == NULL)
		return;
	copy = xstrdup(p + strlen("# pipeformer "));
	for (char *tok = strtok_r(copy, " \t\n", &save); tok; tok = strtok_r(NULL, " \t\n", &save)) {
		char *value = strchr(tok, '=');
		bool rows;
		size_t n;
		char **labels;
		if (value == NULL)
			continue;
		*value++ = '\0';
		if (strcmp(tok, "name") == 0) {
			label_unescape(value);
			tensor_set_name(t, value);
			continue;
		}
		if (strcmp(tok, "rows") != 0 && strcmp(tok, "cols") != 0)
			continue;
		rows = tok[0] == 'r';
		if (rows && t->ndim < 2)
			die("%s: .npy label comment has rows for a 1-D array", where);
		n = rows ? tensor_rows(t) : tensor_cols(t);
		labels = labels_split(value, ",", true, n, where, rows ? ".npy label comment: rows" :
								      ".npy label comment: cols");
		if (rows) {
			labels_free(t->row_labels, n);
			t->row_labels = labels;
		} else {
			labels_free(t->col_labels, n);
			t->col_labels = labels;
		}
	}
	free(copy);
}

#define UNKNOWN_SIZE UINT64_MAX

/* Magic, version, length and the header dict; returns the header text (caller frees), its bytes in *used. */
static char *read_header(FILE *f, const char *where, NpyHeader *h, uint64_t *used)
{
	unsigned char pre[8], len_bytes[4];
	size_t header_len;
	char *header;

	read_bytes(f, where, pre, 8, "magic");
	if (memcmp(pre, NPY_MAGIC, 6) != 0)
		die("%s: bad magic: not a .npy file", where);
	if (pre[6] < 1 || pre[6] > 3)
		die("%s: .npy format version %d.%d is not supported (1.0, 2.0 and 3.0 are)", where, pre[6], pre[7]);
	read_bytes(f, where, len_bytes, pre[6] == 1 ? 2 : 4, "header length");
	header_len = (size_t)len_bytes[0] | (size_t)len_bytes[1] << 8;
	if (pre[6] > 1)
		header_len |= (size_t)len_bytes[2] << 16 | (size_t)len_bytes[3] << 24;
	if (header_len > MAX_HEADER)
		die("%s: .npy header of %zu bytes is implausible", where, header_len);
	header = xrealloc(read_payload(f, where, header_len), header_len + 1);
	header[header_len] = '\0';
	if (memchr(header, '\0', header_len))
		die("%s: NUL byte in the .npy header", where);
	*used = 8 + (pre[6] == 1 ? 2 : 4) + (uint64_t)header_len;
	parse_header(header, where, h);
	if (h->fortran_order)
		die("%s: .npy array is in Fortran order; save it in C order (np.ascontiguousarray)", where);
	if (h->ndim == 0)
		die("%s: .npy array is a scalar (0-d); tensors have 1 to %d dimensions", where, TENSOR_MAX_DIMS);
	return header;
}

/* Die unless a header of used bytes and nbytes of data make exactly size bytes (UNKNOWN_SIZE: any). */
static void require_size(const char *where, uint64_t size, uint64_t used, size_t nbytes)
{
	if (size != UNKNOWN_SIZE && (size < used || size - used != nbytes))
		die("%s: the entry holds %" PRIu64 " bytes, its .npy header describes %" PRIu64 " (%zu of data)",
		    where, size, used + nbytes, nbytes);
}

Tensor *npy_read(FILE *f, const char *where)
{
	return npy_read_sized(f, where, UNKNOWN_SIZE);
}

Tensor *npy_read_sized(FILE *f, const char *where, uint64_t total)
{
	size_t size = 1, elem, nbytes;
	uint64_t used;
	NpyHeader h;
	char *header = read_header(f, where, &h, &used);
	Tensor *t;
	unsigned char *raw;

	if (strcmp(h.descr, "<f4") == 0)
		elem = 4;
	else if (strcmp(h.descr, "<f8") == 0)
		elem = 8;
	else
		die("%s: .npy dtype '%s' is not supported (only little-endian float32 '<f4' and float64 '<f8')",
		    where, h.descr);
	for (int i = 0; i < h.ndim; i++)
		if (!size_mul(size, h.shape[i], &size))
			die("%s: .npy dimensions overflow", where);
	if (!size_mul(size, elem, &nbytes))
		die("%s: .npy dimensions overflow", where);
	require_size(where, total, used, nbytes);
	raw = read_payload(f, where, nbytes);
	if (elem == 4) {
		t = tensor_wrap(h.ndim, h.shape, (float *)raw);
		floats_from_le(t->data, t->data, size);
	} else {
		t = tensor_new(h.ndim, h.shape);
		for (size_t i = 0; i < size; i++) {
			uint64_t bits = 0;
			double d;
			for (size_t k = 8; k-- > 0;)
				bits = bits << 8 | raw[i * 8 + k];
			memcpy(&d, &bits, 8);
			t->data[i] = (float)d;
		}
		free(raw);
	}
	apply_comment(t, h.comment, where);
	free(header);
	return t;
}

char *npy_read_text(FILE *f, const char *where, uint64_t total)
{
	NpyHeader h;
	uint64_t used;
	char *header = read_header(f, where, &h, &used), *text;

	if (strcmp(h.descr, "|u1") != 0 || h.ndim != 1)
		die("%s: not a text entry (a 1-D uint8 array)", where);
	free(header);
	if (h.shape[0] == SIZE_MAX)
		die("%s: text entry too long", where);
	require_size(where, total, used, h.shape[0]);
	text = xrealloc(read_payload(f, where, h.shape[0]), h.shape[0] + 1);
	text[h.shape[0]] = '\0';
	if (strlen(text) != h.shape[0])
		die("%s: NUL byte in a text entry", where);
	return text;
}

void npy_read_descr(FILE *f, const char *where, uint64_t total, char *descr)
{
	NpyHeader h;
	uint64_t used;

	free(read_header(f, where, &h, &used));
	if (total < used)
		die("%s: the entry holds %" PRIu64 " bytes, fewer than its .npy header", where, total);
	memcpy(descr, h.descr, sizeof(h.descr));
}

/* Version 1.0 preamble and a header dict (plus comment), padded so the data starts on a 64-byte boundary. */
static void write_header(FILE *f, const char *dict, const char *comment)
{
	size_t total = 10 + strlen(dict) + strlen(comment) + 1;
	unsigned char len_bytes[2];

	total += (64 - total % 64) % 64;
	len_bytes[0] = (unsigned char)((total - 10) & 0xff);
	len_bytes[1] = (unsigned char)((total - 10) >> 8);
	fwrite(NPY_MAGIC "\x01\x00", 1, 8, f);
	fwrite(len_bytes, 1, 2, f);
	fprintf(f, "%s%s%*s\n", dict, comment, (int)(total - 11 - strlen(dict) - strlen(comment)), "");
}

void npy_write_text(FILE *f, const char *text)
{
	char dict[128];

	snprintf(dict, sizeof(dict), "{'descr': '|u1', 'fortran_order': False, 'shape': (%zu,), }", strlen(text));
	write_header(f, dict, "");
	fwrite(text, 1, strlen(text), f);
}

/* Append "key=l1,l2,..." to the comment buffer. */
static void append_labels(char **buf, size_t *len, const char *key, char *const *labels, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char *e = label_escape_ascii_str(labels[i], LABEL_EXTRA);
		size_t need = strlen(key) + strlen(e) + 4;
		*buf = xrealloc(*buf, *len + need);
		*len += (size_t)sprintf(*buf + *len, "%s%s", i ? "," : key, e);
		free(e);
	}
	*buf = xrealloc(*buf, *len + 2);
	*len += (size_t)sprintf(*buf + *len, " ");
}

/* NumPy refuses headers longer than this unless told to trust the file: keep ours under it. */
#define NUMPY_HEADER_LIMIT 10000

void npy_write(FILE *f, const Tensor *t)
{
	char dict[256], *comment = xstrdup(""), shape[160];
	size_t used = 0, comment_len = 0;

	for (int i = 0; i < t->ndim; i++)
		used += (size_t)snprintf(shape + used, sizeof(shape) - used, "%zu,%s", t->shape[i],
					 i + 1 < t->ndim ? " " : "");
	if (t->ndim > 1)
		shape[used - 1] = '\0'; /* (2, 3) but (5,) */
	snprintf(dict, sizeof(dict), "{'descr': '<f4', 'fortran_order': False, 'shape': (%s), }", shape);
	if (t->name || t->row_labels || t->col_labels) {
		comment = xrealloc(comment, 16);
		comment_len = (size_t)sprintf(comment, " # pipeformer ");
		if (t->name) {
			char *name = t->name;
			append_labels(&comment, &comment_len, "name=", &name, 1);
		}
		if (t->row_labels && t->ndim >= 2)
			append_labels(&comment, &comment_len, "rows=", t->row_labels, tensor_rows(t));
		if (t->col_labels)
			append_labels(&comment, &comment_len, "cols=", t->col_labels, tensor_cols(t));
		if (strlen(dict) + comment_len > NUMPY_HEADER_LIMIT - 64) {
			warning(".npy: labels too long for a NumPy header; written without them");
			comment[0] = '\0';
			comment_len = 0;
		}
	}
	write_header(f, dict, comment);
	free(comment);
	write_floats_le(f, t->data, t->size);
}
