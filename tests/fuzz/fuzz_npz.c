/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the .npz reader: the input is an archive; every entry is read as text or as a
 * tensor, as `tensor get` and the model loaders do. Any bytes must give tensors or one clean error,
 * never a crash, a hang or an allocation larger than the archive can fill.
 * libzip's handles live outside the tracked heap (harness.h): the ones open when an error struck are
 * found through -Wl,--wrap= of zip_open, zip_fopen_index, zip_fclose, fopencookie and fclose.
 */
#define _GNU_SOURCE /* memfd_create, fopencookie */
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zip.h>

#include "harness.h"
#include "npz.h"
#include "outfile.h"

static zip_t *open_zip;
static zip_file_t *open_entry;
static FILE *open_cookie;

zip_t *__real_zip_open(const char *path, int flags, int *error);
zip_t *__wrap_zip_open(const char *path, int flags, int *error);
zip_t *__wrap_zip_open(const char *path, int flags, int *error)
{
	return open_zip = __real_zip_open(path, flags, error);
}

zip_file_t *__real_zip_fopen_index(zip_t *z, zip_uint64_t i, zip_flags_t flags);
zip_file_t *__wrap_zip_fopen_index(zip_t *z, zip_uint64_t i, zip_flags_t flags);
zip_file_t *__wrap_zip_fopen_index(zip_t *z, zip_uint64_t i, zip_flags_t flags)
{
	return open_entry = __real_zip_fopen_index(z, i, flags);
}

int __real_zip_fclose(zip_file_t *f);
int __wrap_zip_fclose(zip_file_t *f);
int __wrap_zip_fclose(zip_file_t *f)
{
	if (f == open_entry)
		open_entry = NULL;
	return __real_zip_fclose(f);
}

FILE *__real_fopencookie(void *cookie, const char *mode, cookie_io_functions_t io);
FILE *__wrap_fopencookie(void *cookie, const char *mode, cookie_io_functions_t io);
FILE *__wrap_fopencookie(void *cookie, const char *mode, cookie_io_functions_t io)
{
	return open_cookie = __real_fopencookie(cookie, mode, io);
}

int __real_fclose(FILE *f);
int __wrap_fclose(FILE *f);
int __wrap_fclose(FILE *f)
{
	if (f == open_cookie)
		open_cookie = NULL;
	return __real_fclose(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	static char path[64];
	Npz *z;
	bool failed;

	if (fd < 0) {
		fd = memfd_create("fuzz.npz", 0);
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		/* npz_open notes its file as an input (lib/outfile), in a table that lives as long as the
		   program: note it now, untracked, so that no input's error frees the table */
		outfile_note_input(fd, path);
	}
	if (fd < 0 || ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
		return 0;
	open_zip = NULL;
	open_entry = NULL;
	open_cookie = NULL;
	fuzz_begin();
	failed = setjmp(fuzz_on_error) != 0;
	if (!failed) {
		z = npz_open(path);
		for (size_t i = 0; i < npz_count(z); i++) {
			const char *name = npz_name(z, i);
			if (npz_is_text(z, name)) {
				free(npz_read_text(z, name));
			} else {
				Tensor *t = npz_read(z, name);
				tensor_free(t);
			}
		}
		npz_close(z);
		open_zip = NULL;
	}
	if (failed) {
		if (open_cookie)
			__real_fclose(open_cookie);
		if (open_entry)
			__real_zip_fclose(open_entry);
		if (open_zip)
			zip_discard(open_zip);
	}
	fuzz_end(failed);
	return 0;
}
