#include "npz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>

#include "err.h"
#include "npy.h"
#include "stream.h"

struct Npz {
	zip_t *zip;
	char *path;
	size_t count;
	char **names; /* entry names without ".npy" */
};

#define MAX_ENTRY_BYTES ((zip_uint64_t)1 << 34)

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
	z->path = xstrdup(path);
	n = zip_get_num_entries(z->zip, 0);
	z->names = xcalloc((size_t)n, sizeof(char *));
	for (zip_int64_t i = 0; i < n; i++) {
		const char *name = zip_get_name(z->zip, (zip_uint64_t)i, 0);
		size_t len;
		if (name == NULL)
			die("%s: unreadable entry name", path);
		len = strlen(name);
		if (len < 4 || strcmp(name + len - 4, ".npy") != 0)
			continue; /* not an array: np.savez writes only .npy entries */
		z->names[z->count] = xstrdup(name);
		z->names[z->count++][len - 4] = '\0';
	}
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

bool npz_has(const Npz *z, const char *name)
{
	for (size_t i = 0; i < z->count; i++)
		if (strcmp(z->names[i], name) == 0)
			return true;
	return false;
}

/* The entry's bytes opened as a FILE (fmemopen), so that npy_read parses it like any file. */
static FILE *open_entry(Npz *z, const char *name, char **buf, char *where, size_t where_size)
{
	char entry[1024];
	zip_stat_t st;
	zip_file_t *zf;
	FILE *f;

	snprintf(where, where_size, "%s: %s", z->path, name);
	if (!npz_has(z, name))
		return NULL;
	snprintf(entry, sizeof(entry), "%s.npy", name);
	if (zip_stat(z->zip, entry, 0, &st) != 0 || !(st.valid & ZIP_STAT_SIZE))
		die("%s: cannot stat entry: %s", where, zip_strerror(z->zip));
	if (st.size > MAX_ENTRY_BYTES)
		die("%s: entry too large", where);
	zf = zip_fopen(z->zip, entry, 0);
	if (zf == NULL)
		die("%s: cannot open entry: %s", where, zip_strerror(z->zip));
	*buf = xmalloc((size_t)st.size);
	if (zip_fread(zf, *buf, st.size) != (zip_int64_t)st.size)
		die("%s: cannot read entry: %s", where, zip_file_strerror(zf));
	zip_fclose(zf);
	f = fmemopen(*buf, (size_t)st.size ? (size_t)st.size : 1, "rb");
	if (f == NULL)
		die("%s:", where);
	return f;
}

Tensor *npz_read(Npz *z, const char *name)
{
	char where[1200], *buf = NULL;
	FILE *f = open_entry(z, name, &buf, where, sizeof(where));
	Tensor *t;

	if (f == NULL)
		return NULL;
	t = npy_read(f, where);
	fclose(f);
	free(buf);
	return t;
}

char *npz_read_text(Npz *z, const char *name)
{
	char where[1200], *buf = NULL, *text;
	FILE *f = open_entry(z, name, &buf, where, sizeof(where));

	if (f == NULL)
		return NULL;
	text = npy_read_text(f, where);
	fclose(f);
	free(buf);
	return text;
}

void npz_close(Npz *z)
{
	if (z == NULL)
		return;
	zip_discard(z->zip);
	for (size_t i = 0; i < z->count; i++)
		free(z->names[i]);
	free(z->names);
	free(z->path);
	free(z);
}

struct NpzWriter {
	zip_t *zip;
	char *path;
	char **buffers; /* libzip reads them at commit time */
	size_t n_buffers;
};

NpzWriter *npz_create(const char *path)
{
	int error = 0;
	NpzWriter *w = xcalloc(1, sizeof(*w));

	w->zip = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, &error);
	if (w->zip == NULL) {
		zip_error_t ze;
		zip_error_init_with_code(&ze, error);
		die("%s: cannot create: %s", path, zip_error_strerror(&ze));
	}
	w->path = xstrdup(path);
	return w;
}

static void add_buffer(NpzWriter *w, const char *name, char *buf, size_t len)
{
	char entry[1024];
	zip_source_t *src;
	zip_int64_t index;

	snprintf(entry, sizeof(entry), "%s.npy", name);
	w->buffers = xrealloc(w->buffers, xmul(w->n_buffers + 1, sizeof(char *), "archive"));
	w->buffers[w->n_buffers++] = buf;
	src = zip_source_buffer(w->zip, buf, len, 0);
	if (src == NULL || (index = zip_file_add(w->zip, entry, src, ZIP_FL_OVERWRITE)) < 0)
		die("%s: cannot add %s: %s", w->path, entry, zip_strerror(w->zip));
	/* stored, not deflated, as np.savez does */
	zip_set_file_compression(w->zip, (zip_uint64_t)index, ZIP_CM_STORE, 0);
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
	if (zip_close(w->zip) != 0)
		die("%s: cannot write: %s", w->path, zip_strerror(w->zip));
	for (size_t i = 0; i < w->n_buffers; i++)
		free(w->buffers[i]);
	free(w->buffers);
	free(w->path);
	free(w);
}
