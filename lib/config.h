/* SPDX-License-Identifier: MIT */
/* config: a whole model's settings as "key value" pairs, from an archive's config entry and the command line. */
#ifndef PF_CONFIG_H
#define PF_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

/*
 * A key set twice with different values is an error naming both places (an option that contradicts
 * the archive is not a silent override). Which keys exist is the model's business (lib/model).
 */
typedef struct {
	char **keys, **values, **wheres;  /* [count] */
	size_t count;
} ModelConfig;

/* Set key to value; where ("--heads", "model.npz: config line 3") names the source in errors. */
void config_set(ModelConfig *c, const char *key, const char *value, const char *where);
/*
 * Every "key value" line of text ('#' starts a comment); a key not in known[] (NULL-terminated)
 * dies naming its line.
 */
void config_parse(ModelConfig *c, const char *text, const char *where, const char *const *known);
/* The value of key, or NULL when unset. */
const char *config_get(const ModelConfig *c, const char *key);
void config_free(ModelConfig *c);
/* Where a setting came from, for an error about its value. */
const char *config_where(const ModelConfig *c, const char *key);
/* A whole number in [min, max] (def when unset), and 0 / 1; a bad value dies naming where it came from. */
size_t config_size(const ModelConfig *c, const char *key, size_t def, size_t min, size_t max);
bool config_bool(const ModelConfig *c, const char *key, bool def);
/* A number in [min, max] (def when unset). */
double config_double(const ModelConfig *c, const char *key, double def, double min, double max);

#endif
