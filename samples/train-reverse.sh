#!/bin/sh
# SPDX-License-Identifier: MIT
# Train a Transformer (2 + 2 layers, d_model 64, 4 heads) to reverse digit sequences of length 5 to 12
# ("3 1 4" -> "4 1 3") into out/reverse-transformer.npz, then score it on 500 held-out sequences with
# decode --generate. A few minutes on two cores. Run from anywhere after `make`:
#     sh samples/train-reverse.sh
set -eu
cd "$(dirname "$0")/.."
PATH="$PWD/bin:$PATH"
mkdir -p out
sh samples/tasks/make-tasks.sh out/tasks
train --pairs out/tasks/reverse-train.tsv --valid-pairs out/tasks/reverse-valid.tsv \
	--dim 64 --heads 4 --layers 2 --ff 256 --eos --scale \
	--epochs "${EPOCHS:-5}" --batch-sentences 32 --warmup 400 --lr-scale 0.16 --dropout 0 --clip 1 \
	--log-every 100 --log out/reverse-transformer.tsv -o out/reverse-transformer.npz
cut -f1 out/tasks/reverse-test.tsv > out/reverse-test.src
decode --generate --weights out/reverse-transformer.npz out/reverse-test.src > out/reverse-test.out
cut -f2 out/tasks/reverse-test.tsv | paste -d '|' out/reverse-test.out - |
	awk -F'|' '{ n++; right += ($1 == $2) } END { printf "test: %d of %d exactly right (%.1f%%)\n", right, n, 100 * right / n }'
# the cross-attention of one test sequence: the anti-diagonal
head -1 out/reverse-test.src | decode --generate --weights out/reverse-transformer.npz --attn out/reverse-align.txt > /dev/null
heatmap -o out/reverse-align.png < out/reverse-align.txt
echo "out/reverse-align.png: the cross-attention of \"$(head -1 out/reverse-test.src)\""
