/* SPDX-License-Identifier: MIT */
/*
 * What every libFuzzer target here shares (include it once, in the target's .c).
 *
 * Errors leave the library through die() -> _exit() and exit(); linking with -Wl,--wrap=_exit,--wrap=exit
 * brings them back to the target with longjmp. What the library had allocated on the way is then
 * abandoned, as a program that exits abandons it; so that a million errors do not add up to a false
 * "out of memory", -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=free track every block the
 * library takes while an input runs, and fuzz_release() frees those left when it ended in an error.
 */
#ifndef PF_FUZZ_HARNESS_H
#define PF_FUZZ_HARNESS_H

#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static jmp_buf fuzz_on_error;
static bool fuzz_tracking; /* only while an input runs: libFuzzer's own blocks are not ours */

void __real__exit(int status);
void __real_exit(int status);

/* Only an input's exits come back: libFuzzer's own (at the end of a run) exit. */
void __wrap__exit(int status);
void __wrap__exit(int status)
{
	if (!fuzz_tracking)
		__real__exit(status);
	longjmp(fuzz_on_error, status + 1);
}

void __wrap_exit(int status);
void __wrap_exit(int status)
{
	if (!fuzz_tracking)
		__real_exit(status);
	longjmp(fuzz_on_error, status + 1);
}

/* ---- the blocks taken while an input runs: an open-addressing set of pointers ------------------ */

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
void __real_free(void *p);

#define FUZZ_SLOTS (1u << 17) /* more live blocks than an input of libFuzzer's sizes makes */
static void *fuzz_blocks[FUZZ_SLOTS];
static size_t fuzz_used[FUZZ_SLOTS / 2]; /* the slots filled since fuzz_begin, to visit only those */
static size_t fuzz_live, fuzz_n_used;
#define FUZZ_TOMB ((void *)1)

static size_t fuzz_hash(const void *p)
{
	uintptr_t x = (uintptr_t)p >> 4;

	x ^= x >> 17;
	x *= 0xed5ad4bbu;
	x ^= x >> 11;
	return (size_t)x & (FUZZ_SLOTS - 1);
}

static void fuzz_track(void *p)
{
	size_t i = fuzz_hash(p);

	if (p == NULL || !fuzz_tracking || fuzz_n_used == FUZZ_SLOTS / 2)
		return; /* a full table forgets: a leak then, not a crash */
	while (fuzz_blocks[i] != NULL && fuzz_blocks[i] != FUZZ_TOMB)
		i = (i + 1) & (FUZZ_SLOTS - 1);
	fuzz_blocks[i] = p;
	fuzz_used[fuzz_n_used++] = i;
	fuzz_live++;
}

static void fuzz_untrack(void *p)
{
	size_t i = fuzz_hash(p);

	if (p == NULL || fuzz_live == 0)
		return;
	for (size_t n = 0; fuzz_blocks[i] != NULL && n < FUZZ_SLOTS; n++, i = (i + 1) & (FUZZ_SLOTS - 1))
		if (fuzz_blocks[i] == p) {
			fuzz_blocks[i] = FUZZ_TOMB;
			fuzz_live--;
			return;
		}
}

void *__wrap_malloc(size_t n);
void *__wrap_malloc(size_t n)
{
	void *p = __real_malloc(n);

	fuzz_track(p);
	return p;
}

void *__wrap_calloc(size_t n, size_t size);
void *__wrap_calloc(size_t n, size_t size)
{
	void *p = __real_calloc(n, size);

	fuzz_track(p);
	return p;
}

void *__wrap_realloc(void *p, size_t n);
void *__wrap_realloc(void *p, size_t n)
{
	void *q = __real_realloc(p, n);

	if (q != NULL || n == 0) {
		fuzz_untrack(p);
		fuzz_track(q);
	}
	return q;
}

void __wrap_free(void *p);
void __wrap_free(void *p)
{
	fuzz_untrack(p);
	__real_free(p);
}

/* Start tracking: call before the input runs. */
static void fuzz_begin(void)
{
	fuzz_tracking = true;
}

/*
 * Stop tracking. After an error (failed), free what the library left; after a success leave it
 * (LeakSanitizer then reports a real leak) and forget it.
 */
static void fuzz_end(bool failed)
{
	fuzz_tracking = false;
	for (size_t k = 0; k < fuzz_n_used; k++) {
		void **slot = &fuzz_blocks[fuzz_used[k]];
		if (*slot != NULL && *slot != FUZZ_TOMB && failed)
			__real_free(*slot);
		*slot = NULL;
	}
	fuzz_n_used = 0;
	fuzz_live = 0;
}

#endif
