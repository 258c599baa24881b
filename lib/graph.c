/* SPDX-License-Identifier: MIT */
#include "graph.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "vocab.h"

/* N = nodes */

/* The number of node name (added to names[*n] when new). */
static size_t node_id(char ***names, size_t *n, const char *name)
{
	for (size_t i = 0; i < *n; i++)
		if (strcmp((*names)[i], name) == 0)
			return i;
	*names = xrealloc(*names, xmul(*n + 1, sizeof(char *), "graph"));
	(*names)[*n] = xstrdup(name);
	return (*n)++;
}

Tensor *graph_adjacency(const char *path, bool directed, bool self_loops)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	const char *shown = strcmp(path, "-") == 0 ? "standard input" : path;
	char *line = NULL, **names = NULL;
	size_t cap = 0, n = 0, n_edges = 0, *edges = NULL; /* edges[2e], edges[2e+1]: the ends of edge e */
	size_t lineno = 0;
	ssize_t len;
	Tensor *A;

	if (f == NULL)
		die("%s:", path);
	/* pass 1: the nodes, in order of first appearance, and the edges between their numbers */
	while ((len = getline(&line, &cap, f)) != -1) {
		char **words;
		size_t count;
		lineno++;
		if (len > 0 && line[len - 1] == '\n')
			line[len - 1] = '\0';
		if (line[strspn(line, " \t")] == '#')
			continue; /* a comment */
		count = tokenize(&words, line, false);
		if (count > 2)
			die("%s: line %zu: %zu names: an edge is two node names, 'a b' (a node alone: one name)", shown,
			    lineno, count);
		if (count > 0) {
			const size_t a = node_id(&names, &n, words[0]), b = node_id(&names, &n, words[count - 1]);
			if (count == 2) {
				edges = xrealloc(edges, xmul(2 * n_edges + 2, sizeof(size_t), "graph"));
				edges[2 * n_edges] = a, edges[2 * n_edges + 1] = b;
				n_edges++;
			}
		}
		labels_free(words, count);
	}
	if (ferror(f))
		die("%s:", shown);
	if (f != stdin)
		fclose(f);
	free(line);
	if (n == 0)
		die("%s: no node: an edge list has one edge 'a b' a line", shown);
	/* pass 2: A[a,b] = 1 for each edge (and A[b,a] when undirected), A[i,i] = 1 with self_loops */
	A = tensor_new2(n, n);
	for (size_t e = 0; e < n_edges; e++) {
		const size_t a = edges[2 * e], b = edges[2 * e + 1];
		A->data[a * n + b] = 1.0f;
		if (!directed)
			A->data[b * n + a] = 1.0f;
	}
	for (size_t i = 0; self_loops && i < n; i++)
		A->data[i * n + i] = 1.0f;
	tensor_set_name(A, "adjacency");
	tensor_set_row_labels(A, names);
	tensor_set_col_labels(A, names);
	labels_free(names, n);
	free(edges);
	return A;
}
