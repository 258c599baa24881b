/* SPDX-License-Identifier: MIT */
#include "params.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "npz.h"
#include "rng.h"
#include "threads.h"

/* fewer random numbers than this are drawn on one thread: starting the others costs more */
#define PARALLEL_FILL_MIN ((size_t)1 << 18)

void params_add(Params *p, float **slot, const char *name, InitRule init, double arg, int ndim,
		const size_t *shape)
{
	Param *q;

	p->items = xrealloc(p->items, xmul(p->count + 1, sizeof(Param), "parameters"));
	q = &p->items[p->count++];
	memset(q, 0, sizeof(*q));
	q->name = xstrdup(name);
	q->ndim = ndim;
	memcpy(q->shape, shape, (size_t)ndim * sizeof(size_t));
	q->init = init;
	q->arg = arg;
	q->slot = slot;
}

static void adopt(Param *q, Tensor *t)
{
	tensor_free(q->tensor);
	q->tensor = t;
	if (q->slot)
		*q->slot = t->data;
}

static const char *shape_str(int ndim, const size_t *shape, char *buf)
{
	Tensor fake = { .ndim = ndim };

	memcpy(fake.shape, shape, (size_t)ndim * sizeof(size_t));
	return tensor_shape_str(&fake, buf);
}

/* Whether q's rule fills by fill_uniform (one draw per number), and its U(-bound, bound) */
static bool uniform_rule(const Param *q, double *bound)
{
	size_t fan_in = q->ndim >= 2 ? q->shape[1] : q->shape[0], fan_out = q->shape[0];

	switch (q->init) {
	case INIT_UNIFORM:
		*bound = q->arg;
		return true;
	case INIT_LINEAR:
		*bound = fan_in ? 1.0 / sqrt((double)fan_in) : 0.0;
		return true;
	case INIT_XAVIER_UNIFORM:
		*bound = fan_in + fan_out ? sqrt(6.0 / (double)(fan_in + fan_out)) : 0.0;
		return true;
	default:
		return false;
	}
}

/*
 * The tensors t[0 .. n) of q[0 .. n) by fill_uniform, one stream of `total` numbers from rng in order;
 * rng then past them. The threads share the stream: each jumps to its part (rng_jump) and fills it, so
 * the numbers are the same for any number of threads. Each fresh page costs the kernel about as long as
 * filling it with numbers: the threads share that too.
 */
static void fill_uniform_run(const Param *q, Tensor **t, size_t n, size_t total, Rng *rng)
{
	const size_t parts = total >= PARALLEL_FILL_MIN ? (size_t)threads_count() : 1;
	Rng past; /* where the last part ends: rng past the whole run */

#pragma omp parallel for num_threads(parts) if (parts > 1)
	for (size_t c = 0; c < parts; c++) {
		const size_t first = total / parts * c, last = c + 1 < parts ? first + total / parts : total;
		Rng r = *rng;
		double bound;

		rng_jump(&r, first);
		for (size_t i = 0, start = 0; i < n && start < last; start += t[i]->size, i++) {
			size_t lo = first > start ? first : start, hi = last < start + t[i]->size ? last : start + t[i]->size;
			if (lo < hi && uniform_rule(&q[i], &bound)) /* the numbers lo .. hi - 1 fall in t[i] */
				fill_uniform(&r, t[i]->data + (lo - start), hi - lo, bound);
		}
		if (c + 1 == parts)
			past = r;
	}
	*rng = past;
}

void params_init(Params *p, uint64_t seed)
{
	Tensor **made = xcalloc(p->count, sizeof(Tensor *));
	double bound;
	Rng rng;

	for (size_t i = 0; i < p->count; i++)
		made[i] = tensor_new(p->items[i].ndim, p->items[i].shape);
	rng_seed(&rng, seed);
	for (size_t i = 0, end; i < p->count; i = end) {
		Param *q = &p->items[i];
		size_t total = 0;

		/* the run of tensors from i on that fill_uniform fills: one stream, drawn in their order */
		for (end = i; end < p->count && uniform_rule(&p->items[end], &bound); end++)
			total += made[end]->size;
		if (end > i) {
			fill_uniform_run(q, made + i, end - i, total, &rng);
			continue;
		}
		/* zeros, ones or normal_: Box-Muller draws in pairs, so how many numbers it takes is not known
		 * in advance, and the stream cannot be shared */
		end = i + 1;
		if (q->init == INIT_ONES)
			for (size_t k = 0; k < made[i]->size; k++)
				made[i]->data[k] = 1.0f;
		else if (q->init == INIT_NORMAL)
			fill_normal(&rng, made[i]->data, made[i]->size, q->arg);
	}
	for (size_t i = 0; i < p->count; i++) {
		Param *q = &p->items[i];
		if (q->zero_row) /* nn.Embedding: normal_, then the padding_idx row filled with 0 */
			memset(made[i]->data + q->padding_row * q->shape[1], 0, q->shape[1] * sizeof(float));
		adopt(q, made[i]);
	}
	free(made);
}

void params_zero_row(Params *p, size_t row)
{
	Param *q = &p->items[p->count - 1];

	if (q->ndim != 2 || row >= q->shape[0])
		die("parameter %s: no row %zu to zero", q->name, row);
	q->zero_row = true;
	q->padding_row = row;
}

void params_read(Params *p, Npz *z, const char *prefix, int allow_extra)
{
	const char *path = npz_path(z);
	size_t prefix_len = strlen(prefix);
	char want[TENSOR_SHAPE_STR], got[TENSOR_SHAPE_STR];

	for (size_t i = 0; i < p->count; i++) {
		Param *q = &p->items[i];
		char *name = xmalloc(prefix_len + strlen(q->name) + 1);
		Tensor *t;
		sprintf(name, "%s%s", prefix, q->name);
		t = npz_read(z, name);
		if (t == NULL)
			die("%s: missing parameter %s (shape %s)", path, name, shape_str(q->ndim, q->shape, want));
		if (t->ndim != q->ndim || memcmp(t->shape, q->shape, (size_t)q->ndim * sizeof(size_t)) != 0)
			die("%s: parameter %s has shape %s, expected %s", path, name, tensor_shape_str(t, got),
			    shape_str(q->ndim, q->shape, want));
		tensor_require_finite(t, name);
		adopt(q, t);
		free(name);
	}
	for (size_t k = 0; k < npz_count(z) && !allow_extra; k++) {
		const char *name = npz_name(z, k);
		int known = 0;
		if (strncmp(name, prefix, prefix_len) != 0)
			continue; /* another part of a larger model */
		for (size_t i = 0; i < p->count && !known; i++)
			known = strcmp(p->items[i].name, name + prefix_len) == 0;
		if (!known)
			die("%s: unused parameter %s: not a parameter of this model (check the options that set its shape)",
			    path, name);
	}
}

void params_load(Params *p, const char *path, const char *prefix, int allow_extra)
{
	Npz *z = npz_open(path);

	params_read(p, z, prefix, allow_extra);
	npz_close(z);
}

void params_save(const Params *p, const char *path)
{
	NpzWriter *w;

	if (p->count == 0) /* say so, and leave whatever path holds alone */
		usage_error("--save-weights %s: this configuration has no parameters to save", path);
	w = npz_create(path);
	for (size_t i = 0; i < p->count; i++)
		npz_add(w, p->items[i].name, p->items[i].tensor);
	npz_commit(w);
}

void params_zero(Params *p)
{
	for (size_t i = 0; i < p->count; i++) {
		Param *q = &p->items[i];
		if (q->tensor)
			memset(q->tensor->data, 0, q->tensor->size * sizeof(float));
		else
			adopt(q, tensor_new(q->ndim, q->shape));
	}
}

void params_fill(Params *p, const ParamSource *source)
{
	if (source->weights)
		params_load(p, source->weights, source->prefix ? source->prefix : "", source->allow_extra);
	else
		params_init(p, source->seed);
	if (source->save_weights)
		params_save(p, source->save_weights);
}

void params_free(Params *p)
{
	for (size_t i = 0; i < p->count; i++) {
		free(p->items[i].name);
		tensor_free(p->items[i].tensor);
	}
	free(p->items);
	p->items = NULL;
	p->count = 0;
}

int params_peek_shape(const char *path, const char *prefix, const char *name, size_t *shape)
{
	Npz *z = npz_open(path);
	char *full = xmalloc(strlen(prefix) + strlen(name) + 1);
	Tensor *t;
	int ndim = 0;

	sprintf(full, "%s%s", prefix, name);
	t = npz_has(z, full) ? npz_read(z, full) : NULL;
	if (t) {
		ndim = t->ndim;
		memcpy(shape, t->shape, (size_t)ndim * sizeof(size_t));
		tensor_free(t);
	}
	free(full);
	npz_close(z);
	return ndim;
}

int params_source_shape(const ParamSource *source, const char *name, size_t *shape)
{
	if (source->weights == NULL)
		return 0;
	return params_peek_shape(source->weights, source->prefix ? source->prefix : "", name, shape);
}

void params_size(const ParamSource *source, const char *name, int axis, size_t *size, const char *option)
{
	size_t shape[TENSOR_MAX_DIMS];
	char got[TENSOR_SHAPE_STR];
	int ndim = params_source_shape(source, name, shape);

	if (ndim <= axis)
		return;
	if (*size == 0)
		*size = shape[axis];
	else if (*size != shape[axis])
		die("%s: %s %zu, but %s%s is %s (%zu on axis %d)", source->weights, option, *size,
		    source->prefix ? source->prefix : "", name, shape_str(ndim, shape, got), shape[axis], axis);
}

/* prefix + fmt % k, allocated */
static char *indexed_name(const char *prefix, const char *fmt, size_t k)
{
	size_t n = strlen(prefix) + strlen(fmt) + 24;
	char *name = xmalloc(n);

	snprintf(name, n, "%s", prefix);
	snprintf(name + strlen(prefix), n - strlen(prefix), fmt, k);
	return name;
}

size_t params_source_count(const ParamSource *source, const char *fmt)
{
	Npz *z;
	size_t k = 0;

	if (source->weights == NULL)
		return 0;
	z = npz_open(source->weights);
	for (;; k++) {
		char *name = indexed_name(source->prefix ? source->prefix : "", fmt, k);
		bool has = npz_has(z, name);
		free(name);
		if (!has)
			break;
	}
	npz_close(z);
	return k;
}

bool params_source_has(const ParamSource *source, const char *name)
{
	Npz *z;
	char *full;
	bool has;

	if (source->weights == NULL)
		return false;
	z = npz_open(source->weights);
	full = xmalloc(strlen(source->prefix ? source->prefix : "") + strlen(name) + 1);
	sprintf(full, "%s%s", source->prefix ? source->prefix : "", name);
	has = npz_has(z, full);
	free(full);
	npz_close(z);
	return has;
}
