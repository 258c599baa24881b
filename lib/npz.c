/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE /* fopencookie */
#include "npz.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>

#include "err.h"
#include "npy.h"
#include "outfile.h"
#include "stream.h"

struct Npz {
	zip_t *zip;
	char *path;
	size_t count;
	char **names;          /* entry names without ".npy" */
	zip_uint64_t *indices; /* their places in the archive */
};

/* The largest entry we read (docs/format.md): 16 GiB, a float32 tensor of 4G numbers. */
#define MAX_ENTRY_BYTES ((zip_uint64_t)1 << 34)
/* One libzip read at most: larger reads of a single call fail (4 GiB and more) */
#define READ_CHUNK ((size_t)1 << 24)

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* NumPy keeps the last of two entries of one name, libzip finds the first: refuse to choose. */
static void refuse_duplicates(const Npz *z)
{
	char **sorted = xmalloc(xmul(z->count, sizeof(char *), "archive"));

	memcpy(sorted, z->names, z->count * sizeof(char *));
	qsort(sorted, z->count, sizeof(char *), compare_names);
	for (size_t i = 1; i < z->count; i++)
		if (strcmp(sorted[i - 1], sorted[i]) == 0) {
			char *name = label_escape_str(sorted[i], NULL);
			die("%s: two entries named '%s.npy' (NumPy would load the last, this program refuses to guess)",
			    z->path, name);
		}
	free(sorted);
}

Npz *npz_open(const char *path)
{
	int error = 0;
	Npz *z = xcalloc(1, sizeof(*z));
	zip_int64_t n;

	z->zip = zip_open(path, ZIP_RDONLY, &error);
	if (z->zip == NULL) {
		zip_error_t ze;
		zip_error_init_with_code(&ze, error);
		if (error == ZIP_ER_NOENT || error == ZIP_ER_OPEN)
			die("%s: cannot open: %s", path, zip_error_strerror(&ze));
		die("%s: not a .npz archive: %s", path, zip_error_strerror(&ze));
	}
	outfile_note_input(-1, path);
	z->path = xstrdup(path);
	n = zip_get_num_entries(z->zip, 0);
	z->names = xcalloc((size_t)n, sizeof(char *));
	z->indices = xcalloc((size_t)n, sizeof(zip_uint64_t));
	for (zip_int64_t i = 0; i < n; i++) {
		const char *name = zip_get_name(z->zip, (zip_uint64_t)i, 0);
		size_t len;
		if (name == NULL)
			die("%s: unreadable entry name", path);
		len = strlen(name);
		if (len < 4 || strcmp(name + len - 4, ".npy") != 0)
			continue; /* not an array: np.savez writes only .npy entries */
		z->indices[z->count] = (zip_uint64_t)i;
		z->names[z->count] = xstrdup(name);
		z->names[z->count++][len - 4] = '\0';
	}
	refuse_duplicates(z);
	return z;
}

const char *npz_path(const Npz *z)
{
	return z->path;
}

size_t npz_count(const Npz *z)
{
	return z->count;
}

const char *npz_name(const Npz *z, size_t i)
{
	return z->names[i];
}

static bool find(const Npz *z, const char *name, size_t *k)
{
	for (size_t i = 0; i < z->count; i++)
		if (strcmp(z->names[i], name) == 0) {
			*k = i;
			return true;
		}
	return false;
}

bool npz_has(const Npz *z, const char *name)
{
	size_t k;

	return find(z, name, &k);
}

/* An entry being read: libzip's stream behind a FILE, so that npy_read parses it like any file. */
typedef struct {
	zip_file_t *zf;
	const char *where;
} EntryCookie;

static ssize_t entry_read(void *cookie, char *buf, size_t size)
{
	EntryCookie *c = cookie;
	zip_int64_t got = zip_fread(c->zf, buf, size < READ_CHUNK ? size : READ_CHUNK);

	/* libzip checks the CRC when it reaches the end of the data */
	if (got < 0)
		die("%s: cannot read entry: %s", c->where, zip_file_strerror(c->zf));
	return (ssize_t)got;
}

typedef struct {
	FILE *f;
	EntryCookie cookie;
	zip_uint64_t size;
	char where[1100];
} Entry;

/* Open entry name for reading; false when there is none. */
static bool open_entry(Npz *z, const char *name, Entry *e)
{
	static const cookie_io_functions_t io = { .read = entry_read };
	char *shown = label_escape_str(name, NULL);
	zip_stat_t st;
	size_t k;

	snprintf(e->where, sizeof(e->where), "%s: %.1000s", z->path, shown);
	free(shown);
	if (!find(z, name, &k))
		return false;
	if (zip_stat_index(z->zip, z->indices[k], 0, &st) != 0 || !(st.valid & ZIP_STAT_SIZE))
		die("%s: cannot stat entry: %s", e->where, zip_strerror(z->zip));
	if (st.size > MAX_ENTRY_BYTES)
		die("%s: entry of %" PRIu64 " bytes; the limit is %" PRIu64, e->where, (uint64_t)st.size,
		    (uint64_t)MAX_ENTRY_BYTES);
	e->size = st.size;
	e->cookie.where = e->where;
	e->cookie.zf = zip_fopen_index(z->zip, z->indices[k], 0);
	if (e->cookie.zf == NULL)
		die("%s: cannot open entry: %s", e->where, zip_strerror(z->zip));
	e->f = fopencookie(&e->cookie, "rb", io);
	if (e->f == NULL)
		die("%s:", e->where);
	return true;
}

/* After the array: the entry must end here, and reading its end checks the CRC. */
static void close_entry(Entry *e)
{
	char extra;

	if (fread(&extra, 1, 1, e->f) != 0)
		die("%s: bytes after the array", e->where);
	fclose(e->f);
	zip_fclose(e->cookie.zf);
}

Tensor *npz_read(Npz *z, const char *name)
{
	Entry e;
	Tensor *t;

	if (!open_entry(z, name, &e))
		return NULL;
	t = npy_read_sized(e.f, e.where, e.size);
	close_entry(&e);
	return t;
}

char *npz_read_text(Npz *z, const char *name)
{
	Entry e;
	char *text;

	if (!open_entry(z, name, &e))
		return NULL;
	text = npy_read_text(e.f, e.where, e.size);
	close_entry(&e);
	return text;
}

bool npz_is_text(Npz *z, const char *name)
{
	Entry e;
	char descr[32];

	if (!open_entry(z, name, &e))
		return false;
	npy_read_descr(e.f, e.where, e.size, descr);
	fclose(e.f);
	zip_fclose(e.cookie.zf);
	return strcmp(descr, "|u1") == 0;
}

void npz_close(Npz *z)
{
	if (z == NULL)
		return;
	zip_discard(z->zip);
	for (size_t i = 0; i < z->count; i++)
		free(z->names[i]);
	free(z->names);
	free(z->indices);
	free(z->path);
	free(z);
}

struct NpzWriter {
	zip_source_t *archive; /* the archive, built in memory and written by npz_commit */
	zip_t *zip;
	OutFile *out;
	char **buffers;        /* libzip reads them at commit time */
	size_t n_buffers;
	size_t count;          /* entries added */
};

NpzWriter *npz_create(const char *path)
{
	zip_error_t ze;
	NpzWriter *w = xcalloc(1, sizeof(*w));

	/* opened now, so that a bad name fails before the work; libzip's own file handling (a temporary
	   file renamed over symbolic links and devices, an empty archive deleted) is not used */
	w->out = outfile_open(path);
	zip_error_init(&ze);
	w->archive = zip_source_buffer_create(NULL, 0, 0, &ze);
	if (w->archive == NULL)
		die("%s: cannot create: %s", path, zip_error_strerror(&ze));
	zip_source_keep(w->archive);
	w->zip = zip_open_from_source(w->archive, ZIP_TRUNCATE, &ze);
	if (w->zip == NULL)
		die("%s: cannot create: %s", path, zip_error_strerror(&ze));
	return w;
}

static void add_buffer(NpzWriter *w, const char *name, char *buf, size_t len)
{
	char *entry = xmalloc(strlen(name) + sizeof(".npy"));
	zip_source_t *src;
	zip_int64_t index;

	strcpy(entry, name);
	strcat(entry, ".npy");
	w->buffers = xrealloc(w->buffers, xmul(w->n_buffers + 1, sizeof(char *), "archive"));
	w->buffers[w->n_buffers++] = buf;
	src = zip_source_buffer(w->zip, buf, len, 0);
	if (src == NULL)
		die("%s: cannot add %s: %s", outfile_path(w->out), entry, zip_strerror(w->zip));
	index = zip_file_add(w->zip, entry, src, ZIP_FL_ENC_UTF_8);
	if (index < 0) {
		char *shown = label_escape_str(entry, NULL);
		if (zip_error_code_zip(zip_get_error(w->zip)) == ZIP_ER_EXISTS)
			die("%s: two entries named '%s'", outfile_path(w->out), shown);
		die("%s: cannot add %s: %s", outfile_path(w->out), shown, zip_strerror(w->zip));
	}
	/* stored, not deflated, as np.savez does; a fixed time (1980-01-01 00:00, the first DOS date), so
	   that equal tensors make equal archives */
	if (zip_set_file_compression(w->zip, (zip_uint64_t)index, ZIP_CM_STORE, 0) != 0 ||
	    zip_file_set_dostime(w->zip, (zip_uint64_t)index, 0, 1 << 5 | 1, 0) != 0)
		die("%s: cannot add %s: %s", outfile_path(w->out), entry, zip_strerror(w->zip));
	free(entry);
	w->count++;
}

/* Render an .npy image in memory with the given writer. */
static char *render(void (*write)(FILE *, const void *), const void *arg, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);

	if (f == NULL)
		die("open_memstream:");
	write(f, arg);
	if (ferror(f) || fclose(f) != 0)
		die("cannot render an archive entry:");
	return buf;
}

static void write_tensor(FILE *f, const void *t)
{
	npy_write(f, t);
}

static void write_text(FILE *f, const void *text)
{
	npy_write_text(f, text);
}

void npz_add(NpzWriter *w, const char *name, const Tensor *t)
{
	size_t len;
	char *buf = render(write_tensor, t, &len);

	add_buffer(w, name, buf, len);
}

void npz_add_text(NpzWriter *w, const char *name, const char *text)
{
	size_t len;
	char *buf = render(write_text, text, &len);

	add_buffer(w, name, buf, len);
}

void npz_commit(NpzWriter *w)
{
	FILE *f = outfile_stream(w->out);
	char buf[65536];
	zip_int64_t got;

	if (w->count == 0) /* libzip would write nothing at all: not an archive */
		die("%s: no arrays to write", outfile_path(w->out));
	if (zip_close(w->zip) != 0)
		die("%s: cannot write: %s", outfile_path(w->out), zip_strerror(w->zip));
	if (zip_source_open(w->archive) != 0)
		die("%s: cannot write: %s", outfile_path(w->out), zip_error_strerror(zip_source_error(w->archive)));
	while ((got = zip_source_read(w->archive, buf, sizeof(buf))) > 0)
		if (fwrite(buf, 1, (size_t)got, f) != (size_t)got)
			die("%s: write error:", outfile_path(w->out));
	if (got < 0)
		die("%s: cannot write: %s", outfile_path(w->out), zip_error_strerror(zip_source_error(w->archive)));
	zip_source_close(w->archive);
	zip_source_free(w->archive);
	outfile_close(w->out);
	for (size_t i = 0; i < w->n_buffers; i++)
		free(w->buffers[i]);
	free(w->buffers);
	free(w);
}
