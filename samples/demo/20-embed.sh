# SPDX-License-Identifier: MIT
# embed | posenc: words become labelled vectors, then position-aware vectors.
set -eu
# Build the vocabulary of the sample sentences and keep it with the embedding table, for the later steps.
embed --dim 16 --scale --save-vocab out/vocab.txt --save-weights out/embed.npz samples/sentences.txt > out/embed.txt
posenc < out/embed.txt > out/posenc.txt
tensor info out/posenc.txt
# The same vocabulary and weights again, one sentence, with the paper's linear shift checked on stderr.
echo "the cat sat on the mat" | embed --vocab out/vocab.txt --weights out/embed.npz --dim 16 --scale --show-ids |
	posenc --explain --digits 4 > out/the-cat.txt
cat out/the-cat.txt
# The sinusoidal table itself in both layouts (for heatmap).
posenc --only --len 32 --dim 16 > out/posenc-table.txt
posenc --only --len 32 --dim 16 --layout concat > out/posenc-table-concat.txt
