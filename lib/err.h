/* SPDX-License-Identifier: MIT */
/* err: diagnostics in one style ("prog: where: what"), checked sizes and allocations. */
#ifndef PF_ERR_H
#define PF_ERR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdnoreturn.h>

extern const char *progname;
/* The exit status of die(): 1, unless a program reserves 1 for another meaning (tensor diff uses 2). */
extern int die_status;

/* Remember argv[0]'s last component for every message. */
void set_progname(const char *argv0);

/* Print "prog: message" on stderr and exit die_status (1). A format ending in ':' appends strerror(errno). */
noreturn void die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print "prog: message" and a pointer to --help on stderr, exit 2 (bad usage). */
noreturn void usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Run cleanup before die() and usage_error() exit (one hook: outfile removes its temporary files). */
void on_die(void (*cleanup)(void));
/* Print "prog: warning: message" on stderr and go on. */
void warning(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Write s with its control bytes (C0 but tab, DEL, and the C1 range of UTF-8) as \xHH, so that text from
 * the input reaches a terminal without commanding it. Every message goes through it.
 */
void fputs_printable(const char *s, FILE *f);

/* *out = a * b; false (and *out untouched) when the product does not fit in size_t. */
bool size_mul(size_t a, size_t b, size_t *out);
/* a * b, or die("size overflow") naming what was being sized. */
size_t xmul(size_t a, size_t b, const char *what);

/* Allocations that die with a clear message instead of returning NULL. xmalloc(0) is valid. */
void *xmalloc(size_t n);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);

/*
 * A first run that explains itself: when standard input is a terminal, say once on stderr what the
 * program waits for there ("a tensor stream", "sentences, one per line") and how to end it, instead
 * of waiting silently. Call it just before reading from stdin.
 */
void hint_terminal_input(const char *what);

/* Flush and close stdout; a failed write becomes "prog: stdout: ..." and exit 1. */
void close_stdout(void);

#endif
