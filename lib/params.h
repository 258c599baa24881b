/* SPDX-License-Identifier: MIT */
/* params: a table of named, shaped parameters: load from .npz, random init, save, and their errors. */
#ifndef PF_PARAMS_H
#define PF_PARAMS_H

#include <stdbool.h>
#include <stdint.h>

#include "npz.h"
#include "tensor.h"

/* PyTorch's default initialisation rules (torch.nn.init and each module's reset_parameters). */
typedef enum {
	INIT_ZEROS,
	INIT_ONES,
	INIT_NORMAL,         /* N(0, arg^2): nn.Embedding uses arg = 1 */
	INIT_UNIFORM,        /* U(-arg, arg): biases of nn.Linear (arg = 1/sqrt(in)), RNN weights (1/sqrt(H)) */
	INIT_LINEAR,         /* U(-1/sqrt(in), 1/sqrt(in)) for a [out, in] weight: kaiming_uniform_(a=sqrt(5)) */
	INIT_XAVIER_UNIFORM, /* U(-b, b), b = sqrt(6 / (in + out)) for a [out, in] weight */
} InitRule;

typedef struct {
	char *name;          /* PyTorch's state_dict() name (loading puts ParamSource.prefix before it) */
	int ndim;
	size_t shape[TENSOR_MAX_DIMS];
	InitRule init;
	double arg;
	float **slot;        /* where the data pointer is stored for the program's struct */
	bool zero_row;       /* params_init sets row padding_row of this [V, E] table to 0 (nn.Embedding's padding_idx) */
	size_t padding_row;
	Tensor *tensor;      /* owns the data once filled */
} Param;

typedef struct {
	Param *items;
	size_t count;
} Params;

/* Where parameters come from: --weights FILE, else --seed N; --save-weights FILE; --prefix P. */
typedef struct {
	const char *weights;
	const char *save_weights;
	const char *prefix;   /* "" or e.g. "encoder." */
	uint64_t seed;
	int allow_extra;      /* archive entries that are not ours (outside our prefix they always are) */
} ParamSource;

/* Declare a parameter; shape has ndim entries. The name is copied. Saving writes names without prefix. */
void params_add(Params *p, float **slot, const char *name, InitRule init, double arg, int ndim,
		const size_t *shape);
/* The parameter declared last, a table [V, E], gets row `row` (< V) zeroed when it is drawn at random, as
 * nn.Embedding(padding_idx=row) does in reset_parameters; loaded weights are kept as the file has them. */
void params_zero_row(Params *p, size_t row);
/* Load (source->weights) or initialise (source->seed) every parameter, in declaration order; then save if asked. */
void params_fill(Params *p, const ParamSource *source);
void params_load(Params *p, const char *path, const char *prefix, int allow_extra);
/* The same from an archive already open (a whole model reads its settings and vocabularies from it too). */
void params_read(Params *p, Npz *z, const char *prefix, int allow_extra);
void params_init(Params *p, uint64_t seed);
void params_save(const Params *p, const char *path);
/* Every parameter set to zeros of its shape (allocated when not yet filled): a table of gradients, or of
 * Adam's moments, declared like the parameters it belongs to. */
void params_zero(Params *p);
void params_free(Params *p);
/*
 * The shape of the entry prefix + name of the archive at path, into shape; returns its ndim, or 0
 * when there is no such entry (a stage takes a size it was not given, e.g. linear's --out, from it).
 */
int params_peek_shape(const char *path, const char *prefix, const char *name, size_t *shape);

/*
 * Shapes from the weights: what a program takes from --weights before it declares its parameters, so that
 * `embed --weights w.npz` needs no --dim. Each looks at source->prefix + name in source->weights and does
 * nothing without --weights or without that entry.
 *
 * params_source_shape: the entry's shape into shape; its ndim, or 0.
 * params_size: *size from axis `axis` of the entry; when *size is already set (an option gave it, not 0) and
 *   the archive disagrees, dies "FILE: --dim 16, but weight is 12x10 (10 on axis 1)" naming option.
 * params_source_count: how many entries fmt % 0, fmt % 1, ... exist in a row (fmt has one %zu, e.g.
 *   "layers.%zu.linear1.weight"): the number of layers.
 * params_source_has: whether the entry exists.
 */
int params_source_shape(const ParamSource *source, const char *name, size_t *shape);
void params_size(const ParamSource *source, const char *name, int axis, size_t *size, const char *option);
size_t params_source_count(const ParamSource *source, const char *fmt);
bool params_source_has(const ParamSource *source, const char *name);

#endif
