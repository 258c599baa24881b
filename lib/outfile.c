/* SPDX-License-Identifier: MIT */
#include "outfile.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"

struct OutFile {
	FILE *f;
	char *path;   /* as the user named it, for messages */
	char *target; /* the file it becomes: path with symbolic links followed */
	char *tmp;    /* the temporary file beside target; NULL when written directly */
	int slot;     /* index in temps[] */
};

/* Temporary files not yet renamed, removed by cleanup() on every way out but a successful close.
   A fixed table: the signal handler must not meet a half-grown array. */
#define MAX_TEMPS 64
static char *volatile temps[MAX_TEMPS];
static bool cleanup_installed;

/* Files this program reads, and the existing regular files it writes, by device and inode. */
typedef struct {
	dev_t dev;
	ino_t ino;
} FileId;
static FileId *inputs, *outputs;
static size_t n_inputs, n_outputs;

static void cleanup(void)
{
	for (int i = 0; i < MAX_TEMPS; i++)
		if (temps[i])
			unlink(temps[i]);
}

static void on_signal(int sig)
{
	cleanup();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void install_cleanup(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGPIPE, SIGQUIT };
	struct sigaction sa;

	if (cleanup_installed)
		return;
	cleanup_installed = true;
	atexit(cleanup);
	on_die(cleanup);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if (sigaction(sigs[i], NULL, &sa) == 0 && sa.sa_handler == SIG_DFL)
			signal(sigs[i], on_signal);
	/* past `ulimit -f` a write fails with EFBIG and we remove the temporary file, instead of being
	   killed by SIGXFSZ and leaving it behind */
	signal(SIGXFSZ, SIG_IGN);
}

static bool same_file(const FileId *ids, size_t n, const struct stat *st)
{
	for (size_t i = 0; i < n; i++)
		if (ids[i].dev == st->st_dev && ids[i].ino == st->st_ino)
			return true;
	return false;
}

static void remember(FileId **ids, size_t *n, const struct stat *st)
{
	if (same_file(*ids, *n, st))
		return; /* read twice, noted once */
	*ids = xrealloc(*ids, xmul(*n + 1, sizeof(FileId), "file table"));
	(*ids)[*n].dev = st->st_dev;
	(*ids)[*n].ino = st->st_ino;
	(*n)++;
}

void outfile_note_input(int fd, const char *path)
{
	struct stat st;

	if ((fd >= 0 ? fstat(fd, &st) : stat(path, &st)) != 0 || !S_ISREG(st.st_mode))
		return; /* pipes and devices are not destroyed by writing elsewhere */
	if (same_file(outputs, n_outputs, &st))
		die("%s: is also an output of this program; write to another file",
		    strcmp(path, "-") == 0 ? "stdin" : path);
	remember(&inputs, &n_inputs, &st);
}

/* A name that does not exist yet, with its symbolic links followed as open(O_CREAT) would: a dangling
   link creates its target. */
static char *follow_links(const char *path)
{
	char *cur = xstrdup(path);

	for (int hops = 0;; hops++) {
		struct stat st;
		char link[PATH_MAX];
		ssize_t n;
		if (lstat(cur, &st) != 0) {
			if (errno == ENOENT)
				return cur; /* a new file */
			die("%s:", path);
		}
		if (!S_ISLNK(st.st_mode))
			return cur;
		if (hops == 40) {
			errno = ELOOP;
			die("%s:", path);
		}
		n = readlink(cur, link, sizeof(link) - 1);
		if (n < 0)
			die("%s:", path);
		link[n] = '\0';
		if (link[0] == '/') {
			free(cur);
			cur = xstrdup(link);
		} else {
			/* relative to the directory holding the link */
			char *slash = strrchr(cur, '/');
			size_t dir = slash ? (size_t)(slash - cur) + 1 : 0;
			char *next = xmalloc(dir + (size_t)n + 1);
			memcpy(next, cur, dir);
			memcpy(next + dir, link, (size_t)n + 1);
			free(cur);
			cur = next;
		}
	}
}

OutFile *outfile_open(const char *path)
{
	OutFile *o = xcalloc(1, sizeof(*o));
	struct stat st, in;
	bool exists;
	mode_t mode, mask;
	int fd;

	o->path = xstrdup(path);
	o->slot = -1;
	if (strcmp(path, "-") == 0) {
		o->f = stdout;
		return o;
	}
	install_cleanup();
	exists = stat(path, &st) == 0;
	if (!exists && errno != ENOENT)
		die("%s:", path);
	if (exists && S_ISDIR(st.st_mode)) {
		errno = EISDIR;
		die("%s:", path);
	}
	if (exists && (same_file(inputs, n_inputs, &st) ||
		       (fstat(STDIN_FILENO, &in) == 0 && S_ISREG(in.st_mode) && in.st_dev == st.st_dev &&
			in.st_ino == st.st_ino)))
		die("%s: is also an input of this program; write to another file", path);
	if (exists && !S_ISREG(st.st_mode)) {
		/* a device, FIFO or socket (also behind /dev/stdout): nothing to replace, write into it */
		o->f = fopen(path, "wb");
		if (o->f == NULL)
			die("%s:", path);
		return o;
	}
	/* the file to replace is the one the name leads to, through any symbolic links */
	o->target = exists ? realpath(path, NULL) : follow_links(path);
	if (o->target == NULL)
		die("%s:", path);
	if (exists)
		remember(&outputs, &n_outputs, &st);

	for (o->slot = 0; o->slot < MAX_TEMPS && temps[o->slot]; o->slot++)
		;
	if (o->slot == MAX_TEMPS)
		die("%s: too many output files open at once", path);
	o->tmp = xmalloc(strlen(o->target) + sizeof(".XXXXXX"));
	strcpy(o->tmp, o->target);
	strcat(o->tmp, ".XXXXXX");
	fd = mkstemp(o->tmp);
	if (fd < 0)
		die("%s:", path);
	temps[o->slot] = o->tmp;
	/* mkstemp makes the file private (0600): give it the mode of the file it replaces, or the mode a
	   plain fopen would have */
	mask = umask(0);
	umask(mask);
	mode = exists ? st.st_mode & 07777 : 0666 & ~mask;
	if (exists && (st.st_uid != geteuid() || st.st_gid != getegid()) && fchown(fd, st.st_uid, st.st_gid) != 0)
		mode &= 0777; /* not ours to give: no set-id bits on a file of another owner */
	if (fchmod(fd, mode) != 0 || (o->f = fdopen(fd, "wb")) == NULL) {
		int e = errno;
		close(fd);
		errno = e;
		die("%s:", path);
	}
	return o;
}

FILE *outfile_stream(const OutFile *o)
{
	return o->f;
}

const char *outfile_path(const OutFile *o)
{
	return o->path;
}

void outfile_close(OutFile *o)
{
	if (o == NULL)
		return;
	if (o->f == stdout) {
		if (fflush(stdout) != 0 || ferror(stdout))
			die("stdout: write error:");
	} else if (fflush(o->f) != 0 || ferror(o->f) || fclose(o->f) != 0) {
		die("%s: write error:", o->path);
	}
	if (o->tmp) {
		if (rename(o->tmp, o->target) != 0)
			die("%s:", o->path);
		temps[o->slot] = NULL;
		free(o->tmp);
	}
	free(o->target);
	free(o->path);
	free(o);
}

void outfile_write_all(const char *path, const void *bytes, size_t n)
{
	OutFile *o = outfile_open(path);

	if (fwrite(bytes, 1, n, o->f) != n)
		die("%s: write error:", path);
	outfile_close(o);
}
