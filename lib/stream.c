/* SPDX-License-Identifier: MIT */
#include "stream.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "err.h"
#include "floatfmt.h"
#include "npy.h"
#include "outfile.h"
#include "utf8.h"

struct StreamReader {
	FILE *f;
	char *path;
	char *line;          /* current text line (getline buffer) */
	size_t line_cap;
	bool pushed_back;    /* the current line has been read but not used */
	size_t line_no;
	size_t count;        /* tensors read so far */
	bool allow_nonfinite;
	bool borrowed;       /* f belongs to the caller: stream_close leaves it open */
};

/* ---- labels ---------------------------------------------------------------------------- */

/*
 * label as its escaped text into out (room for 4 bytes per byte of label and a NUL): a valid UTF-8
 * character above the space is itself (with ascii, only printable ASCII is), except the backslash and the
 * bytes of extra; every other byte (space, control bytes, C1 controls, invalid UTF-8) is \xHH.
 */
static void escape_into(char *out, const char *label, const char *extra, bool ascii)
{
	char *o = out;

	for (const char *p = label; *p;) {
		uint32_t c;
		size_t n = utf8_decode(p, &c);
		if (n > 0 && c > 0x20 && !utf8_is_control(c) && c != '\\' && !(ascii && c >= 0x80) &&
		    !(extra && c < 0x80 && strchr(extra, (int)c))) {
			memcpy(o, p, n);
			o += n, p += n;
		} else {
			o += sprintf(o, "\\x%02x", (unsigned char)*p++);
		}
	}
	*o = '\0';
}

static char *escape_str(const char *label, const char *extra, bool ascii)
{
	char *out = xmalloc(xmul(strlen(label), 4, "label") + 1);

	escape_into(out, label, extra, ascii);
	return out;
}

void label_escape(FILE *f, const char *label, const char *extra)
{
	char small[256], *e = strlen(label) < sizeof(small) / 4 ? small : xmalloc(xmul(strlen(label), 4, "label") + 1);

	escape_into(e, label, extra, false);
	fputs(e, f);
	if (e != small)
		free(e);
}

char *label_escape_str(const char *label, const char *extra)
{
	return escape_str(label, extra, false);
}

char *label_escape_ascii_str(const char *label, const char *extra)
{
	return escape_str(label, extra, true);
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

void label_unescape(char *s)
{
	char *o = s;

	for (char *p = s; *p;) {
		if (p[0] == '\\' && p[1] == 'x' && hexval(p[2]) >= 0 && hexval(p[3]) >= 0 &&
		    (hexval(p[2]) | hexval(p[3])) != 0) {
			*o++ = (char)(hexval(p[2]) * 16 + hexval(p[3]));
			p += 4;
		} else {
			*o++ = *p++;
		}
	}
	*o = '\0';
}

/* ---- numbers --------------------------------------------------------------------------- */

int format_float(char *buf, float v, int digits)
{
	if (v == 0.0f)
		return sprintf(buf, signbit(v) ? "-0" : "0");
	if (digits > 0)
		return sprintf(buf, "%.*g", digits, (double)v);
	/* the shortest %g that reads back exactly (lib/floatfmt: the snprintf + strtof loop's bytes, fast) */
	return float_format_shortest(buf, v);
}

/* ---- opening --------------------------------------------------------------------------- */

StreamReader *stream_open(const char *path)
{
	StreamReader *r = xcalloc(1, sizeof(*r));

	if (strcmp(path, "-") == 0) {
		hint_terminal_input("a tensor stream");
		r->f = stdin;
	} else {
		struct stat st;
		r->f = fopen(path, "rb");
		if (r->f == NULL)
			die("%s:", path);
		if (fstat(fileno(r->f), &st) == 0 && S_ISDIR(st.st_mode))
			die("%s: is a directory", path);
		outfile_note_input(fileno(r->f), path);
	}
	r->path = xstrdup(path);
	return r;
}

void stream_allow_nonfinite(StreamReader *r)
{
	r->allow_nonfinite = true;
}

StreamReader *stream_from_file(FILE *f, const char *name)
{
	StreamReader *r = xcalloc(1, sizeof(*r));

	r->f = f;
	r->path = xstrdup(name);
	r->borrowed = true;
	return r;
}

size_t stream_count(const StreamReader *r)
{
	return r->count;
}

const char *stream_path(const StreamReader *r)
{
	return r->path;
}

void stream_close(StreamReader *r)
{
	if (r == NULL)
		return;
	if (r->f != stdin && !r->borrowed)
		fclose(r->f);
	free(r->line);
	free(r->path);
	free(r);
}

/* ---- binary ---------------------------------------------------------------------------- */

static void read_exact(StreamReader *r, void *buf, size_t n, const char *what)
{
	size_t got = fread(buf, 1, n, r->f);

	if (got != n) {
		if (ferror(r->f))
			die("%s: read error:", r->path);
		die("%s: truncated binary tensor: %s needs %zu bytes, only %zu follow", r->path, what, n, got);
	}
}

static uint64_t get_le(const unsigned char *p, int n)
{
	uint64_t v = 0;

	for (int i = n - 1; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static void put_le(unsigned char *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++, v >>= 8)
		p[i] = (unsigned char)(v & 0xff);
}

#define MAX_META_BYTES (64u << 20) /* a name or label block larger than this is not a label */

static char *read_block(StreamReader *r, const char *what)
{
	unsigned char len_bytes[4];
	uint64_t len;
	char *s;

	read_exact(r, len_bytes, 4, what);
	len = get_le(len_bytes, 4);
	if (len > MAX_META_BYTES)
		die("%s: binary tensor: %s of %" PRIu64 " bytes is implausible", r->path, what, len);
	s = xrealloc(read_payload(r->f, r->path, (size_t)len), (size_t)len + 1);
	s[len] = '\0';
	if (memchr(s, '\0', (size_t)len))
		die("%s: binary tensor: NUL byte in %s", r->path, what);
	return s;
}

char **labels_split(const char *list, const char *seps, bool escaped, size_t n, const char *where,
		   const char *what)
{
	size_t count = 0;
	char **labels;
	const char *p;

	/* count first: n comes from a shape, and must not size an allocation the list cannot fill */
	for (p = list + strspn(list, seps); *p; p += strspn(p, seps), count++)
		p += strcspn(p, seps);
	if (count != n)
		die("%s: %s: %zu labels for %zu positions", where, what, count, n);
	labels = xcalloc(n, sizeof(char *));
	count = 0;
	for (p = list + strspn(list, seps); *p; p += strspn(p, seps)) {
		size_t len = strcspn(p, seps);
		char *label = memcpy(xmalloc(len + 1), p, len);
		label[len] = '\0';
		if (escaped)
			label_unescape(label);
		labels[count++] = label;
		p += len;
	}
	return labels;
}

/* Die unless the rest of a regular file holds at least need bytes (a header that claims more than follows). */
static void require_bytes_left(FILE *f, const char *where, size_t need)
{
	struct stat st;
	long pos;

	if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode) || (pos = ftell(f)) < 0)
		return;
	if ((uint64_t)st.st_size < (uint64_t)pos || (uint64_t)st.st_size - (uint64_t)pos < need)
		die("%s: truncated tensor: the header promises %zu bytes of data, only %lld follow", where, need,
		    (long long)st.st_size - pos);
}

void *read_payload(FILE *f, const char *where, size_t nbytes)
{
	size_t have = 0, cap = 0;
	char *buf = NULL;

	require_bytes_left(f, where, nbytes);
	/* grow with the data that actually arrives, so a pipe whose header lies about the
	   size ends in "truncated", not in an allocation of whatever the header claimed */
	while (have < nbytes) {
		size_t want = nbytes - have, got;
		if (have == cap) {
			cap = cap ? (cap > nbytes / 2 ? nbytes : 2 * cap) : (nbytes < 65536 ? nbytes : 65536);
			buf = xrealloc(buf, cap);
		}
		want = want < cap - have ? want : cap - have;
		got = fread(buf + have, 1, want, f);
		have += got;
		if (got < want) {
			if (ferror(f))
				die("%s: read error:", where);
			die("%s: truncated tensor: the header promises %zu bytes of data, only %zu follow", where,
			    nbytes, have);
		}
	}
	return buf ? buf : xmalloc(0);
}

/* A label block: exactly n non-empty labels joined by '\n', the rules of the text and .npy forms. */
static char **split_block(StreamReader *r, const char *block, size_t n, const char *what)
{
	size_t label = 0;

	for (const char *p = block;; p++) {
		if (*p == '\n' || *p == '\0') {
			if (p == block || p[-1] == '\n') {
				if (n == 0 && *p == '\0' && p == block)
					break; /* no labels for no positions */
				die("%s: binary tensor: %s: label %zu is empty", r->path, what, label + 1);
			}
			label++;
		}
		if (*p == '\0')
			break;
	}
	if (label != n)
		die("%s: binary tensor: %s: %zu labels for %zu positions", r->path, what, label, n);
	return labels_split(block, "\n", false, n, r->path, what);
}

static Tensor *read_binary(StreamReader *r)
{
	unsigned char head[8], dims[8 * TENSOR_MAX_DIMS];
	size_t shape[TENSOR_MAX_DIMS], size = 1, nbytes;
	int ndim, flags;
	char *name = NULL, *rows = NULL, *cols = NULL;
	Tensor *t;

	read_exact(r, head, 8, "header");
	if (memcmp(head, "\x89PNG\r\n\x1a\n", 8) == 0)
		die("%s: a PNG image, not a tensor stream: give the tensor the picture was drawn from (such as the "
		    "weights of attend --attn w.txt)", r->path);
	if (memcmp(head, BINARY_MAGIC, 4) != 0)
		die("%s: bad magic: not a binary tensor", r->path);
	if (head[4] != BINARY_VERSION)
		die("%s: binary tensor version %d; this program reads version %d", r->path, head[4],
		    BINARY_VERSION);
	ndim = head[5];
	flags = head[6];
	if (ndim < 1 || ndim > TENSOR_MAX_DIMS)
		die("%s: binary tensor with %d dimensions (1 to %d allowed)", r->path, ndim, TENSOR_MAX_DIMS);
	if (flags & ~7)
		die("%s: binary tensor: unknown flags 0x%02x", r->path, flags);
	read_exact(r, dims, 8 * (size_t)ndim, "shape");
	for (int i = 0; i < ndim; i++) {
		uint64_t d = get_le(dims + 8 * i, 8);
		if (d > SIZE_MAX || !size_mul(size, (size_t)d, &size))
			die("%s: binary tensor: dimensions overflow", r->path);
		shape[i] = (size_t)d;
	}
	if (!size_mul(size, sizeof(float), &nbytes))
		die("%s: binary tensor: dimensions overflow", r->path);
	if (flags & 1)
		name = read_block(r, "name");
	if (flags & 2)
		rows = read_block(r, "row labels");
	if (flags & 4)
		cols = read_block(r, "column labels");
	if (rows && ndim < 2)
		die("%s: binary tensor: row labels on a 1-D tensor", r->path);
	t = tensor_wrap(ndim, shape, read_payload(r->f, r->path, nbytes));
	t->name = name;
	if (rows)
		t->row_labels = split_block(r, rows, tensor_rows(t), "row labels");
	if (cols)
		t->col_labels = split_block(r, cols, tensor_cols(t), "column labels");
	free(rows);
	free(cols);
	floats_from_le(t->data, t->data, size);
	return t;
}

static void write_block(FILE *f, const char *s, size_t len)
{
	unsigned char len_bytes[4];

	put_le(len_bytes, len, 4);
	fwrite(len_bytes, 1, 4, f);
	fwrite(s, 1, len, f);
}

/* Bytes of the label block of n labels; dies before anything is written when the binary form cannot hold it. */
static size_t labels_block_size(char *const *labels, size_t n, const char *what)
{
	size_t len = 0;

	for (size_t i = 0; i < n && len <= MAX_META_BYTES; i++)
		len += strlen(labels[i]) + 1;
	if (len > MAX_META_BYTES)
		die("%s too long for the binary format (over %u bytes; the text form has no limit)", what,
		    MAX_META_BYTES);
	return len;
}

static void write_labels_block(FILE *f, char *const *labels, size_t n)
{
	size_t len = labels_block_size(labels, n, "labels");
	char *block, *p;

	p = block = xmalloc(len + 1);
	for (size_t i = 0; i < n; i++)
		p += sprintf(p, "%s%s", labels[i], i + 1 < n ? "\n" : "");
	write_block(f, block, (size_t)(p - block));
	free(block);
}

static void write_binary(FILE *f, const Tensor *t)
{
	unsigned char head[8] = { 0x89, 'P', 'F', 'T', BINARY_VERSION, (unsigned char)t->ndim, 0, 0 };
	unsigned char dim[8];
	bool rows = t->row_labels && t->ndim >= 2;

	head[6] = (unsigned char)((t->name ? 1 : 0) | (rows ? 2 : 0) | (t->col_labels ? 4 : 0));
	/* every limit checked before the first byte: no half tensor on the output */
	if (t->name && strlen(t->name) > MAX_META_BYTES)
		die("name too long for the binary format (over %u bytes; the text form has no limit)", MAX_META_BYTES);
	if (rows)
		labels_block_size(t->row_labels, tensor_rows(t), "row labels");
	if (t->col_labels)
		labels_block_size(t->col_labels, tensor_cols(t), "column labels");
	fwrite(head, 1, 8, f);
	for (int i = 0; i < t->ndim; i++) {
		put_le(dim, t->shape[i], 8);
		fwrite(dim, 1, 8, f);
	}
	if (t->name)
		write_block(f, t->name, strlen(t->name));
	if (rows)
		write_labels_block(f, t->row_labels, tensor_rows(t));
	if (t->col_labels)
		write_labels_block(f, t->col_labels, tensor_cols(t));
	write_floats_le(f, t->data, t->size);
}

/* The stream's floats are little-endian, as the machine's own almost everywhere: then they are copied
   (or written) as they are, in one call; a big-endian machine swaps them 4 KB at a time. */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define HOST_IS_LE 1
#else
#define HOST_IS_LE 0
#endif

void write_floats_le(FILE *f, const float *x, size_t n)
{
	unsigned char le[4096];

	if (HOST_IS_LE) {
		fwrite(x, sizeof(float), n, f);
		return;
	}
	for (size_t i = 0; i < n;) {
		size_t k = 0;
		for (; i < n && k < sizeof(le); i++, k += 4) {
			uint32_t bits;
			memcpy(&bits, &x[i], 4);
			put_le(le + k, bits, 4);
		}
		fwrite(le, 1, k, f);
	}
}

void floats_from_le(float *out, const void *bytes, size_t n)
{
	const unsigned char *b = bytes;

	if (HOST_IS_LE) {
		if ((const void *)out != bytes)
			memmove(out, bytes, n * sizeof(float));
		return;
	}
	for (size_t i = 0; i < n; i++) {
		uint32_t bits = (uint32_t)get_le(b + 4 * i, 4);
		memcpy(&out[i], &bits, 4);
	}
}

/* ---- text ------------------------------------------------------------------------------ */

/* Next line into r->line (newline stripped); false at end of file. */
static bool next_line(StreamReader *r)
{
	ssize_t n;

	if (r->pushed_back) {
		r->pushed_back = false;
		return true;
	}
	errno = 0;
	n = getline(&r->line, &r->line_cap, r->f);
	if (n < 0) {
		if (ferror(r->f))
			die("%s: read error:", r->path);
		return false;
	}
	if (r->line_no == 0 && n >= 4 && memcmp(r->line, "PK\x03\x04", 4) == 0)
		die("%s: a .npz archive (a zip of arrays), not a tensor stream: tensor get %s NAME reads one of its "
		    "entries", r->path, r->path);
	if (memchr(r->line, '\0', (size_t)n))
		die("%s: line %zu: NUL byte: binary data that is not a tensor stream?", r->path,
		    r->line_no + 1);
	while (n > 0 && (r->line[n - 1] == '\n' || r->line[n - 1] == '\r'))
		r->line[--n] = '\0';
	r->line_no++;
	return true;
}

static bool is_blank(const char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	return *s == '\0';
}

static bool is_comment(const char *s)
{
	return s[0] == '#' && (s[1] == ' ' || s[1] == '\t' || s[1] == '\0');
}

static bool is_directive(const char *s, const char *word)
{
	size_t n = strlen(word);

	return s[0] == '#' && strncmp(s + 1, word, n) == 0 && (s[n + 1] == '\0' || isspace((unsigned char)s[n + 1]));
}

/* isspace() of the C locale, inline: the number parser calls it for every byte */
static inline bool is_space(char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

/* Whitespace-separated tokens on a line. */
static size_t count_tokens(const char *s)
{
	size_t n = 0;

	while (*s) {
		while (is_space(*s))
			s++;
		if (*s)
			n++;
		while (*s && !is_space(*s))
			s++;
	}
	return n;
}

/*
 * Parse the numbers of one text line into out; returns how many (at most max + 1, to detect excess).
 * first_bare: the line starts a bare block, where a sentence piped into a stage lands.
 */
static size_t parse_numbers(StreamReader *r, const char *line, float *out, size_t max, bool first_bare)
{
	size_t n = 0;
	const char *p = line;

	for (;;) {
		char *end;
		float v;
		while (is_space(*p))
			p++;
		if (*p == '\0')
			return n;
		errno = 0;
		v = float_parse(p, &end); /* strtof, fast on the stream's own numbers */
		if (end == p || (*end && !is_space(*end))) {
			const char *tok_end = p;
			while (*tok_end && !is_space(*tok_end))
				tok_end++;
			/* a word where numbers begin: the student piped a sentence straight into a stage */
			if (first_bare && (isalpha((unsigned char)*p) || (unsigned char)*p >= 0x80))
				die("%s: line %zu: not a number: '%.*s' (words? turn them into vectors with embed first: "
				    "echo 'the cat' | embed | attend)", r->path, r->line_no, (int)(tok_end - p), p);
			die("%s: line %zu: not a number: '%.*s'", r->path, r->line_no, (int)(tok_end - p), p);
		}
		if (isnan(v) && !r->allow_nonfinite)
			die("%s: line %zu: NaN in the data (column %zu)", r->path, r->line_no, n + 1);
		if (isinf(v) && !r->allow_nonfinite)
			die("%s: line %zu: %s in the data (column %zu)", r->path, r->line_no,
			    errno == ERANGE ? "number out of float32 range" : "Inf", n + 1);
		if (n < max)
			out[n] = v;
		n++;
		if (n > max)
			return n;
		p = end;
	}
}

static size_t parse_size(StreamReader *r, const char *tok)
{
	char *end;
	unsigned long long v;

	if (!isdigit((unsigned char)*tok))
		die("%s: line %zu: #tensor: '%s' is not a dimension", r->path, r->line_no, tok);
	errno = 0;
	v = strtoull(tok, &end, 10);
	if (*end != '\0')
		die("%s: line %zu: #tensor: '%s' is not a dimension", r->path, r->line_no, tok);
	if (errno == ERANGE || v > SIZE_MAX)
		die("%s: line %zu: #tensor: dimension %s overflows", r->path, r->line_no, tok);
	return (size_t)v;
}

/* Labels of a #rows or #cols line: exactly n tokens, escaped. */
static char **parse_labels(StreamReader *r, const char *rest, size_t n, const char *what)
{
	char where[64];

	snprintf(where, sizeof(where), "line %zu: #%s", r->line_no, what);
	return labels_split(rest, " \t", true, n, r->path, where);
}

/* The directive lines after "#tensor": #name, #rows, #cols (other #words are ignored, as documented). */
static void read_directives(StreamReader *r, Tensor *t)
{
	for (;;) {
		if (!r->pushed_back) {
			/* after an empty tensor the next one may be binary or .npy: do not read it as a line */
			int c = getc(r->f);
			if (c != EOF)
				ungetc(c, r->f);
			if (c == 0x89 || c == 0x93)
				return;
		}
		if (!next_line(r))
			return;
		char *rest = r->line + strcspn(r->line, " \t");
		if (is_blank(r->line) || is_comment(r->line))
			continue;
		if (r->line[0] != '#' || is_directive(r->line, "tensor")) {
			r->pushed_back = true;
			return;
		}
		if (is_directive(r->line, "name")) {
			while (isspace((unsigned char)*rest))
				rest++;
			label_unescape(rest);
			tensor_set_name(t, rest);
		} else if (is_directive(r->line, "rows")) {
			if (t->ndim < 2)
				die("%s: line %zu: #rows on a 1-D tensor", r->path, r->line_no);
			labels_free(t->row_labels, tensor_rows(t));
			t->row_labels = parse_labels(r, rest, tensor_rows(t), "rows");
		} else if (is_directive(r->line, "cols")) {
			labels_free(t->col_labels, tensor_cols(t));
			t->col_labels = parse_labels(r, rest, tensor_cols(t), "cols");
		}
	}
}

/* A tensor that began with "#tensor D1 ...": directives, then the numbers row by row. */
static Tensor *read_text_tensor(StreamReader *r)
{
	size_t shape[TENSOR_MAX_DIMS], size = 1, cols, filled = 0, cap = 0;
	int ndim = 0;
	char *save = NULL;
	Tensor *t;

	strtok_r(r->line, " \t", &save);
	for (char *tok; (tok = strtok_r(NULL, " \t", &save)) != NULL;) {
		if (ndim == TENSOR_MAX_DIMS)
			die("%s: line %zu: #tensor: more than %d dimensions", r->path, r->line_no, TENSOR_MAX_DIMS);
		shape[ndim] = parse_size(r, tok);
		if (!size_mul(size, shape[ndim], &size) || !size_mul(size, sizeof(float), &(size_t){ 0 }))
			die("%s: line %zu: #tensor: dimensions overflow", r->path, r->line_no);
		ndim++;
	}
	if (ndim == 0)
		die("%s: line %zu: #tensor needs 1 to %d dimensions", r->path, r->line_no, TENSOR_MAX_DIMS);
	t = tensor_wrap(ndim, shape, NULL);
	cols = tensor_cols(t);
	read_directives(r, t);

	while (filled < t->size) {
		if (!next_line(r))
			die("%s: line %zu: truncated tensor: %zu of %zu numbers", r->path, r->line_no, filled,
			    t->size);
		if (is_blank(r->line) || is_comment(r->line))
			continue;
		if (r->line[0] == '#')
			die("%s: line %zu: truncated tensor: %zu of %zu numbers before '%s'", r->path, r->line_no,
			    filled, t->size, r->line);
		if (count_tokens(r->line) != cols)
			die("%s: line %zu: %zu numbers in a row of %zu", r->path, r->line_no, count_tokens(r->line),
			    cols);
		if (filled + cols > cap) {
			/* grow with the rows that arrive: a "#tensor 100000 100000" line alone allocates nothing */
			cap = cap ? (cap > t->size / 2 ? t->size : 2 * cap) : (t->size < 4096 ? t->size : 4096);
			cap = cap < filled + cols ? filled + cols : cap;
			t->data = xrealloc(t->data, cap * sizeof(float));
		}
		parse_numbers(r, r->line, t->data + filled, cols, false);
		filled += cols;
	}
	if (t->data == NULL)
		t->data = xmalloc(0);
	return t;
}

/* A bare block of numbers (no #tensor line): one 2-D tensor, shape taken from its rows. */
static Tensor *read_bare_matrix(StreamReader *r)
{
	size_t rows = 0, cols = 0, cap = 0, first_line = r->line_no;
	float *data = NULL;
	Tensor *t;

	do {
		if (is_comment(r->line))
			continue;
		if (is_blank(r->line) || r->line[0] == '#') {
			r->pushed_back = !is_blank(r->line);
			break;
		}
		if (rows == 0)
			cols = count_tokens(r->line); /* the first row sets the width; every row must match */
		if (!size_mul(rows + 1, cols, &(size_t){ 0 }))
			die("%s: line %zu: matrix too large", r->path, r->line_no);
		if ((rows + 1) * cols > cap) {
			cap = cap ? xmul(cap, 2, "matrix") : xmul(cols, 16, "matrix");
			data = xrealloc(data, xmul(cap, sizeof(float), "matrix"));
		}
		size_t n = parse_numbers(r, r->line, data + rows * cols, cols, rows == 0);
		if (n != cols)
			die("%s: line %zu: ragged row: %zu numbers where line %zu has %zu", r->path, r->line_no, count_tokens(r->line),
			    first_line, cols);
		rows++;
	} while (next_line(r));

	t = tensor_new2(rows, cols);
	memcpy(t->data, data, rows * cols * sizeof(float));
	free(data);
	return t;
}

static Tensor *read_text(StreamReader *r)
{
	while (next_line(r)) {
		if (is_blank(r->line) || is_comment(r->line))
			continue;
		if (is_directive(r->line, "tensor"))
			return read_text_tensor(r);
		if (r->line[0] == '#') {
			const char *word = r->line;
			die("%s: line %zu: '%.*s' before any #tensor line", r->path, r->line_no,
			    (int)strcspn(word, " \t"), word);
		}
		return read_bare_matrix(r);
	}
	return NULL;
}

/* ---- reading, any form ----------------------------------------------------------------- */

bool stream_read(StreamReader *r, Tensor **out)
{
	Tensor *t = NULL;
	int c;

	if (!r->pushed_back) {
		/* the first byte of a tensor tells its form: 0x89 binary, 0x93 .npy, else text */
		do
			c = getc(r->f);
		while ((c == '\n' && ++r->line_no) || c == '\r' || c == ' ' || c == '\t'); /* blank lines count */
		if (c == EOF) {
			if (ferror(r->f))
				die("%s: read error:", r->path);
		} else {
			ungetc(c, r->f);
			if (c == 0x89)
				t = read_binary(r);
			else if (c == 0x93)
				t = npy_read(r->f, r->path);
			else
				t = read_text(r);
		}
	} else {
		t = read_text(r);
	}
	if (t == NULL) {
		if (r->count == 0)
			die("%s: empty stream: no tensor", r->path);
		return false;
	}
	if (!r->allow_nonfinite)
		tensor_require_finite(t, r->path);
	r->count++;
	*out = t;
	return true;
}

Tensor *stream_read_paired(StreamReader *side, Tensor *previous, size_t input_index)
{
	Tensor *t;

	if (stream_read(side, &t)) {
		tensor_free(previous);
		return t;
	}
	if (stream_count(side) == 1)
		return previous;
	die("%s: holds %zu tensors, the input more (tensor #%zu has none); give one tensor for all, or one per "
	    "input tensor", side->path, side->count, input_index);
}

void stream_end_paired(StreamReader *side, size_t n_inputs)
{
	Tensor *t;

	if (stream_read(side, &t))
		die("%s: holds more tensors than the input (%zu); give one tensor for all, or one per input tensor",
		    side->path, n_inputs);
}

Tensor *stream_read_single(const char *path)
{
	StreamReader *r = stream_open(path);
	Tensor *t, *extra;

	stream_read(r, &t);
	if (stream_read(r, &extra))
		die("%s: holds more than one tensor; one was expected", path);
	stream_close(r);
	return t;
}

/* ---- writing text ---------------------------------------------------------------------- */

static void write_label_line(FILE *f, const char *directive, char *const *labels, size_t n)
{
	fputs(directive, f);
	for (size_t i = 0; i < n; i++) {
		fputc(' ', f);
		label_escape(f, labels[i], NULL);
	}
	fputc('\n', f);
}

#define ALIGN_LIMIT 65536 /* columns are aligned for tensors up to this many numbers */

/*
 * Text numbers are formatted CHUNK at a time into a cache of NUM_MAX bytes each, then copied in order
 * through a buffer of OUT_BUF bytes that one fwrite empties whenever it fills. (One thread: in a pipeline
 * the other stages have the other cores, and threads waiting for the next chunk would only take from them.)
 */
enum { OUT_BUF = 1 << 16, NUM_MAX = 16 /* "-1.17549435e-38" and its NUL */, CHUNK = ALIGN_LIMIT };

static void write_text(FILE *f, const Tensor *t, int digits)
{
	size_t cols = tensor_cols(t), rows = tensor_rows(t), slice = rows * cols, used = 0;
	size_t chunk = t->size < CHUNK ? t->size : CHUNK;
	int width = 0;
	char *out = xmalloc(OUT_BUF), *cache = xmalloc(chunk * NUM_MAX);
	unsigned char *len = xmalloc(chunk);

	fprintf(f, "#tensor");
	for (int i = 0; i < t->ndim; i++)
		fprintf(f, " %zu", t->shape[i]);
	fputc('\n', f);
	if (t->name) {
		fputs("#name ", f);
		label_escape(f, t->name, NULL);
		fputc('\n', f);
	}
	if (t->row_labels && t->ndim >= 2)
		write_label_line(f, "#rows", t->row_labels, rows);
	if (t->col_labels)
		write_label_line(f, "#cols", t->col_labels, cols);
	size_t col = 0; /* the column of the next number */
	for (size_t i0 = 0; i0 < t->size; i0 += chunk) {
		size_t n = t->size - i0 < chunk ? t->size - i0 : chunk;
		if (t->size > ALIGN_LIMIT && t->ndim < 3) {
			/* no alignment and no slice headers: each number straight into the buffer */
			for (size_t j = 0; j < n; j++) {
				if (OUT_BUF - used < NUM_MAX + 1) {
					fwrite(out, 1, used, f);
					used = 0;
				}
				used += (size_t)format_float(out + used, t->data[i0 + j], digits);
				out[used++] = ++col == cols ? (col = 0, '\n') : ' ';
			}
			continue;
		}
		/* pass 1: format the chunk; a tensor of at most ALIGN_LIMIT numbers (one chunk) is aligned */
		for (size_t j = 0; j < n; j++)
			len[j] = (unsigned char)format_float(cache + j * NUM_MAX, t->data[i0 + j], digits);
		if (t->size <= ALIGN_LIMIT)
			for (size_t j = 0; j < n; j++)
				width = len[j] > width ? len[j] : width;
		/* pass 2: each number right-aligned to the width, then a space or, at the end of a row, a newline */
		for (size_t j = 0; j < n; j++) {
			size_t i = i0 + j;
			int w = width > len[j] ? width : len[j];
			if (OUT_BUF - used < (size_t)w + 1) {
				fwrite(out, 1, used, f);
				used = 0;
			}
			if (t->ndim >= 3 && slice && i % slice == 0) {
				size_t outer = i / slice;
				fwrite(out, 1, used, f);
				used = 0;
				if (i)
					fputc('\n', f);
				if (t->ndim == 3)
					fprintf(f, "# [%zu,:,:]\n", outer);
				else
					fprintf(f, "# [%zu,%zu,:,:]\n", outer / t->shape[1], outer % t->shape[1]);
			}
			for (int pad = len[j]; pad < width; pad++)
				out[used++] = ' ';
			memcpy(out + used, cache + j * NUM_MAX, len[j]);
			used += len[j];
			out[used++] = ++col == cols ? (col = 0, '\n') : ' ';
		}
	}
	fwrite(out, 1, used, f);
	free(out);
	free(cache);
	free(len);
}

void stream_write(FILE *f, const Tensor *t, const WriteOptions *o)
{
	/* the last guard: no program passes a NaN or Inf on (each names its stage earlier where it can) */
	tensor_require_finite(t, f == stdout ? "output" : "side output");
	switch (o->format) {
	case FORMAT_TEXT:
		write_text(f, t, o->digits);
		break;
	case FORMAT_BINARY:
		write_binary(f, t);
		break;
	case FORMAT_NPY:
		npy_write(f, t);
		break;
	}
	/* stdout is checked here; a named output by its writer, which knows its name */
	if (f == stdout && ferror(f)) {
		if (errno == EPIPE)
			exit(0);
		die("stdout: write error:");
	}
}

struct StreamWriter {
	OutFile *out;
	WriteOptions opts;
};

StreamWriter *writer_open(const char *path, const WriteOptions *o)
{
	StreamWriter *w = xcalloc(1, sizeof(*w));

	w->out = outfile_open(path);
	w->opts = *o;
	return w;
}

void writer_put(StreamWriter *w, const Tensor *t)
{
	FILE *f = outfile_stream(w->out);

	tensor_require_finite(t, outfile_path(w->out));
	stream_write(f, t, &w->opts);
	if (ferror(f))
		die("%s: write error:", outfile_path(w->out));
}

void writer_close(StreamWriter *w)
{
	if (w == NULL)
		return;
	outfile_close(w->out);
	free(w);
}

/* A sequence is a T x C matrix (a 1-D tensor is one row); more axes, or nothing in it, is an error. */
void require_sequence(const Tensor *t, const StreamReader *r)
{
	char buf[TENSOR_SHAPE_STR];

	if (t->ndim > 2)
		die("%s: tensor #%zu: expected a matrix (positions x features), got %s", stream_path(r),
		    stream_count(r) - 1, tensor_shape_str(t, buf));
	if (tensor_rows(t) == 0 || tensor_cols(t) == 0)
		die("%s: tensor #%zu: an empty sequence (%s)", stream_path(r), stream_count(r) - 1,
		    tensor_shape_str(t, buf));
}
