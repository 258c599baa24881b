#!/bin/sh
# SPDX-License-Identifier: MIT
# Attention over a graph (docs/graph.md): the Graph Attention Network idea in one pipeline. The nodes are
# the eleven heavy atoms of a paracetamol molecule, the edges its bonds; every atom attends to its
# neighbours (and itself) only, because the adjacency of the graph is the attention's mask.
#
#   usage: sh samples/graph-attention.sh     (from the source folder or a copy of samples/; writes out/graph-*)
#
# out/graph-edges.txt      the bonds, one edge "a b" a line
# out/graph-adjacency.txt  tensor adjacency --self-loops: the 11 x 11 0/1 mask, labelled with the atoms
# out/graph-features.txt   one row per atom, labelled with its name: element (C, N, O one-hot), bonds
# out/graph-weights.txt    the attention weights: non-zero exactly where the adjacency is 1
# out/graph-out.txt        each atom's new vector: the weighted sum over its neighbourhood
# out/graph-attention.png  the weights as a heatmap
set -eu
mkdir -p out

# the molecule, made here: a benzene ring C1..C6, a hydroxyl O1 on C1, and the amide N1-C7(=O2)-C8 on C4
cat > out/graph-edges.txt << 'EOF'
# paracetamol (acetaminophen), heavy atoms only
C1 C2
C2 C3
C3 C4
C4 C5
C5 C6
C6 C1
C1 O1
C4 N1
N1 C7
C7 O2
C7 C8
EOF
tensor adjacency --self-loops out/graph-edges.txt > out/graph-adjacency.txt

# node features, labelled with the node names in the adjacency's order: the element one-hot and the
# number of bonds (the row's sum without the self-loop)
awk '
/^#rows / { n = NF - 1; for (i = 2; i <= NF; i++) name[i - 1] = $i; next }
/^#/ { next }
{ row++; bonds = -1; for (i = 1; i <= NF; i++) bonds += $i; deg[row] = bonds }
END {
	printf "#tensor %d 4\n#rows", n
	for (i = 1; i <= n; i++) printf " %s", name[i]
	printf "\n#cols C N O bonds\n"
	for (i = 1; i <= n; i++) {
		e = substr(name[i], 1, 1)
		printf "%d %d %d %d\n", e == "C", e == "N", e == "O", deg[i]
	}
}' out/graph-adjacency.txt > out/graph-features.txt

# one attention layer with learnable projections (random, seed 1), masked by the graph
attend --project --dk 8 --dv 8 --mask out/graph-adjacency.txt --attn out/graph-weights.txt \
	out/graph-features.txt > out/graph-out.txt
heatmap --title "paracetamol: each atom attends to its bonded neighbours" -o out/graph-attention.png \
	out/graph-weights.txt

# the check: a weight is non-zero exactly where the graph has an edge (or the self-loop)
paste -d '\n' out/graph-adjacency.txt out/graph-weights.txt | awk '
!/^#/ && NR % 2 == 1 { split($0, a) }
!/^#/ && NR % 2 == 0 { for (i = 1; i <= NF; i++) if ((a[i] != 0) != ($i != 0)) bad++ }
END { if (bad) { print "graph-attention: " bad " weights disagree with the adjacency"; exit 1 }
      print "graph-attention: every atom attends to its neighbours only (out/graph-attention.png)" }'
