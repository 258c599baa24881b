#!/bin/sh
# SPDX-License-Identifier: MIT
# Greedy translation as a shell loop over the stages, the loop `decode --generate` runs inside:
#
#   usage: samples/greedy.sh [MODEL.npz [SRC_VOCAB [TGT_VOCAB]]] < english.txt > french.txt
#
# 1. encode the source once: embed | posenc | encode, the memory (S x E);
# 2. start the output with <s>;
# 3. run the decoder teacher-forced on the output so far, take its last position (tensor pick --rows -1),
#    project it to the target vocabulary (linear --prefix generator.), softmax, argmax;
# 4. append the token; stop at </s> (or after MAX_LEN tokens), else go to 3.
# Every stage reads its parameters from the one archive, by PyTorch's names under its own prefix.
# The default model is the toy English-to-French one, samples/models/en-fr.npz (trained by
# tests/golden/make_transformer.py); its settings (the archive's config entry) are below, and can be
# changed from the environment. The vocabularies default to the archive's own src_vocab and tgt_vocab
# entries (text after a one-line .npy header, read with unzip). The output is the same as
# `decode --generate --weights MODEL.npz` (tests/pipelines.bats checks it).
set -eu
M=${1:-$(dirname "$0")/models/en-fr.npz}
DIM=${DIM:-16} HEADS=${HEADS:-2} LAYERS=${LAYERS:-2} FF=${FF:-32} MAX_LEN=${MAX_LEN:-100}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if [ $# -ge 2 ]; then SRC_VOCAB=$2; else
	SRC_VOCAB=$tmp/src_vocab.txt
	unzip -p "$M" src_vocab.npy | sed 1d > "$SRC_VOCAB"
fi
if [ $# -ge 3 ]; then TGT_VOCAB=$3; else
	TGT_VOCAB=$tmp/tgt_vocab.txt
	unzip -p "$M" tgt_vocab.npy | sed 1d > "$TGT_VOCAB"
fi

while IFS= read -r sentence; do
	# 1. the source, with </s> at its end (the model's eos 1), embedded, scaled by sqrt(d_model), encoded
	echo "$sentence" |
		embed --vocab "$SRC_VOCAB" --eos --scale --dim "$DIM" --weights "$M" --prefix src_embed. |
		posenc |
		encode --layers "$LAYERS" --heads "$HEADS" --ff "$FF" --final-norm --weights "$M" --prefix encoder. \
			> "$tmp/memory.txt"
	# 2. - 4. one token per turn of the loop
	output="<s>"
	words=""
	n=0
	while [ "$n" -lt "$MAX_LEN" ]; do
		next=$(echo "$output" |
			embed --vocab "$TGT_VOCAB" --scale --dim "$DIM" --weights "$M" --prefix tgt_embed. |
			posenc |
			decode --layers "$LAYERS" --heads "$HEADS" --ff "$FF" --final-norm --weights "$M" \
				--prefix decoder. --memory "$tmp/memory.txt" |
			tensor pick --rows -1 |
			linear --weights "$M" --prefix generator. --vocab "$TGT_VOCAB" |
			tensor softmax |
			tensor argmax)
		n=$((n + 1))
		[ "$next" = "</s>" ] && break
		output="$output $next"
		words="${words:+$words }$next"
	done
	echo "$words"
done
