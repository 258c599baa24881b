/* SPDX-License-Identifier: MIT */
#include "err.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *progname = "pipeformer";
int die_status = 1;
static void (*die_cleanup)(void);

void on_die(void (*cleanup)(void))
{
	die_cleanup = cleanup;
}

void set_progname(const char *argv0)
{
	const char *slash;

	if (argv0 == NULL || *argv0 == '\0')
		return;
	slash = strrchr(argv0, '/');
	progname = slash ? slash + 1 : argv0;
}

void fputs_printable(const char *s, FILE *f)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p < 0x20 && *p != '\t') || *p == 0x7f) {
			fprintf(f, "\\x%02x", *p);
		} else if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
			fprintf(f, "\\xc2\\x%02x", p[1]);
			p++;
		} else {
			fputc(*p, f);
		}
	}
}

static void vmessage(const char *prefix, const char *fmt, va_list ap)
{
	int saved_errno = errno;
	size_t len = strlen(fmt);
	char small[1024], *msg = small;
	va_list copy;
	int n;

	fflush(stdout);
	va_copy(copy, ap);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	if (n >= (int)sizeof(small) && (msg = malloc((size_t)n + 1)) != NULL)
		vsnprintf(msg, (size_t)n + 1, fmt, copy);
	va_end(copy);
	fprintf(stderr, "%s: %s", progname, prefix);
	/* the message echoes names and tokens from the input: no terminal escapes through it */
	fputs_printable(msg ? msg : small, stderr);
	if (msg != small)
		free(msg);
	if (len > 0 && fmt[len - 1] == ':')
		fprintf(stderr, " %s", strerror(saved_errno));
	fputc('\n', stderr);
}

void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage("", fmt, ap);
	va_end(ap);
	/* _exit: an error path owns no cleanup worth running, and skipping the atexit
	   handlers keeps the sanitizers' leak report for the paths that succeed */
	if (die_cleanup)
		die_cleanup();
	_exit(die_status);
}

void usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage("", fmt, ap);
	va_end(ap);
	fprintf(stderr, "Try '%s --help' for more information.\n", progname);
	if (die_cleanup)
		die_cleanup();
	_exit(2);
}

void warning(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage("warning: ", fmt, ap);
	va_end(ap);
}

bool size_mul(size_t a, size_t b, size_t *out)
{
	if (a != 0 && b > SIZE_MAX / a)
		return false;
	*out = a * b;
	return true;
}

size_t xmul(size_t a, size_t b, const char *what)
{
	size_t n;

	if (!size_mul(a, b, &n))
		die("%s: size overflow (%zu x %zu)", what, a, b);
	return n;
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		die("out of memory (asked for %zu bytes)", n);
	return p;
}

void *xcalloc(size_t count, size_t size)
{
	void *p;

	xmul(count, size, "allocation");
	p = calloc(count ? count : 1, size ? size : 1);
	if (p == NULL)
		die("out of memory (asked for %zu x %zu bytes)", count, size);
	return p;
}

void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (q == NULL)
		die("out of memory (asked for %zu bytes)", n);
	return q;
}

char *xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;

	return memcpy(xmalloc(n), s, n);
}

void hint_terminal_input(const char *what)
{
	static bool hinted;

	if (hinted || !isatty(STDIN_FILENO))
		return;
	hinted = true;
	fprintf(stderr, "%s: reading %s from the terminal (end with Ctrl-D; %s --help shows how to give a FILE)\n",
		progname, what, progname);
}

void close_stdout(void)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		if (errno == EPIPE)
			exit(0); /* the reader went away: end quietly */
		die("stdout: write error:");
	}
	if (fclose(stdout) != 0)
		die("stdout: write error:");
}
