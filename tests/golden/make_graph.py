#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Golden files of tensor adjacency, for tests/tensor.bats. Run with Debian's python3 (numpy):

    /usr/bin/python3 tests/golden/make_graph.py

A known graph: a "kite" of five nodes named out of alphabetical order, with one edge listed twice (in both
directions), a comment, a blank line and a node with no edge. The references follow the definition:
nodes numbered in order of first appearance; A[i, j] = 1 for an edge i -> j, also A[j, i] without --directed,
A[i, i] = 1 with --self-loops. Writes tests/golden/graph/: edges.txt, and adjacency.txt, directed.txt,
self-loops.txt, directed-self-loops.txt.
"""
import os

import numpy as np

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "graph")
EDGES = """# a kite: the square hub-b-c-d with the diagonal hub-c, and a tail c-tail
hub b
b c
c d
d hub
hub c

c tail
b hub
lonely
"""


def adjacency(directed, self_loops):
    names, edges = [], []
    for line in EDGES.splitlines():
        words = line.split()
        if not words or words[0].startswith("#"):
            continue
        for w in words:
            if w not in names:
                names.append(w)
        if len(words) == 2:
            edges.append((names.index(words[0]), names.index(words[1])))
    a = np.zeros((len(names), len(names)), dtype=np.float32)
    for i, j in edges:
        a[i, j] = 1
        if not directed:
            a[j, i] = 1
    if self_loops:
        np.fill_diagonal(a, 1)
    return names, a


def write(name, names, a):
    with open(os.path.join(HERE, name), "w") as f:
        f.write("#tensor %d %d\n#name adjacency\n" % a.shape)
        f.write("#rows %s\n#cols %s\n" % (" ".join(names), " ".join(names)))
        for row in a:
            f.write(" ".join("%g" % v for v in row) + "\n")


def main():
    os.makedirs(HERE, exist_ok=True)
    with open(os.path.join(HERE, "edges.txt"), "w") as f:
        f.write(EDGES)
    for directed, self_loops, name in [(False, False, "adjacency.txt"), (True, False, "directed.txt"),
                                       (False, True, "self-loops.txt"), (True, True, "directed-self-loops.txt")]:
        write(name, *adjacency(directed, self_loops))


if __name__ == "__main__":
    main()
