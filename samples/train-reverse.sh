#!/bin/sh
# SPDX-License-Identifier: MIT
# Train two models to reverse digit sequences of length 5 to 12 ("3 1 4" -> "4 1 3"): a Transformer
# (2 + 2 layers, d_model 64, 4 heads) into out/reverse-transformer.npz and a GRU seq2seq with additive
# attention (bidirectional encoder) into out/reverse-gru.npz; score each on 500 held-out sequences with
# decode --generate and draw its attention of one of them (--weights-only: models to ship, without
# Adam's state). A few minutes on two cores. Run from anywhere
# after `make`:
#     sh samples/train-reverse.sh            (ONLY=transformer or ONLY=gru trains one of them)
set -eu
cd "$(dirname "$0")/.."
PATH="$PWD/bin:$PATH"
mkdir -p out
sh samples/tasks/make-tasks.sh out/tasks
cut -f1 out/tasks/reverse-test.tsv > out/reverse-test.src

# score NAME: decode the test sequences with out/reverse-NAME.npz, count the exact ones, draw the attention
score() {
	decode --generate --weights "out/reverse-$1.npz" out/reverse-test.src > "out/reverse-$1-test.out"
	cut -f2 out/tasks/reverse-test.tsv | paste -d '|' "out/reverse-$1-test.out" - |
		awk -F'|' -v name="$1" '{ n++; right += ($1 == $2) }
			END { printf "%s test: %d of %d exactly right (%.1f%%)\n", name, right, n, 100 * right / n }'
	# the attention of one test sequence: the anti-diagonal
	head -1 out/reverse-test.src | decode --generate --weights "out/reverse-$1.npz" --attn "out/reverse-$1-align.txt" > /dev/null
	heatmap -o "out/reverse-$1-align.png" < "out/reverse-$1-align.txt"
	echo "out/reverse-$1-align.png: the attention of \"$(head -1 out/reverse-test.src)\""
}

if [ "${ONLY:-transformer}" = transformer ]; then
	train --pairs out/tasks/reverse-train.tsv --valid-pairs out/tasks/reverse-valid.tsv \
		--dim 64 --heads 4 --layers 2 --ff 256 --eos --scale \
		--epochs "${EPOCHS:-5}" --batch-sentences 32 --warmup 400 --lr-scale 0.16 --dropout 0 --clip 1 \
		--log-every 100 --log out/reverse-transformer.tsv --plot out/reverse-transformer-loss.png --weights-only -o out/reverse-transformer.npz
	score transformer
fi
if [ "${ONLY:-gru}" = gru ]; then
	train --arch gru --bidirectional --dim 32 --hidden 48 --score additive \
		--pairs out/tasks/reverse-train.tsv --valid-pairs out/tasks/reverse-valid.tsv --eos \
		--epochs "${GRU_EPOCHS:-1}" --batch-sentences 32 --schedule constant --lr 3e-3 --dropout 0 --clip 1 \
		--log-every 100 --log out/reverse-gru.tsv --plot out/reverse-gru-loss.png --weights-only -o out/reverse-gru.npz
	score gru
fi
