/* SPDX-License-Identifier: MIT */
/* graph: an edge list as the 0/1 adjacency mask of attention (a Graph Attention Network is attention masked so). */
#ifndef PF_GRAPH_H
#define PF_GRAPH_H

#include <stdbool.h>

#include "tensor.h"

/* N = nodes */

/*
 * A[N,N] from the edge list in path ("-" = standard input): one edge "a b" a line, between the nodes named
 * a and b (a line with one name: a node, with no edge yet); blank lines and lines starting with '#' are
 * skipped. Nodes are numbered in the order they first appear; rows and columns are labelled with their
 * names, so the mask lines up with node features whose rows carry the same labels (lib/mask checks it).
 *   A[i,j] = 1 when an edge i -> j is listed; without directed, also A[j,i] = 1 (an undirected edge);
 *   with self_loops, A[i,i] = 1 for every node (a node attends to itself, as in Velickovic et al. 2018).
 * Everything else is 0. Dies naming the line on a line of three or more words, and on a list with no node.
 */
Tensor *graph_adjacency(const char *path, bool directed, bool self_loops);

#endif
