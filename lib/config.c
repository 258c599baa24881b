/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "tensor.h"

static bool is_known(const char *const *known, const char *key)
{
	for (; *known; known++)
		if (strcmp(*known, key) == 0)
			return true;
	return false;
}

/* Two values agree when they are the same text or the same number ("1e-5" and "1e-05"). */
static bool same_value(const char *a, const char *b)
{
	char *end_a, *end_b;
	double x = strtod(a, &end_a), y = strtod(b, &end_b);

	if (end_a != a && *end_a == '\0' && end_b != b && *end_b == '\0')
		return x == y;
	return strcmp(a, b) == 0;
}

void config_set(ModelConfig *c, const char *key, const char *value, const char *where)
{
	for (size_t i = 0; i < c->count; i++) {
		if (strcmp(c->keys[i], key) != 0)
			continue;
		if (!same_value(c->values[i], value))
			die("%s: %s %s contradicts %s, which says %s", where, key, value, c->wheres[i], c->values[i]);
		return;
	}
	c->keys = xrealloc(c->keys, xmul(c->count + 1, sizeof(char *), "config"));
	c->values = xrealloc(c->values, xmul(c->count + 1, sizeof(char *), "config"));
	c->wheres = xrealloc(c->wheres, xmul(c->count + 1, sizeof(char *), "config"));
	c->keys[c->count] = xstrdup(key);
	c->values[c->count] = xstrdup(value);
	c->wheres[c->count] = xstrdup(where);
	c->count++;
}

void config_parse(ModelConfig *c, const char *text, const char *where, const char *const *known)
{
	char *copy = xstrdup(text), *next = copy, place[512];

	for (size_t line_no = 1; next; line_no++) {
		char *line = next, *nl = strchr(line, '\n'), *save = NULL, *key, *value, *extra;
		next = nl ? nl + 1 : NULL;
		if (nl)
			*nl = '\0';
		line[strcspn(line, "#")] = '\0'; /* a comment runs to the end of its line */
		key = strtok_r(line, " \t\r", &save);
		if (!key)
			continue;
		value = strtok_r(NULL, " \t\r", &save);
		extra = value ? strtok_r(NULL, " \t\r", &save) : NULL;
		snprintf(place, sizeof(place), "%s line %zu", where, line_no);
		if (!value || extra)
			die("%s: '%s' is not a line 'key value'", place, key);
		if (!is_known(known, key))
			die("%s: unknown setting '%s' (see docs/transformer.md for the keys)", place, key);
		config_set(c, key, value, place);
	}
	free(copy);
}

const char *config_get(const ModelConfig *c, const char *key)
{
	for (size_t i = 0; i < c->count; i++)
		if (strcmp(c->keys[i], key) == 0)
			return c->values[i];
	return NULL;
}

void config_free(ModelConfig *c)
{
	labels_free(c->keys, c->count);
	labels_free(c->values, c->count);
	labels_free(c->wheres, c->count);
	memset(c, 0, sizeof(*c));
}

const char *config_where(const ModelConfig *c, const char *key)
{
	for (size_t i = 0; i < c->count; i++)
		if (strcmp(c->keys[i], key) == 0)
			return c->wheres[i];
	return "";
}

size_t config_size(const ModelConfig *c, const char *key, size_t def, size_t min, size_t max)
{
	const char *v = config_get(c, key);
	char *end;
	unsigned long long n;

	if (!v)
		return def;
	n = strtoull(v, &end, 10);
	if (*v < '0' || *v > '9' || *end != '\0' || n < min || n > max)
		die("%s: %s '%s' is not a whole number from %zu to %zu", config_where(c, key), key, v, min, max);
	return (size_t)n;
}

double config_double(const ModelConfig *c, const char *key, double def, double min, double max)
{
	const char *v = config_get(c, key);
	char *end;
	double x;

	if (!v)
		return def;
	x = strtod(v, &end);
	if (end == v || *end != '\0' || !(x >= min && x <= max))
		die("%s: %s '%s' is not a number from %g to %g", config_where(c, key), key, v, min, max);
	return x;
}

bool config_bool(const ModelConfig *c, const char *key, bool def)
{
	return config_size(c, key, def, 0, 1) == 1;
}
