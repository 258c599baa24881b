# SPDX-License-Identifier: MIT
# mha: four heads of self-attention over the sentences of step 20; per-head weights for heatmap's grid.
set -eu
mha --heads 4 --seed 1 --save-weights out/mha.npz --attn out/mha-heads-all.txt < out/posenc.txt > out/mha.txt
tensor info out/mha.txt
# One sentence with the same weights, each step on stderr; its H x T x S weights and their mean over heads.
mha --heads 4 --weights out/mha.npz --attn out/mha-heads.txt --explain --digits 4 < out/the-cat.txt
mha --heads 4 --weights out/mha.npz --attn out/mha-average.txt --average < out/the-cat.txt > /dev/null
cat out/mha-average.txt
# Masked self-attention, as in the decoder: no head looks at a later word.
mha --heads 4 --weights out/mha.npz --causal --attn out/mha-causal-heads.txt < out/the-cat.txt > /dev/null
# The per-head grids: one panel per head.
heatmap -o out/mha-heads.png < out/mha-heads.txt
heatmap -o out/mha-causal-heads.png < out/mha-causal-heads.txt
