# SPDX-License-Identifier: MIT
# Self-attention: every word of the example looks at every word (itself included); the weights go to
# out/attend-weights.txt for heatmap (rows = queries, columns = keys), the context vectors to stdout.
set -eu
attend --attn out/attend-weights.txt samples/matrix.txt > out/attend-out.txt
cat out/attend-weights.txt
# The decoder's masked form: a word sees only itself and the words before it.
attend --causal --attn out/attend-causal-weights.txt samples/matrix.txt > out/attend-causal-out.txt
cat out/attend-causal-weights.txt
